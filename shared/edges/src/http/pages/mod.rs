//! The HTML pages, rendered from `templates/pages/` in the person's
//! language (`messages::Texts`). One template struct per template file
//! (`views`); each carries the [`Chrome`] every page shares.

mod challenge;
mod lock;
mod views;

pub(super) use challenge::challenge_page;
pub(super) use lock::*;
pub(super) use views::*;

use super::error::{ApiError, ErrorCode, rounded_wait};
use super::visit::Visit;
use crate::config::Edition;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use recovery_core::flows::Recovery;
use recovery_domain::{HttpsUrl, Language};
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

/// What every page shows besides its content: the name (and logo and
/// colour) of the workspace or service it speaks for, the words of the
/// page's language, the switch to the others, and on pages where a person
/// may be stuck, whom to contact.
pub(super) struct Chrome<'a> {
    pub service_name: &'a str,
    /// The workspace's logo (an `https://` address), shown beside its name.
    pub logo: Option<&'a str>,
    /// The workspace's accent colour, `#rrggbb`, for buttons and links.
    pub accent: Option<String>,
    pub t: Texts,
    /// The links to this page in the other languages; empty on a page that
    /// a GET cannot show again (the answer to a form).
    pub languages: Vec<LanguageLink>,
    pub support: Option<SupportLine>,
    /// What every form carries as hidden fields (the workspace, the
    /// `return_to`), and every link as `stay` (`&name=value...`).
    pub carried: Vec<(&'static str, &'a str)>,
    pub stay: String,
    /// Where "Back to sign in" leads: the `return_to`, else the login page.
    pub sign_in: &'a str,
    visit: &'a Visit<'a>,
}

impl<'a> Chrome<'a> {
    /// For a page of `visit`, whose GET is `path` with the query
    /// parameters `query` (`lang` and what is carried added per language),
    /// or none.
    pub fn new(visit: &'a Visit<'a>, again: Option<(&str, &[(&str, &str)])>) -> Self {
        let (language, carried) = (visit.language, visit.carried());
        let stay: String =
            carried.iter().map(|(name, value)| format!("&{name}={}", encode(value))).collect();
        let languages = match again {
            None => Vec::new(),
            Some((path, query)) => Language::ALL
                .into_iter()
                .map(|other| {
                    let mut href = format!("{path}?");
                    for (name, value) in query.iter().chain(&carried) {
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
        let workspace = visit.workspace.as_ref();
        Self {
            service_name: visit.name(),
            logo: workspace.and_then(|w| w.logo_url.as_ref()).map(HttpsUrl::as_str),
            accent: workspace.and_then(|w| w.accent).map(|a| a.css()),
            t: Texts::new(language),
            languages,
            support: None,
            carried,
            stay,
            sign_in: visit.return_to.as_deref().unwrap_or(visit.login_url()),
            visit,
        }
    }

    /// With the support contact (the workspace's, else the configured one;
    /// if any) after the message `lead`.
    pub fn with_support(mut self, lead: &str) -> Self {
        self.support = self.visit.support().map(|contact| SupportLine {
            lead: self.t.get(lead),
            label: contact.label().to_owned(),
            href: contact.href().map(str::to_owned),
        });
        self
    }

    /// The origin the page's images come from (the logo's), for the
    /// answer's `Content-Security-Policy`.
    pub fn image_origin(&self) -> Option<&str> {
        let logo = self.visit.workspace.as_ref()?.logo_url.as_ref()?;
        Some(logo.origin())
    }
}

/// A page: a template with its [`Chrome`].
pub(in crate::http) trait Page: askama::Template {
    fn chrome(&self) -> &Chrome<'_>;

    /// The CSP source of the page's one script, if it has one (none do
    /// but the challenge's).
    fn script(&self) -> Option<&'static str> {
        None
    }
}

/// Makes each of these page structs a [`Page`] (each has its `chrome`).
macro_rules! impl_page {
    ($($page:ident),* $(,)?) => {
        $(impl crate::http::pages::Page for $page<'_> {
            fn chrome(&self) -> &crate::http::pages::Chrome<'_> {
                &self.chrome
            }
        })*
    };
}
pub(crate) use impl_page;

/// What a query string's value keeps as it is: RFC 3986's unreserved
/// characters; every other byte is percent-encoded.
const QUERY_VALUE: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `value` percent-encoded for a query string.
fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_query_value_keeps_only_the_unreserved_characters() {
        assert_eq!(super::encode("az-_.~09"), "az-_.~09");
        assert_eq!(super::encode("a b&c=d/é?#+%"), "a%20b%26c%3Dd%2F%C3%A9%3F%23%2B%25");
    }
}
