//! The HTTP side of the functions, and the only code that knows lambda_http:
//! API Gateway (HTTP API, payload 2.0) requests in, JSON or HTML answers
//! out. JSON bodies get JSON answers; HTML forms
//! (`application/x-www-form-urlencoded`) get pages. One handler per route
//! group: [`forgot_password`], [`verify_code`], [`reset_password`].
//!
//! Every error body is `{"error": "<snake_case code>", "message": "<sentence>"}`
//! with a 4xx status, or 503 when a dependency is down (`error`).

mod body;
mod code;
mod error;
mod forgot;
mod language;
mod pages;
mod reset;
mod response;
mod serve;

use lambda_http::{Body, Request, RequestExt, Response};

use crate::config::Function;

pub use body::MAX_BODY_BYTES;
pub use code::verify_code;
pub use error::{ApiError, ErrorCode};
pub use forgot::forgot_password;
pub use reset::reset_password;
pub use response::CONTENT_SECURITY_POLICY;
pub use serve::{mend, serve};

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

/// A 404 or 405 answer unless `function` serves the request's path and
/// method. The path may carry a stage or base-path prefix.
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
        return Some(ApiError::not_found().into_json_response());
    }
    if !mine
        .iter()
        .any(|(_, method, _)| *method == req.method().as_str())
    {
        return Some(ApiError::method_not_allowed().into_json_response());
    }
    None
}

/// Whether the request is a GET (after [`check_route`], the other method is
/// POST).
fn is_get(req: &Request) -> bool {
    req.method().as_str() == "GET"
}
