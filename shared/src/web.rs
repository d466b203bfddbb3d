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
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use tracing::error;

use crate::account::{AccountLookup, IdentifierError, PhoneNumber};
use crate::config::{Edition, Function, WebSettings};
use crate::flows::{
    FlowError, PasswordChange, Recovery, SetPasswordError, TokenStatus, VerifyCodeError,
};
use crate::policy::PolicyViolation;

/// The public routes and the function serving each. The SAM template
/// declares exactly these (checked by the template test).
pub const ROUTES: &[(Function, &str, &str)] = &[
    (Function::RequestReset, "GET", "/password/forgot"),
    (Function::RequestReset, "POST", "/password/forgot"),
    (Function::VerifyCode, "GET", "/password/code"),
    (Function::VerifyCode, "POST", "/password/code"),
    (Function::SetPassword, "GET", "/password/reset"),
    (Function::SetPassword, "POST", "/password/reset"),
];

/// A 404 or 405 answer unless `function` serves the request's path and method. The
/// path may carry a stage or base-path prefix.
fn check_route(function: Function, req: &Request) -> Option<Response<Body>> {
    let raw = req.raw_http_path();
    let path = if raw.is_empty() {
        req.uri().path()
    } else {
        raw
    };
    let path = path.trim_end_matches('/');
    let mine: Vec<_> = ROUTES
        .iter()
        .filter(|(f, _, p)| *f == function && path.ends_with(p))
        .collect();
    if mine.is_empty() {
        return Some(
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is nothing at this address.",
            )
            .into_json_response(),
        );
    }
    if !mine
        .iter()
        .any(|(_, method, _)| *method == req.method().as_str())
    {
        return Some(method_not_allowed());
    }
    None
}

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Sent with every answer: nothing is cached or framed, no referrer leaks the
/// token in the URL, and no script runs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CODE_SENT: &str = "If an account has this phone number, we have sent it a text message \
     with a 6-digit code. Enter the code before it expires, or ask for a new one.";

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
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            reasons: Vec::new(),
            retry_after: None,
        }
    }

    fn rate_limited(retry_after_seconds: i64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Too many requests. Try again in {}.",
                crate::email::describe_lifetime(retry_after_seconds.max(1))
            ),
        )
        .with_retry_after(retry_after_seconds)
    }

    fn with_retry_after(mut self, seconds: i64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The service is temporarily unavailable. Please try again in a minute.",
        )
        .with_retry_after(30)
    }

    fn add_retry_after(&self, response: &mut Response<Body>) {
        if let Some(value) = self
            .retry_after
            .and_then(|seconds| HeaderValue::from_str(&seconds.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
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
        self.add_retry_after(&mut response);
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

    /// The field as given, or empty: for filling a form back in.
    fn text_or_empty(&self, name: &str) -> String {
        self.optional(name).ok().flatten().unwrap_or_default()
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
#[template(path = "pages/enter_code.html")]
struct EnterCodePage<'a> {
    service_name: &'a str,
    phone: &'a str,
    seconds: i64,
    error: Option<&'a str>,
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
        "rate_limited" => "Too many requests",
        "too_many_attempts" => "This code no longer works",
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

/// `GET /password/forgot` (the form) and `POST /password/forgot`.
pub async fn forgot_password(
    recovery: &Recovery,
    web: &WebSettings,
    req: Request,
) -> Response<Body> {
    if let Some(refused) = check_route(Function::RequestReset, &req) {
        return refused;
    }
    let service_name = recovery.settings.service_name.as_str();
    let on_premise = web.edition == Edition::OnPremise;
    // `check_route` has refused every method but GET and POST.
    if req.method().as_str() == "GET" {
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
    let started = Instant::now();
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let lookup = submission
        .required("login")
        .and_then(|login| AccountLookup::parse(&login).map_err(identifier_error));
    let lookup = match lookup {
        Ok(lookup) => lookup,
        Err(err) if format == Format::Form => {
            let login = submission.text_or_empty("login");
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
    let source_ip = source_ip(&req);
    let result = recovery.request_reset(&lookup, &source_ip).await;
    // The same minimum time for every account, found or not.
    tokio::time::sleep_until((started + web.forgot_response_floor).into()).await;
    if let Err(err) = result {
        let err = match err {
            FlowError::RateLimited {
                retry_after_seconds,
            } => ApiError::rate_limited(retry_after_seconds),
            other => {
                error!(error = %other, "reset request failed");
                ApiError::unavailable()
            }
        };
        return match format {
            Format::Json => err.into_json_response(),
            Format::Form => error_page(recovery, &err, false),
        };
    }
    if let AccountLookup::Phone(phone) = &lookup {
        let expires_in = recovery.settings.sms.code_lifetime_seconds;
        return match format {
            Format::Json => json_response(
                StatusCode::ACCEPTED,
                &json!({ "next": "enter_code", "message": CODE_SENT, "expires_in": expires_in }),
            ),
            Format::Form => code_page(recovery, StatusCode::OK, phone.as_e164(), None),
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

fn identifier_error(err: IdentifierError) -> ApiError {
    let code = match err {
        IdentifierError::InvalidPhone => "invalid_phone",
        _ => "invalid_login",
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, err.to_string())
}

/// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`);
/// never `X-Forwarded-For`, which the caller writes.
fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_owned())
}

fn code_page(
    recovery: &Recovery,
    status: StatusCode,
    phone: &str,
    error: Option<&str>,
) -> Response<Body> {
    html_response(
        status,
        &EnterCodePage {
            service_name: &recovery.settings.service_name,
            phone,
            seconds: recovery.settings.sms.code_lifetime_seconds,
            error,
        },
    )
}

fn verify_code_error(err: VerifyCodeError) -> ApiError {
    match err {
        VerifyCodeError::InvalidCode => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "That code is wrong or has expired. Check it, or request a new code.",
        ),
        VerifyCodeError::TooManyAttempts => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many wrong codes: this code no longer works. Please request a new code.",
        ),
        VerifyCodeError::Dependency(err) => {
            error!(error = %err, "code check failed");
            ApiError::unavailable()
        }
        VerifyCodeError::Random(err) => {
            error!(error = %err, "code check failed");
            ApiError::unavailable()
        }
    }
}

/// `GET /password/code?phone=...` (the code form) and `POST /password/code`:
/// a correct code is exchanged for a reset token; a form post gets the reset
/// form with that token filled in.
pub async fn verify_code(recovery: &Recovery, web: &WebSettings, req: Request) -> Response<Body> {
    if let Some(refused) = check_route(Function::VerifyCode, &req) {
        return refused;
    }
    // `check_route` has refused every method but GET and POST.
    if req.method().as_str() == "GET" {
        let params = req.query_string_parameters();
        let phone = params
            .first("phone")
            .and_then(|p| PhoneNumber::parse(p).ok())
            .map(|p| p.as_e164().to_owned())
            .unwrap_or_default();
        return code_page(recovery, StatusCode::OK, &phone, None);
    }
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let fields = (|| {
        let phone = submission.required("phone")?;
        let phone = PhoneNumber::parse(&phone).map_err(identifier_error)?;
        let code = submission.required("code")?;
        Ok::<_, ApiError>((phone, code))
    })();
    let (phone, code) = match fields {
        Ok(fields) => fields,
        Err(err) if format == Format::Form => {
            let phone = submission.text_or_empty("phone");
            return code_page(recovery, err.status, &phone, Some(&err.message));
        }
        Err(err) => return err.into_json_response(),
    };
    match (recovery.verify_code(&phone, &code).await, format) {
        (Ok(accepted), Format::Json) => json_response(
            StatusCode::OK,
            &json!({ "reset_token": accepted.reset_token, "expires_in": accepted.expires_in }),
        ),
        (Ok(accepted), Format::Form) => reset_form(
            recovery,
            web,
            StatusCode::OK,
            &accepted.reset_token,
            "",
            None,
        ),
        (Err(err), Format::Json) => verify_code_error(err).into_json_response(),
        (Err(err), Format::Form) => {
            let err = verify_code_error(err);
            match err.code {
                "invalid_code" => {
                    code_page(recovery, err.status, phone.as_e164(), Some(&err.message))
                }
                _ => {
                    let mut page =
                        code_page(recovery, err.status, phone.as_e164(), Some(&err.message));
                    err.add_retry_after(&mut page);
                    page
                }
            }
        }
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
            retry_after: None,
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

/// The reset form with `token` filled in, and `error` (with its reasons) when
/// a submission was refused.
fn reset_form(
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

/// `GET /password/reset?token=...` (the form; reads, never consumes) and
/// `POST /password/reset`.
pub async fn reset_password(
    recovery: &Recovery,
    web: &WebSettings,
    req: Request,
) -> Response<Body> {
    if let Some(refused) = check_route(Function::SetPassword, &req) {
        return refused;
    }
    let service_name = recovery.settings.service_name.as_str();
    let on_premise = web.edition == Edition::OnPremise;
    let form = |status: StatusCode, token: &str, login: &str, error: Option<&ApiError>| {
        reset_form(recovery, web, status, token, login, error)
    };
    // `check_route` has refused every method but GET and POST.
    if req.method().as_str() == "GET" {
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
            let token = submission.text_or_empty("token");
            let login = submission.text_or_empty("login");
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
