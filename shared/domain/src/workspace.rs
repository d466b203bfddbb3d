//! A workspace: one customer company of a deployment, with its name, the
//! only login page its links lead to, and its branding. An account belongs
//! to one or more of them.

use crate::Language;

/// The longest workspace id.
pub const MAX_WORKSPACE_ID: usize = 63;
/// The longest display name, in characters.
pub const MAX_WORKSPACE_NAME: usize = 100;
/// The longest URL a workspace keeps.
pub const MAX_WORKSPACE_URL: usize = 2048;
/// The least contrast of an accent colour on white (WCAG AA for text).
pub const MIN_ACCENT_CONTRAST: f64 = 4.5;

/// What makes a workspace's field invalid; the message names the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkspaceError {
    #[error("1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen")]
    Id,
    #[error("1 to 100 characters, no control characters")]
    Name,
    #[error("an https:// URL with a host, at most 2048 characters, no spaces")]
    Url,
    #[error("a colour #rrggbb")]
    Colour,
    #[error("a colour with a contrast of at least 4.5:1 on white (this one has {0:.2}:1)")]
    Contrast(f64),
}

/// A workspace's id: what links carry (`?workspace=<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceId(String);

impl WorkspaceId {
    pub fn parse(text: &str) -> Result<Self, WorkspaceError> {
        let ok = (1..=MAX_WORKSPACE_ID).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        if ok { Ok(Self(text.to_owned())) } else { Err(WorkspaceError::Id) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An `https://` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsUrl(String);

impl HttpsUrl {
    pub fn parse(text: &str) -> Result<Self, WorkspaceError> {
        // A host of letters, digits, dots and hyphens, and a port: no
        // user info, nothing an origin compared or put in a header could
        // be made to say otherwise.
        let host = text.strip_prefix("https://").map(|rest| rest.split(['/', '?', '#']).next());
        let origin_ok = |h: &str| {
            let (name, port) = h.split_once(':').unwrap_or((h, "0"));
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                && (1..=5).contains(&port.len())
                && port.bytes().all(|b| b.is_ascii_digit())
        };
        let ok = matches!(host, Some(Some(h)) if origin_ok(h))
            && text.len() <= MAX_WORKSPACE_URL
            && !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<');
        if ok { Ok(Self(text.to_owned())) } else { Err(WorkspaceError::Url) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `https://host[:port]`: what a `return_to` is compared with.
    pub fn origin(&self) -> &str {
        let rest = &self.0["https://".len()..];
        let end = rest.find(['/', '?', '#']).map_or(self.0.len(), |i| i + "https://".len());
        &self.0[..end]
    }
}

/// An accent colour, `#rrggbb`, dark enough to read on white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent([u8; 3]);

impl Accent {
    pub fn parse(text: &str) -> Result<Self, WorkspaceError> {
        let hex = text.strip_prefix('#').filter(|h| h.len() == 6).ok_or(WorkspaceError::Colour)?;
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16);
        let rgb = match (channel(0), channel(2), channel(4)) {
            (Ok(r), Ok(g), Ok(b)) => [r, g, b],
            _ => return Err(WorkspaceError::Colour),
        };
        let accent = Self(rgb);
        let contrast = accent.contrast_on_white();
        if contrast < MIN_ACCENT_CONTRAST {
            return Err(WorkspaceError::Contrast(contrast));
        }
        Ok(accent)
    }

    /// WCAG 2's contrast ratio of this colour against white.
    pub fn contrast_on_white(&self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        let [r, g, b] = self.0.map(linear);
        let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        1.05 / (luminance + 0.05)
    }

    /// `#rrggbb`, lowercase.
    pub fn css(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }
}

/// A workspace as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    /// The only place its "Log in" buttons and return links lead.
    pub login_url: HttpsUrl,
    pub logo_url: Option<HttpsUrl>,
    pub accent: Option<Accent>,
    /// Shown as the deployment's support contact is (a link or text).
    pub support_contact: Option<String>,
    pub language: Option<Language>,
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
pub fn workspace_name(text: &str) -> Result<String, WorkspaceError> {
    let name = text.trim();
    let count = name.chars().count();
    if (1..=MAX_WORKSPACE_NAME).contains(&count) && !name.chars().any(char::is_control) {
        Ok(name.to_owned())
    } else {
        Err(WorkspaceError::Name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_letters_digits_and_inner_hyphens() {
        for good in ["acme", "acme-eu", "a", "x9", &"a".repeat(63)] {
            assert_eq!(WorkspaceId::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "Acme", "-acme", "acme-", "ac me", "acme_eu", "äcme", &"a".repeat(64)] {
            assert_eq!(WorkspaceId::parse(bad), Err(WorkspaceError::Id), "{bad}");
        }
    }

    #[test]
    fn urls_are_https_with_a_host() {
        let url = HttpsUrl::parse("https://acme.example:8443/login?next=1").unwrap();
        assert_eq!(url.origin(), "https://acme.example:8443");
        assert_eq!(
            HttpsUrl::parse("https://acme.example").unwrap().origin(),
            "https://acme.example"
        );
        for bad in [
            "http://acme.example",
            "https://",
            "https:///x",
            "javascript:alert(1)",
            "https://a b",
            "https://:80/",
            "https://acme.example@evil.example/",
            "https://acme.example;script-src:*/",
            "https://acme.example:/x",
            "https://acme.example:123456/",
        ] {
            assert_eq!(HttpsUrl::parse(bad), Err(WorkspaceError::Url), "{bad}");
        }
    }

    #[test]
    fn an_accent_must_read_on_white() {
        // The pages' own colour, and black, pass; yellow does not.
        assert_eq!(Accent::parse("#1F5FBF").unwrap().css(), "#1f5fbf");
        assert!((Accent::parse("#000000").unwrap().contrast_on_white() - 21.0).abs() < 0.01);
        assert!(matches!(Accent::parse("#ffff00"), Err(WorkspaceError::Contrast(c)) if c < 1.1));
        for bad in ["1a56db", "#1a56d", "#zz56db", "blue"] {
            assert_eq!(Accent::parse(bad), Err(WorkspaceError::Colour), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(workspace_name("  Acme GmbH ").unwrap(), "Acme GmbH");
        assert_eq!(workspace_name(""), Err(WorkspaceError::Name));
        assert_eq!(workspace_name("a\u{7}b"), Err(WorkspaceError::Name));
        assert!(workspace_name(&"ä".repeat(100)).is_ok());
        assert_eq!(workspace_name(&"ä".repeat(101)), Err(WorkspaceError::Name));
    }
}
