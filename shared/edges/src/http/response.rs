//! Answers: the security headers every answer carries, and JSON or HTML
//! bodies.

use super::pages::Page;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::Value;
use tracing::error;

use super::error::ApiError;

/// Sent with every answer: nothing is cached or framed, no referrer leaks the
/// token in the URL, and no script runs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn with_security_headers(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn response(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    with_security_headers(response)
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    response(status, "application/json", body.to_string())
}

/// `page` as HTML; its images may come from its logo's origin, and from
/// nowhere else.
pub(super) fn html_response(status: StatusCode, page: &impl Page) -> Response<Body> {
    match page.render() {
        Ok(html) => {
            let mut answer = response(status, "text/html; charset=utf-8", html);
            let mut policy = CONTENT_SECURITY_POLICY.to_owned();
            if let Some(origin) = page.chrome().image_origin() {
                policy.push_str(&format!("; img-src {origin}"));
            }
            if let Some(script) = page.script() {
                policy.push_str(&format!("; script-src {script}"));
            }
            let changed = policy.len() != CONTENT_SECURITY_POLICY.len();
            if let Some(value) = changed.then(|| HeaderValue::from_str(&policy).ok()).flatten() {
                answer.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
            }
            answer
        }
        Err(_) => {
            error!("a page template failed to render");
            ApiError::unavailable().into_json_response()
        }
    }
}

/// `302 Found` to `location` (a path of this site), with no body.
pub(super) fn redirect(location: &str) -> Response<Body> {
    let Ok(value) = HeaderValue::from_str(location) else {
        return ApiError::not_found().into_json_response();
    };
    let mut answer = Response::new(Body::Empty);
    *answer.status_mut() = StatusCode::FOUND;
    answer.headers_mut().insert(header::LOCATION, value);
    with_security_headers(answer)
}
