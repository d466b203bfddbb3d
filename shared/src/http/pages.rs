//! The HTML pages, rendered from `templates/pages/` in the person's
//! language (`messages::Texts`). One template struct per template file;
//! each carries the [`Chrome`] every page shares.

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::error::{ApiError, ErrorCode, rounded_wait};
use super::response::html_response;
use crate::config::{Edition, WebSettings};
use crate::domain::Language;
use crate::flows::Recovery;
use crate::messages::Texts;

/// A link of the language switch.
pub(super) struct LanguageLink {
    pub href: String,
    pub code: &'static str,
    pub name: String,
    pub current: bool,
}

/// What every page shows besides its content: the service's name, the
/// words of the page's language, and the switch to the others.
pub(super) struct Chrome<'a> {
    pub service_name: &'a str,
    pub t: Texts,
    /// The links to this page in the other languages; empty on a page that
    /// a GET cannot show again (the answer to a form).
    pub languages: Vec<LanguageLink>,
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
            service_name: &recovery.settings.service_name,
            t: Texts::new(language),
            languages,
        }
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
            return t.format(
                "error-rate-limited",
                &[("wait", t.duration(wait).as_str().into())],
            );
        }
        ErrorCode::InvalidCode => "error-invalid-code",
        ErrorCode::TooManyAttempts => "error-too-many-attempts",
        ErrorCode::PasswordMismatch => "error-password-mismatch",
        ErrorCode::WeakPassword => "error-weak-password",
        ErrorCode::InvalidLogin => "error-invalid-login",
        ErrorCode::InvalidPhone => "error-invalid-phone",
        ErrorCode::MissingField => "error-missing-field",
        _ => "error-bad-request",
    };
    t.get(id)
}

#[derive(Template)]
#[template(path = "pages/forgot.html")]
struct ForgotPage<'a> {
    chrome: Chrome<'a>,
    label: String,
    submit: String,
    login: &'a str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/check_email.html")]
struct CheckEmailPage<'a> {
    chrome: Chrome<'a>,
}

#[derive(Template)]
#[template(path = "pages/reset_form.html")]
struct ResetFormPage<'a> {
    chrome: Chrome<'a>,
    on_premise: bool,
    title: String,
    hint: String,
    submit: String,
    token: &'a str,
    login: &'a str,
    min_chars: usize,
    max_chars: usize,
    error: Option<String>,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/enter_code.html")]
struct EnterCodePage<'a> {
    chrome: Chrome<'a>,
    phone: &'a str,
    sent: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/reset_done.html")]
struct ResetDonePage<'a> {
    chrome: Chrome<'a>,
    login_url: &'a str,
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    chrome: Chrome<'a>,
    title: String,
    message: String,
    offer_new_link: bool,
}

/// The edition's name, for the messages that differ by edition.
fn edition(web: &WebSettings) -> &'static str {
    match web.edition {
        Edition::Cloud => "cloud",
        Edition::OnPremise => "on_premise",
    }
}

/// The forgot form, filled in with `login` and showing `error`.
pub(super) fn forgot_page(
    recovery: &Recovery,
    web: &WebSettings,
    language: Language,
    status: StatusCode,
    login: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let chrome = Chrome::new(recovery, language, Some(("forgot", &[])));
    let error = error.map(|e| error_text(&chrome.t, e));
    html_response(
        status,
        &ForgotPage {
            label: chrome.t.with("forgot-label", "edition", edition(web)),
            submit: chrome.t.with("forgot-submit", "edition", edition(web)),
            chrome,
            login,
            error,
        },
    )
}

/// "Check your email", after a request by login or email address.
pub(super) fn check_email_page(recovery: &Recovery, language: Language) -> Response<Body> {
    html_response(
        StatusCode::OK,
        &CheckEmailPage {
            chrome: Chrome::new(recovery, language, None),
        },
    )
}

/// "Password changed", with the way to sign in.
pub(super) fn done_page(
    recovery: &Recovery,
    language: Language,
    login_url: &str,
) -> Response<Body> {
    html_response(
        StatusCode::OK,
        &ResetDonePage {
            chrome: Chrome::new(recovery, language, None),
            login_url,
        },
    )
}

/// A page that says what went wrong, with a way to ask for a new link when
/// `offer_new_link`.
pub(super) fn error_page(
    recovery: &Recovery,
    language: Language,
    error: &ApiError,
    offer_new_link: bool,
) -> Response<Body> {
    let chrome = Chrome::new(recovery, language, None);
    let title = match error.code {
        ErrorCode::InvalidToken => "title-invalid-token",
        ErrorCode::ServiceUnavailable => "title-unavailable",
        ErrorCode::RateLimited => "title-rate-limited",
        ErrorCode::TooManyAttempts => "title-too-many-attempts",
        _ => "title-bad-request",
    };
    let (title, message) = (chrome.t.get(title), error_text(&chrome.t, error));
    let mut response = html_response(
        error.status,
        &MessagePage {
            chrome,
            title,
            message,
            offer_new_link,
        },
    );
    error.add_retry_after(&mut response);
    response
}

/// The page where the code sent to `phone` is entered, with `error` (and its
/// `Retry-After`) when an entry was refused.
pub(super) fn code_page(
    recovery: &Recovery,
    language: Language,
    status: StatusCode,
    phone: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let chrome = Chrome::new(recovery, language, Some(("code", &[("phone", phone)])));
    let error_message = error.map(|e| error_text(&chrome.t, e));
    let mut response = html_response(
        status,
        &EnterCodePage {
            sent: chrome.t.format(
                "code-sent",
                &[
                    ("phone", phone.into()),
                    (
                        "seconds",
                        recovery.settings.sms.code_lifetime_seconds.into(),
                    ),
                ],
            ),
            chrome,
            phone,
            error: error_message,
        },
    );
    if let Some(error) = error {
        error.add_retry_after(&mut response);
    }
    response
}

/// The reset form with `token` filled in, and `error` (with its reasons) when
/// a submission was refused.
pub(super) fn reset_form(
    recovery: &Recovery,
    web: &WebSettings,
    language: Language,
    status: StatusCode,
    token: &str,
    login: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let policy = &recovery.settings.password_policy;
    // The switch leads back to the form through its link, which a GET only
    // reads (a token from a code is as good there as one from an email).
    let chrome = Chrome::new(recovery, language, Some(("reset", &[("token", token)])));
    let reasons = error
        .map(|e| {
            e.reasons
                .iter()
                .map(|r| {
                    let id = format!("policy-{}", r.code.replace('_', "-"));
                    chrome.t.format(
                        &id,
                        &[
                            ("min", policy.min_chars().into()),
                            ("max", policy.max_chars().into()),
                        ],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let error = error.map(|e| error_text(&chrome.t, e));
    html_response(
        status,
        &ResetFormPage {
            title: chrome.t.with("reset-title", "edition", edition(web)),
            hint: chrome
                .t
                .with("reset-new-password-hint", "min", policy.min_chars()),
            submit: chrome.t.with("reset-submit", "edition", edition(web)),
            chrome,
            on_premise: web.edition == Edition::OnPremise,
            token,
            login,
            min_chars: policy.min_chars(),
            max_chars: policy.max_chars(),
            error,
            reasons,
        },
    )
}
