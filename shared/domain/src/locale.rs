//! A person's language: the BCP 47 tag an account carries (set on
//! invitation, import or update), in the common shape of a language with
//! an optional script and region.

use std::fmt;

/// `de`, `pt-BR`, `zh-Hant-TW`: a language of 2 or 3 letters, then an
/// optional script of 4 letters, then an optional region of 2 letters or 3
/// digits; kept as `de`, `pt-BR`, `zh-Hant-TW` whatever the case typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locale(String);

/// A tag not of that shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a language tag such as `en`, `de`, `pt-BR` or `zh-Hant-TW`: a language of 2 or 3 letters, then optionally a script and a region"
)]
pub struct InvalidLocale;

impl Locale {
    pub fn parse(text: &str) -> Result<Self, InvalidLocale> {
        let mut parts = text.trim().split(['-', '_']);
        let language = parts.next().ok_or(InvalidLocale)?;
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(InvalidLocale);
        }
        let mut tag = language.to_ascii_lowercase();
        let mut rest: Vec<&str> = parts.collect();
        if let Some(script) = rest.first().filter(|s| s.len() == 4) {
            if !script.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(InvalidLocale);
            }
            tag.push('-');
            tag.push_str(&script[..1].to_ascii_uppercase());
            tag.push_str(&script[1..].to_ascii_lowercase());
            rest.remove(0);
        }
        match rest.as_slice() {
            [] => {}
            [region]
                if (region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
                    || (region.len() == 3 && region.chars().all(|c| c.is_ascii_digit())) =>
            {
                tag.push('-');
                tag.push_str(&region.to_ascii_uppercase());
            }
            _ => return Err(InvalidLocale),
        }
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_in_their_usual_case() {
        for (typed, kept) in [
            ("de", "de"),
            ("EN", "en"),
            ("pt_br", "pt-BR"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            (" ru ", "ru"),
        ] {
            assert_eq!(Locale::parse(typed).unwrap().as_str(), kept, "{typed}");
        }
        for bad in ["", "e", "english", "de-DE-x", "de-1", "d3", "zh-Han1"] {
            assert_eq!(Locale::parse(bad), Err(InvalidLocale), "{bad}");
        }
    }
}
