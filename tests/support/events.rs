//! The events API Gateway hands the functions: HTTP API requests (payload
//! 2.0), for calls that need what only API Gateway writes (the caller's
//! address).

use serde_json::{Value, json};

/// An API Gateway HTTP API (payload 2.0) event, as the functions get it.
pub fn http_event(method: &str, path: &str, query: &str, body: Option<Value>, ip: &str) -> Value {
    let headers = if body.is_some() {
        json!({"content-type": "application/json", "accept": "application/json", "host": "recovery.test", "user-agent": "recovery-tests"})
    } else {
        json!({"accept": "application/json", "host": "recovery.test", "user-agent": "recovery-tests"})
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
            "apiId": "local",
            "domainName": "recovery.test",
            "domainPrefix": "recovery",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": "recovery-tests"},
            "requestId": "local",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpochMillis": 1_767_225_600_000i64
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false
    })
}
