//! The HTTP side of the functions, and the only code that knows lambda_http:
//! API Gateway (HTTP API, payload 2.0) requests in, JSON or HTML answers
//! out. JSON bodies get JSON answers; HTML forms
//! (`application/x-www-form-urlencoded`) get pages. One handler per route
//! group: [`forgot_password`] and [`forgot_login`] (both served by
//! [`request_reset`]), [`verify_code`], [`reset_password`].
//!
//! Every error body is `{"error": "<snake_case code>", "message": "<sentence>"}`
//! with a 4xx status, or 503 when a dependency is down (`error`).

mod body;
mod code;
mod error;
mod forgot;
mod forgot_login;
mod language;
mod lock;
mod pages;
mod reset;
mod response;
mod serve;
mod visit;

use lambda_http::{Body, Request, RequestExt, Response};

use crate::config::Function;

pub use body::MAX_BODY_BYTES;
pub use code::verify_code;
pub use error::{ApiError, ErrorCode};
pub use forgot::forgot_password;
pub use forgot_login::forgot_login;
pub use lock::lock_account;
pub use reset::reset_password;
pub use response::CONTENT_SECURITY_POLICY;
pub use serve::{mend, serve};

/// The public routes and the function serving each. The SAM template
/// declares exactly these (checked by the template test).
pub const ROUTES: &[(Function, &str, &str)] = &[
    (Function::RequestReset, "GET", "/password/forgot"),
    (Function::RequestReset, "POST", "/password/forgot"),
    (Function::RequestReset, "GET", "/password/forgot-login"),
    (Function::RequestReset, "POST", "/password/forgot-login"),
    (Function::RequestReset, "GET", WELL_KNOWN_CHANGE_PASSWORD),
    (Function::VerifyCode, "GET", "/password/code"),
    (Function::VerifyCode, "POST", "/password/code"),
    (Function::SetPassword, "GET", "/password/reset"),
    (Function::SetPassword, "POST", "/password/reset"),
    (Function::LockAccount, "GET", "/password/not-me"),
    (Function::LockAccount, "POST", "/password/not-me"),
];

/// Where password managers and browsers look for the page that changes a
/// password (W3C, "A Well-Known URL for Changing Passwords").
pub const WELL_KNOWN_CHANGE_PASSWORD: &str = "/.well-known/change-password";

/// The request-reset function's routes: "Forgot password", "Forgot your
/// login?", and the well-known URL, which leads to the first.
pub async fn request_reset(
    recovery: &recovery_core::flows::Recovery,
    req: Request,
) -> Response<Body> {
    let path = request_path(&req);
    if path.ends_with("/password/forgot-login") {
        forgot_login(recovery, req).await
    } else if let Some(prefix) = path.strip_suffix(WELL_KNOWN_CHANGE_PASSWORD) {
        if let Some(refused) = check_route(Function::RequestReset, &req) {
            return refused;
        }
        // The forgot page beside it, under the same stage or base path.
        response::redirect(&format!("{prefix}/password/forgot"))
    } else {
        forgot_password(recovery, req).await
    }
}

/// The request's path, without a trailing slash; it may carry a stage or
/// base-path prefix.
fn request_path(req: &Request) -> &str {
    let raw = req.raw_http_path();
    let path = if raw.is_empty() { req.uri().path() } else { raw };
    path.trim_end_matches('/')
}

/// A 404 or 405 answer unless `function` serves the request's path and
/// method. The path may carry a stage or base-path prefix.
fn check_route(function: Function, req: &Request) -> Option<Response<Body>> {
    let path = request_path(req);
    let mine: Vec<_> =
        ROUTES.iter().filter(|(f, _, p)| *f == function && path.ends_with(p)).collect();
    if mine.is_empty() {
        return Some(ApiError::not_found().into_json_response());
    }
    if !mine.iter().any(|(_, method, _)| *method == req.method().as_str()) {
        return Some(ApiError::method_not_allowed().into_json_response());
    }
    None
}

/// Whether the request is a GET (after [`check_route`], the other method is
/// POST).
fn is_get(req: &Request) -> bool {
    req.method().as_str() == "GET"
}
