//! One template struct per page, and the function that renders it.

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::{Chrome, edition, error_text, impl_page};
use crate::config::Edition;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::response::html_response;
use crate::http::visit::Visit;

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
    /// The id of the field the error is about, if it is about one.
    invalid: &'static str,
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
    /// When the code runs out (epoch seconds), carried by the form and the
    /// language links so that the countdown goes on where it was.
    until: Option<i64>,
    /// What is left of it, counted down on the page; `fraction` of its
    /// whole lifetime.
    seconds_left: Option<i64>,
    fraction: String,
}

#[derive(Template)]
#[template(path = "pages/reset_done.html")]
struct ResetDonePage<'a> {
    chrome: Chrome<'a>,
    login_url: &'a str,
    /// One **Log in** per workspace: its name and login page.
    log_in: &'a [(String, String)],
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    chrome: Chrome<'a>,
    title: String,
    message: String,
    offer_new_link: bool,
}

impl_page!(
    ForgotPage,
    CheckEmailPage,
    ResetFormPage,
    EnterCodePage,
    ResetDonePage,
    MessagePage,
    ForgotLoginPage,
    ReminderSentPage,
);

/// The forgot form, filled in with `login` and showing `error`.
pub(in crate::http) fn forgot_page(
    visit: &Visit,
    status: StatusCode,
    login: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let chrome = Chrome::new(visit, Some(("forgot", &[])));
    let error = error.map(|e| error_text(&chrome.t, e));
    html_response(
        status,
        &ForgotPage {
            label: chrome.t.with("forgot-label", "edition", edition(visit.recovery)),
            submit: chrome.t.with("forgot-submit", "edition", edition(visit.recovery)),
            chrome,
            login,
            error,
        },
    )
}

/// The forgot form again, saying that texts cannot be sent now (the SMS
/// budget is reached) and to reset by email instead.
pub(in crate::http) fn sms_unavailable_page(visit: &Visit) -> Response<Body> {
    let chrome = Chrome::new(visit, Some(("forgot", &[])));
    let notice = chrome.t.get("error-sms-unavailable");
    html_response(
        StatusCode::OK,
        &ForgotPage {
            label: chrome.t.with("forgot-label", "edition", edition(visit.recovery)),
            submit: chrome.t.with("forgot-submit", "edition", edition(visit.recovery)),
            chrome,
            login: "",
            error: Some(notice),
        },
    )
}

/// "Check your email", after a request by login or email address.
pub(in crate::http) fn check_email_page(visit: &Visit) -> Response<Body> {
    html_response(StatusCode::OK, &CheckEmailPage { chrome: Chrome::new(visit, None) })
}

/// "Password changed", with the way to sign in: one **Log in** per
/// workspace of `log_in` (name, login page), else `login_url`.
pub(in crate::http) fn done_page(
    visit: &Visit,
    login_url: &str,
    log_in: &[(String, String)],
) -> Response<Body> {
    html_response(
        StatusCode::OK,
        &ResetDonePage { chrome: Chrome::new(visit, None), login_url, log_in },
    )
}

/// A page that says what went wrong, with a way to ask for a new link when
/// `offer_new_link`.
pub(in crate::http) fn error_page(
    visit: &Visit,
    error: &ApiError,
    offer_new_link: bool,
) -> Response<Body> {
    let chrome = Chrome::new(visit, None);
    // A person whose link or code no longer works, or who is held back,
    // may be stuck: say whom to contact.
    let chrome = match error.code {
        ErrorCode::InvalidToken | ErrorCode::TooManyAttempts | ErrorCode::RateLimited => {
            chrome.with_support("support-link")
        }
        _ => chrome,
    };
    let title = match error.code {
        ErrorCode::InvalidToken => "title-invalid-token",
        ErrorCode::ServiceUnavailable => "title-unavailable",
        ErrorCode::RateLimited => "title-rate-limited",
        ErrorCode::TooManyAttempts => "title-too-many-attempts",
        _ => "title-bad-request",
    };
    let (title, message) = (chrome.t.get(title), error_text(&chrome.t, error));
    let mut response =
        html_response(error.status, &MessagePage { chrome, title, message, offer_new_link });
    error.add_retry_after(&mut response);
    response
}

