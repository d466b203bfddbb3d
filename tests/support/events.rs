//! The events AWS hands the functions: API Gateway's HTTP API requests
//! (payload 2.0), for calls that need what only API Gateway writes (the
//! caller's address), and SES's reports through SNS.

use recovery_aws::message_tags;
use recovery_core::ports::MessageRef;
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

/// The Lambda event of an SNS notification carrying the SES event `name`
/// (from AWS's documentation, `shared/aws/tests/fixtures/ses/`) about the email
/// `provider_id` to `to`, tagged as SES tags it: what the configuration
/// set's event destination hands the deliver function.
pub fn ses_notification(name: &str, reference: &MessageRef, provider_id: &str, to: &str) -> Value {
    let fixture = |name: &str| -> Value {
        let path =
            format!("{}/../shared/aws/tests/fixtures/ses/{name}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).expect("a fixture")).expect("JSON")
    };
    let mut event = fixture(name);
    for (tag, value) in message_tags(reference) {
        event["mail"]["tags"][tag] = json!([value]);
    }
    event["mail"]["messageId"] = json!(provider_id);
    event["mail"]["destination"] = json!([to]);
    if event["bounce"].is_object() {
        event["bounce"]["bouncedRecipients"][0]["emailAddress"] = json!(to);
    }
    let mut notification = fixture("sns-notification");
    notification["Records"][0]["Sns"]["Message"] = json!(event.to_string());
    notification
}
