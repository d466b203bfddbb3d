//! The HTML pages, rendered from `templates/pages/` in the person's
//! language (`messages::Texts`). One template struct per template file
//! (`views`); each carries the [`Chrome`] every page shares.

mod lock;
mod views;

pub(super) use lock::*;
pub(super) use views::*;

use super::error::{ApiError, ErrorCode, rounded_wait};
use crate::config::Edition;
use recovery_core::flows::Recovery;
use recovery_domain::Language;
use recovery_messages::Texts;

/// A link of the language switch.
pub(super) struct LanguageLink {
    pub href: String,
    pub code: &'static str,
    pub name: String,
    pub current: bool,
}

/// The line that sends a stuck person to support (`SUPPORT_CONTACT`).
pub(super) struct SupportLine {
    /// The sentence before the contact, in the page's language.
    pub lead: String,
    pub label: String,
    /// The contact's address when it is a link.
    pub href: Option<String>,
}

/// What every page shows besides its content: the service's name, the
/// words of the page's language, the switch to the others, and on pages
/// where a person may be stuck, whom to contact.
pub(super) struct Chrome<'a> {
    pub service_name: &'a str,
    pub t: Texts,
    /// The links to this page in the other languages; empty on a page that
    /// a GET cannot show again (the answer to a form).
    pub languages: Vec<LanguageLink>,
    pub support: Option<SupportLine>,
}

impl<'a> Chrome<'a> {
    /// For a page in `language`, whose GET is `path` with the query
    /// parameters `query` (`lang` added per language), or none.
    pub fn new(
        recovery: &'a Recovery,
        language: Language,
        again: Option<(&str, &[(&str, &str)])>,
    ) -> Self {
        let languages = match again {
            None => Vec::new(),
            Some((path, query)) => Language::ALL
                .into_iter()
                .map(|other| {
                    let mut href = format!("{path}?");
                    for (name, value) in query {
                        href.push_str(&format!("{name}={}&", encode(value)));
                    }
                    href.push_str("lang=");
                    href.push_str(other.code());
                    LanguageLink {
                        href,
                        code: other.code(),
                        name: Texts::new(other).get("language-name"),
                        current: other == language,
                    }
                })
                .collect(),
        };
        Self {
            service_name: &recovery.settings().service_name,
            t: Texts::new(language),
            languages,
            support: None,
        }
    }

    /// With the configured support contact (if any) after the message
    /// `lead`.
    pub fn with_support(mut self, recovery: &Recovery, lead: &str) -> Self {
        self.support = recovery.settings().support.as_ref().map(|contact| SupportLine {
            lead: self.t.get(lead),
            label: contact.label().to_owned(),
            href: contact.href().map(str::to_owned),
        });
        self
    }
}

/// `value` percent-encoded for a query string.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The sentence a page shows for `error`, in the page's language. The
/// JSON API keeps its English `message`; a page speaks the person's.
pub(super) fn error_text(t: &Texts, error: &ApiError) -> String {
    let id = match error.code {
        ErrorCode::InvalidToken => "error-invalid-token",
        ErrorCode::ServiceUnavailable => "error-unavailable",
        ErrorCode::RateLimited => {
            let wait = rounded_wait(error.retry_after.unwrap_or(60));
            return t.format("error-rate-limited", &[("wait", t.duration(wait).as_str().into())]);
        }
        ErrorCode::InvalidCode => "error-invalid-code",
        ErrorCode::TooManyAttempts => "error-too-many-attempts",
        ErrorCode::PasswordMismatch => "error-password-mismatch",
        ErrorCode::WeakPassword => "error-weak-password",
        ErrorCode::InvalidLogin => "error-invalid-login",
        ErrorCode::InvalidContact => "error-invalid-contact",
        ErrorCode::InvalidPhone => "error-invalid-phone",
        ErrorCode::MissingField => "error-missing-field",
        _ => "error-bad-request",
    };
    t.get(id)
}

/// The edition's name, for the messages that differ by edition.
fn edition(recovery: &Recovery) -> &'static str {
    match recovery.settings().edition {
        Edition::Cloud => "cloud",
        Edition::OnPremise => "on_premise",
    }
}
