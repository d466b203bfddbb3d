//! The HTTP side of the functions: API Gateway (HTTP API, payload 2.0)
//! requests in, JSON or HTML answers out. JSON bodies get JSON answers; HTML
//! forms (`application/x-www-form-urlencoded`) get pages.
//!
//! Every error body is `{"error": "<snake_case code>", "message": "<sentence>"}`
//! with a 4xx status, or 503 when a dependency is down.

use std::collections::HashMap;
use std::time::Instant;

use askama::Template;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use tracing::error;

use crate::account::AccountLookup;
use crate::config::{Edition, WebSettings};
use crate::flows::{PasswordChange, Recovery, SetPasswordError, TokenStatus};
use crate::policy::PolicyViolation;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Sent with every answer: nothing is cached or framed, no referrer leaks the
/// token in the URL, and no script runs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const FORGOT_ACCEPTED: &str = "If an account matches what you entered, we have sent it an \
     email with instructions to reset the password. The link in it expires soon, so use it \
     now.";

/// An error answer in the documented shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub reasons: Vec<PolicyViolation>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The service is temporarily unavailable. Please try again in a minute.",
        )
    }

    pub fn to_json(&self) -> Value {
        let mut body = json!({ "error": self.code, "message": self.message });
        if !self.reasons.is_empty() {
            body["reasons"] = json!(self.reasons);
        }
        body
    }

    fn into_json_response(self) -> Response<Body> {
        let mut response = json_response(self.status, &self.to_json());
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        }
        response
    }
}

fn with_security_headers(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn response(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    with_security_headers(response)
}

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    response(status, "application/json", body.to_string())
}

fn html_response(status: StatusCode, page: &impl Template) -> Response<Body> {
    match page.render() {
        Ok(html) => response(status, "text/html; charset=utf-8", html),
        Err(_) => {
            error!("a page template failed to render");
            ApiError::unavailable().into_json_response()
        }
    }
}

/// How the request was sent, and so how to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Form,
}

/// A parsed request body.
enum Submission {
    Json(serde_json::Map<String, Value>),
    Form(HashMap<String, String>),
}

impl Submission {
    fn format(&self) -> Format {
        match self {
            Self::Json(_) => Format::Json,
            Self::Form(_) => Format::Form,
        }
    }

    /// The field as text; `None` when absent (or empty in a form).
    fn optional(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self {
            Self::Form(fields) => Ok(fields.get(name).filter(|v| !v.is_empty()).cloned()),
            Self::Json(fields) => match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_field",
                    format!("The field `{name}` must be a string."),
                )),
            },
        }
    }

    fn required(&self, name: &str) -> Result<String, ApiError> {
        self.optional(name)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "missing_field",
                format!("The field `{name}` is required."),
            )
        })
    }
}

/// Reads a JSON or form body: 413 past [`MAX_BODY_BYTES`], 415 for another
/// content type, 400 when it does not parse.
fn read_submission(req: &Request) -> Result<Submission, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body must not exceed {MAX_BODY_BYTES} bytes."),
        ));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(fields)) => Ok(Submission::Json(fields)),
            Ok(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_body",
                "The request body must be a JSON object.",
            )),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_body",
                "The request body is not valid JSON.",
            )),
        },
        "application/x-www-form-urlencoded" => {
            match serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes) {
                Ok(pairs) => Ok(Submission::Form(pairs.into_iter().collect())),
                Err(_) => Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_body",
                    "The form data could not be read.",
                )),
            }
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the request as application/json or application/x-www-form-urlencoded.",
        )),
    }
}

fn method_not_allowed() -> Response<Body> {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Use GET or POST.",
    )
    .into_json_response()
}

#[derive(Template)]
#[template(path = "pages/forgot.html")]
struct ForgotPage<'a> {
    service_name: &'a str,
    on_premise: bool,
    login: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pages/check_email.html")]
struct CheckEmailPage<'a> {
    service_name: &'a str,
    message: &'a str,
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
#[template(path = "pages/reset_done.html")]
struct ResetDonePage<'a> {
    service_name: &'a str,
    login_url: &'a str,
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    service_name: &'a str,
    title: &'a str,
    message: &'a str,
    offer_new_link: bool,
}

fn error_page(recovery: &Recovery, error: &ApiError, offer_new_link: bool) -> Response<Body> {
    let title = match error.code {
        "invalid_token" => "This link no longer works",
        "service_unavailable" => "Please try again",
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
    if error.status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    }
    response
}

