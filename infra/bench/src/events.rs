//! The events the functions get: API Gateway (HTTP API, payload 2.0)
//! requests and administrator events.

use serde_json::{Value, json};

/// An API Gateway HTTP API (payload 2.0) event, as the functions get it.
pub fn http_event(method: &str, path: &str, query: &str, body: Option<Value>, ip: &str) -> Value {
    let headers = if body.is_some() {
        json!({"content-type": "application/json", "accept": "application/json", "host": "recovery.test", "user-agent": "bench"})
    } else {
        json!({"accept": "application/json", "host": "recovery.test", "user-agent": "bench"})
    };
    let mut query_parameters = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query_parameters.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query_parameters) },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "recovery.test",
            "domainPrefix": "recovery",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": "bench"},
            "requestId": "bench",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpochMillis": 1_767_225_600_000i64
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false
    })
}

pub fn forgot(identifier: &str, ip: &str) -> Value {
    http_event(
        "POST",
        "/password/forgot",
        "",
        Some(json!({ "login": identifier })),
        ip,
    )
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
    event
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
