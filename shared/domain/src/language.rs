//! The languages the service speaks, and the choice of one for a person:
//! their account's locale, a language they picked on a page, or their
//! browser's `Accept-Language`, else English.

use super::locale::Locale;

/// A language with a full catalog under `shared/messages/locales/<code>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
    German,
    Russian,
}

impl Language {
    /// Every language, in the order the language switch lists them.
    pub const ALL: [Language; 3] = [Language::English, Language::German, Language::Russian];

    /// The BCP 47 primary language subtag, as in `<html lang>` and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
            Language::Russian => "ru",
        }
    }

    /// The language of a tag such as `de`, `de-AT` or `ru-RU`, when spoken.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Language::ALL.into_iter().find(|language| primary.eq_ignore_ascii_case(language.code()))
    }

    pub fn from_locale(locale: &Locale) -> Option<Language> {
        Language::from_tag(locale.as_str())
    }

    /// The spoken language a browser's `Accept-Language` prefers most
    /// (RFC 9110 §12.5.4: `de-CH, de;q=0.9, en;q=0.8, *;q=0.5`); `None`
    /// when it names none of them. A malformed entry is skipped, a weight
    /// of 0 means "not this one", and among equal weights the first wins.
    pub fn negotiate(accept_language: &str) -> Option<Language> {
        let mut best: Option<(u16, Language)> = None;
        for entry in accept_language.split(',').take(32) {
            let mut parts = entry.split(';');
            let Some(language) = parts.next().and_then(Language::from_tag) else {
                continue;
            };
            let weight =
                parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1000), quality);
            match weight {
                Some(weight) if weight > 0 && best.is_none_or(|(w, _)| weight > w) => {
                    best = Some((weight, language));
                }
                _ => {}
            }
        }
        best.map(|(_, language)| language)
    }
}

/// A `q` value (`0`, `0.8`, `1.000`) in thousandths; `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_preference_picks_among_the_spoken_languages() {
        use Language::*;
        for (header, want) in [
            ("de-CH, de;q=0.9, en;q=0.8, *;q=0.5", Some(German)),
            ("fr-FR, fr;q=0.9, ru;q=0.8, en;q=0.7", Some(Russian)),
            ("en-US,en;q=0.9", Some(English)),
            ("ru;q=0.5, de;q=0.7", Some(German)),
            ("de;q=0, en", Some(English)),
            ("fr, it", None),
            ("", None),
            ("de;q=2, ru;q=abc, en;q=0.1", Some(English)),
            ("RU-ru", Some(Russian)),
            ("de, ru", Some(German)),
        ] {
            assert_eq!(Language::negotiate(header), want, "{header:?}");
        }
    }

    #[test]
    fn a_locale_names_its_language() {
        let locale = Locale::parse("de-AT").unwrap();
        assert_eq!(Language::from_locale(&locale), Some(Language::German));
        assert_eq!(Language::from_tag("pt-BR"), None);
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.code()), Some(language));
        }
    }
}