/// `GET /password/forgot` (the form) and `POST /password/forgot`.
pub async fn forgot_password(
    recovery: &Recovery,
    web: &WebSettings,
    req: Request,
) -> Response<Body> {
    let service_name = recovery.settings.service_name.as_str();
    let on_premise = web.edition == Edition::OnPremise;
    match req.method().as_str() {
        "GET" => {
            return html_response(
                StatusCode::OK,
                &ForgotPage {
                    service_name,
                    on_premise,
                    login: "",
                    error: None,
                },
            );
        }
        "POST" => {}
        _ => return method_not_allowed(),
    }
    let started = Instant::now();
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let lookup = submission.required("login").and_then(|login| {
        AccountLookup::parse(&login)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_login", e.to_string()))
    });
    let lookup = match lookup {
        Ok(lookup) => lookup,
        Err(err) if format == Format::Form => {
            let login = submission
                .optional("login")
                .ok()
                .flatten()
                .unwrap_or_default();
            return html_response(
                err.status,
                &ForgotPage {
                    service_name,
                    on_premise,
                    login: &login,
                    error: Some(&err.message),
                },
            );
        }
        Err(err) => return err.into_json_response(),
    };
    let result = recovery.request_reset(&lookup).await;
    // The same minimum time for every account, found or not.
    tokio::time::sleep_until((started + web.forgot_response_floor).into()).await;
    if let Err(err) = result {
        error!(error = %err, "reset request failed");
        let err = ApiError::unavailable();
        return match format {
            Format::Json => err.into_json_response(),
            Format::Form => error_page(recovery, &err, false),
        };
    }
    match format {
        Format::Json => json_response(
            StatusCode::ACCEPTED,
            &json!({ "next": "check_email", "message": FORGOT_ACCEPTED }),
        ),
        Format::Form => html_response(
            StatusCode::OK,
            &CheckEmailPage {
                service_name,
                message: FORGOT_ACCEPTED,
            },
        ),
    }
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_token",
        "This password reset link is invalid, has expired or was already used. Request a new one.",
    )
}

fn set_password_error(err: SetPasswordError) -> ApiError {
    match err {
        SetPasswordError::InvalidToken => invalid_token(),
        SetPasswordError::PasswordMismatch => ApiError::new(
            StatusCode::BAD_REQUEST,
            "password_mismatch",
            "The new password and its confirmation do not match.",
        ),
        SetPasswordError::WeakPassword(reasons) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "weak_password",
            message: "Choose a different password.".into(),
            reasons,
        },
        SetPasswordError::Dependency(err) => {
            error!(error = %err, "password change failed");
            ApiError::unavailable()
        }
        SetPasswordError::Hashing(err) => {
            error!(error = %err, "password change failed");
            ApiError::unavailable()
        }
    }
}

/// `GET /password/reset?token=...` (the form; reads, never consumes) and
/// `POST /password/reset`.
pub async fn reset_password(
    recovery: &Recovery,
    web: &WebSettings,
    req: Request,
) -> Response<Body> {
    let service_name = recovery.settings.service_name.as_str();
    let policy = &recovery.settings.password_policy;
    let on_premise = web.edition == Edition::OnPremise;
    let form = |status: StatusCode, token: &str, login: &str, error: Option<&ApiError>| {
        html_response(
            status,
            &ResetFormPage {
                service_name,
                on_premise,
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
    };
    match req.method().as_str() {
        "GET" => {
            let params = req.query_string_parameters();
            let token = params.first("token").unwrap_or("").trim();
            return match recovery.token_status(token).await {
                Ok(TokenStatus::Usable { login }) => {
                    // The Cloud form names the account for password managers;
                    // the On-Premise form asks the person for it.
                    let known = if on_premise { "" } else { login.as_str() };
                    form(StatusCode::OK, token, known, None)
                }
                Ok(TokenStatus::Invalid) => error_page(recovery, &invalid_token(), true),
                Err(err) => {
                    error!(error = %err, "token lookup failed");
                    error_page(recovery, &ApiError::unavailable(), false)
                }
            };
        }
        "POST" => {}
        _ => return method_not_allowed(),
    }
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let fields = (|| {
        let token = submission.required("token")?;
        let login = if format == Format::Form && on_premise {
            Some(submission.required("login")?)
        } else {
            submission.optional("login")?
        };
        let password = submission.required("password")?;
        let confirmation = submission.required("password_confirmation")?;
        Ok::<_, ApiError>((token, login, password, confirmation))
    })();
    let (token, login, password, confirmation) = match fields {
        Ok(fields) => fields,
        Err(err) if format == Format::Form => {
            let token = submission
                .optional("token")
                .ok()
                .flatten()
                .unwrap_or_default();
            let login = submission
                .optional("login")
                .ok()
                .flatten()
                .unwrap_or_default();
            return form(err.status, &token, &login, Some(&err));
        }
        Err(err) => return err.into_json_response(),
    };
    let change = PasswordChange {
        token: token.clone(),
        login: login.clone(),
        password: SecretString::from(password),
        confirmation: SecretString::from(confirmation),
    };
    match (recovery.set_password(change).await, format) {
        (Ok(done), Format::Json) => json_response(
            StatusCode::OK,
            &json!({ "status": "password_changed", "login_url": done.login_url }),
        ),
        (Ok(done), Format::Form) => html_response(
            StatusCode::OK,
            &ResetDonePage {
                service_name,
                login_url: &done.login_url,
            },
        ),
        (Err(err), Format::Json) => set_password_error(err).into_json_response(),
        (Err(err), Format::Form) => {
            let err = set_password_error(err);
            match err.code {
                "invalid_token" => error_page(recovery, &err, true),
                "service_unavailable" => error_page(recovery, &err, false),
                _ => form(
                    err.status,
                    &token,
                    login.as_deref().unwrap_or(""),
                    Some(&err),
                ),
            }
        }
    }
}
