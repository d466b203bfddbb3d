//! The events the functions get: API Gateway (HTTP API, payload 2.0)
//! requests and administrator events.

use serde_json::{Value, json};

pub use system_tests::http_event;

pub fn forgot(identifier: &str, ip: &str) -> Value {
    http_event("POST", "/password/forgot", "", Some(json!({ "login": identifier })), ip)
}

/// A page, as a browser asks for it.
pub fn page(path: &str, query: &str) -> Value {
    let mut event = http_event("GET", path, query, None, "192.0.2.1");
    event["headers"]["accept"] = json!("text/html");
    event
}

pub fn check_code(phone: &str, code: &str) -> Value {
    http_event(
        "POST",
        "/password/code",
        "",
        Some(json!({ "phone": phone, "code": code })),
        "192.0.2.1",
    )
}

pub fn new_password(token: &str, password: &str) -> Value {
    http_event(
        "POST",
        "/password/reset",
        "",
        Some(json!({ "token": token, "password": password, "password_confirmation": password })),
        "192.0.2.1",
    )
}

pub fn admin(action: &str, login: &str, extra: Value) -> Value {
    let mut event = json!({ "action": action, "login": login, "requested_by": "bench-admin" });
    if let (Some(event), Value::Object(extra)) = (event.as_object_mut(), extra) {
        event.extend(extra);
    }
    // As Lambda hands it over from the function URL, signature checked.
    system_tests::admin_url_request(&event, system_tests::ADMIN_ARN)
}

/// A German mobile number no other call of this run gets (the test
/// harness's numbers repeat after 10,000, fewer than a large table holds).
pub fn next_phone() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("+49170{n:08}")
}

/// The IP addresses of the warm phone requests: one each, so the per-address
/// limit is exercised but never reached.
pub fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}
