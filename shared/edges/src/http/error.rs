//! The error answer, `{"error": "<code>", "message": "<sentence>"}` (and
//! `reasons` for a refused password), with a 4xx status, or 503 when a
//! dependency is down; and how each flow's typed errors map onto it.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use tracing::error;

use super::response::json_response;
use recovery_core::flows::{FlowError, SetPasswordError, VerifyCodeError};
use recovery_domain::{IdentifierError, PolicyViolation};
use recovery_messages::describe_lifetime;

/// The `error` codes of the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    MalformedBody,
    CrossSiteForm,
    MissingField,
    InvalidField,
    InvalidLogin,
    InvalidContact,
    InvalidPhone,
    InvalidCode,
    InvalidToken,
    PasswordMismatch,
    WeakPassword,
    TooManyAttempts,
    RateLimited,
    /// Pressure is high: solve the `challenge` and send it again (428).
    ChallengeRequired,
    ServiceUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An error answer in the documented shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub reasons: Vec<PolicyViolation>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), reasons: Vec::new(), retry_after: None }
    }

    pub(super) fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(super) fn rate_limited(retry_after_seconds: i64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!(
                "Too many requests. Try again in {}.",
                describe_lifetime(rounded_wait(retry_after_seconds))
            ),
        )
        .with_retry_after(retry_after_seconds)
    }

    fn with_retry_after(mut self, seconds: i64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub(super) fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable. Please try again in a minute.",
        )
        .with_retry_after(30)
    }

    pub(super) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "There is nothing at this address.")
    }

    pub(super) fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed, "Use GET or POST.")
    }

    pub(super) fn invalid_token() -> Self {
        Self::bad_request(
            ErrorCode::InvalidToken,
            "This password reset link is invalid, has expired or was already used. Request a new one.",
        )
    }

    /// Sets `Retry-After` on `response` when this error says when to retry.
    pub(super) fn add_retry_after(&self, response: &mut Response<Body>) {
        if let Some(value) =
            self.retry_after.and_then(|seconds| HeaderValue::from_str(&seconds.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }

    pub fn to_json(&self) -> Value {
        let mut body = json!({ "error": self.code.as_str(), "message": self.message });
        if !self.reasons.is_empty() {
            let reasons: Vec<Value> = (self.reasons.iter())
                .map(|r| json!({ "code": r.code, "message": r.message }))
                .collect();
            body["reasons"] = json!(reasons);
        }
        body
    }

    pub(super) fn into_json_response(self) -> Response<Body> {
        let mut response = json_response(self.status, &self.to_json());
        if self.code == ErrorCode::MethodNotAllowed {
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        }
        self.add_retry_after(&mut response);
        response
    }
}

impl From<IdentifierError> for ApiError {
    fn from(err: IdentifierError) -> Self {
        let code = match err {
            IdentifierError::InvalidPhone => ErrorCode::InvalidPhone,
            _ => ErrorCode::InvalidLogin,
        };
        Self::bad_request(code, err.to_string())
    }
}

impl From<FlowError> for ApiError {
    fn from(err: FlowError) -> Self {
        match err {
            FlowError::RateLimited { retry_after_seconds }
            | FlowError::AddressLimited { retry_after_seconds } => {
                Self::rate_limited(retry_after_seconds)
            }
            other => {
                error!(error = %other, "reset request failed");
                Self::unavailable()
            }
        }
    }
}

impl From<VerifyCodeError> for ApiError {
    fn from(err: VerifyCodeError) -> Self {
        match err {
            VerifyCodeError::InvalidCode => Self::bad_request(
                ErrorCode::InvalidCode,
                "That code is wrong or has expired. Check it, or request a new code.",
            ),
            VerifyCodeError::TooManyAttempts => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                "Too many wrong codes: this code no longer works. Please request a new code.",
            ),
            VerifyCodeError::Dependency(err) => {
                error!(error = %err, "code check failed");
                Self::unavailable()
            }
            VerifyCodeError::Random(err) => {
                error!(error = %err, "code check failed");
                Self::unavailable()
            }
        }
    }
}

impl From<SetPasswordError> for ApiError {
    fn from(err: SetPasswordError) -> Self {
        match err {
            SetPasswordError::InvalidToken => Self::invalid_token(),
            SetPasswordError::LoginRequired => {
                Self::bad_request(ErrorCode::MissingField, "The field `login` is required.")
            }
            SetPasswordError::PasswordMismatch => Self::bad_request(
                ErrorCode::PasswordMismatch,
                "The new password and its confirmation do not match.",
            ),
            SetPasswordError::WeakPassword(reasons) => Self {
                reasons,
                ..Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::WeakPassword,
                    "Choose a different password.",
                )
            },
            SetPasswordError::Dependency(err) => {
                error!(error = %err, "password change failed");
                Self::unavailable()
            }
            SetPasswordError::Hashing(err) => {
                error!(error = %err, "password change failed");
                Self::unavailable()
            }
            SetPasswordError::Notice(err) => {
                error!(error = %err, "password change refused: its notice cannot be sealed");
                Self::unavailable()
            }
        }
    }
}

/// A wait for people: whole hours past an hour, whole minutes past a
/// minute, rounded up. The exact second (in `Retry-After`) is for clients;
/// in the text it would differ between two identifiers by when each was
/// first asked for, where the answers must read alike.
pub(super) fn rounded_wait(seconds: i64) -> i64 {
    let up_to = |unit: i64| (seconds + unit - 1) / unit * unit;
    match seconds {
        s if s > 3600 => up_to(3600),
        s if s > 60 => up_to(60),
        s => s.max(1),
    }
}