/// The page where the code sent to `phone` is entered, with `error` (and its
/// `Retry-After`) when an entry was refused. `until`: when the code runs
/// out (epoch seconds), if known; the page counts down to it.
pub(in crate::http) fn code_page(
    visit: &Visit,
    status: StatusCode,
    phone: &str,
    until: Option<i64>,
    error: Option<&ApiError>,
) -> Response<Body> {
    let lifetime = visit.recovery.settings().sms.code_lifetime_seconds;
    let now = visit.recovery.now().epoch_seconds();
    // A time that is not this code's (past, or further off than a code
    // lives) is not shown.
    let until = until.filter(|until| (now..=now + lifetime).contains(until));
    let seconds_left = until.map(|until| until - now).filter(|left| *left > 0);
    let until_text = until.map(|u| u.to_string());
    let mut query = vec![("phone", phone)];
    if let Some(until) = &until_text {
        query.push(("until", until.as_str()));
    }
    let chrome = Chrome::new(visit, Some(("code", &query))).with_support("support-code");
    let error_message = error.map(|e| error_text(&chrome.t, e));
    let mut response = html_response(
        status,
        &EnterCodePage {
            sent: chrome
                .t
                .format("code-sent", &[("phone", phone.into()), ("seconds", lifetime.into())]),
            chrome,
            phone,
            error: error_message,
            until,
            seconds_left,
            fraction: format!("{:.3}", seconds_left.unwrap_or(0) as f64 / lifetime.max(1) as f64),
        },
    );
    if let Some(error) = error {
        error.add_retry_after(&mut response);
    }
    response
}

/// The reset form with `token` filled in, and `error` (with its reasons) when
/// a submission was refused.
pub(in crate::http) fn reset_form(
    visit: &Visit,
    status: StatusCode,
    token: &str,
    login: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let policy = &visit.recovery.settings().password_policy;
    // The switch leads back to the form through its link, which a GET only
    // reads (a token from a code is as good there as one from an email).
    let chrome = Chrome::new(visit, Some(("reset", &[("token", token)])));
    let reasons = error
        .map(|e| {
            e.reasons
                .iter()
                .map(|r| {
                    let id = format!("policy-{}", r.code.replace('_', "-"));
                    chrome.t.format(
                        &id,
                        &[("min", policy.min_chars().into()), ("max", policy.max_chars().into())],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let invalid = match error.map(|e| e.code) {
        Some(ErrorCode::InvalidLogin) => "login",
        Some(ErrorCode::PasswordMismatch) => "password_confirmation",
        Some(ErrorCode::WeakPassword) => "password",
        _ => "",
    };
    let error = error.map(|e| error_text(&chrome.t, e));
    html_response(
        status,
        &ResetFormPage {
            invalid,
            title: chrome.t.with("reset-title", "edition", edition(visit.recovery)),
            hint: chrome.t.with("reset-new-password-hint", "min", policy.min_chars()),
            submit: chrome.t.with("reset-submit", "edition", edition(visit.recovery)),
            chrome,
            on_premise: visit.recovery.settings().edition == Edition::OnPremise,
            token,
            login,
            min_chars: policy.min_chars(),
            max_chars: policy.max_chars(),
            error,
            reasons,
        },
    )
}

#[derive(Template)]
#[template(path = "pages/forgot_login.html")]
struct ForgotLoginPage<'a> {
    chrome: Chrome<'a>,
    label: String,
    contact: &'a str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/reminder_sent.html")]
struct ReminderSentPage<'a> {
    chrome: Chrome<'a>,
    title: String,
    text: String,
}

/// "Forgot your login?", filled in with `contact` and showing `error`.
pub(in crate::http) fn forgot_login_page(
    visit: &Visit,
    status: StatusCode,
    contact: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let chrome = Chrome::new(visit, Some(("forgot-login", &[])));
    let error = error.map(|e| error_text(&chrome.t, e));
    html_response(
        status,
        &ForgotLoginPage {
            label: chrome.t.with("remind-label", "edition", edition(visit.recovery)),
            chrome,
            contact,
            error,
        },
    )
}

/// "Check your email" (or phone) after "Forgot your login?".
pub(in crate::http) fn reminder_sent_page(visit: &Visit, by_phone: bool) -> Response<Body> {
    let chrome = Chrome::new(visit, None);
    let channel = if by_phone { "sms" } else { "email" };
    html_response(
        StatusCode::OK,
        &ReminderSentPage {
            title: chrome.t.with("remind-sent-title", "channel", channel),
            text: chrome.t.with("remind-sent-text", "channel", channel),
            chrome,
        },
    )
}
