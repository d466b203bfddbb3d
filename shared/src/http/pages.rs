//! The HTML pages, rendered from `templates/pages/`. One template struct per
//! template file.

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::error::{ApiError, ErrorCode};
use super::response::html_response;
use crate::config::{Edition, WebSettings};
use crate::flows::Recovery;

#[derive(Template)]
#[template(path = "pages/forgot.html")]
pub(super) struct ForgotPage<'a> {
    pub service_name: &'a str,
    pub on_premise: bool,
    pub login: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pages/check_email.html")]
pub(super) struct CheckEmailPage<'a> {
    pub service_name: &'a str,
    pub message: &'a str,
}

#[derive(Template)]
#[template(path = "pages/reset_form.html")]
struct ResetFormPage<'a> {
    service_name: &'a str,
    on_premise: bool,
    token: &'a str,
    login: &'a str,
    min_chars: usize,
    max_chars: usize,
    error: Option<&'a str>,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "pages/enter_code.html")]
struct EnterCodePage<'a> {
    service_name: &'a str,
    phone: &'a str,
    seconds: i64,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pages/reset_done.html")]
pub(super) struct ResetDonePage<'a> {
    pub service_name: &'a str,
    pub login_url: &'a str,
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    service_name: &'a str,
    title: &'a str,
    message: &'a str,
    offer_new_link: bool,
}

/// A page that says what went wrong, with a way to ask for a new link when
/// `offer_new_link`.
pub(super) fn error_page(
    recovery: &Recovery,
    error: &ApiError,
    offer_new_link: bool,
) -> Response<Body> {
    let title = match error.code {
        ErrorCode::InvalidToken => "This link no longer works",
        ErrorCode::ServiceUnavailable => "Please try again",
        ErrorCode::RateLimited => "Too many requests",
        ErrorCode::TooManyAttempts => "This code no longer works",
        _ => "Something is wrong with the request",
    };
    let mut response = html_response(
        error.status,
        &MessagePage {
            service_name: &recovery.settings.service_name,
            title,
            message: &error.message,
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
    status: StatusCode,
    phone: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let mut response = html_response(
        status,
        &EnterCodePage {
            service_name: &recovery.settings.service_name,
            phone,
            seconds: recovery.settings.sms.code_lifetime_seconds,
            error: error.map(|e| e.message.as_str()),
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
    status: StatusCode,
    token: &str,
    login: &str,
    error: Option<&ApiError>,
) -> Response<Body> {
    let policy = &recovery.settings.password_policy;
    html_response(
        status,
        &ResetFormPage {
            service_name: &recovery.settings.service_name,
            on_premise: web.edition == Edition::OnPremise,
            token,
            login,
            min_chars: policy.min_chars(),
            max_chars: policy.max_chars(),
            error: error.map(|e| e.message.as_str()),
            reasons: error
                .map(|e| e.reasons.iter().map(|r| r.message.clone()).collect())
                .unwrap_or_default(),
        },
    )
}
