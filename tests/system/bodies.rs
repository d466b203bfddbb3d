//! Bodies a function cannot read: not UTF-8, marked base64 by API Gateway
//! (decoded, then read like any other), marked base64 and not decoding,
//! percent-encoded bytes that are no UTF-8. Each is a `400 malformed_body`
//! in the documented shape, never a 500 or a failed invocation; a body
//! API Gateway encoded that reads well is answered as usual.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use system_tests::*;

/// The three HTTP functions, each with a path it serves.
const ROUTES: [(&str, &str); 3] = [
    ("request-reset", "/password/forgot"),
    ("verify-code", "/password/code"),
    ("set-password", "/password/reset"),
];

fn event_with(path: &str, content_type: &str, body: &str, base64: bool) -> Value {
    let mut event = http_event("POST", path, "", Some(json!({})), "203.0.113.9");
    event["headers"]["content-type"] = json!(content_type);
    event["body"] = json!(body);
    event["isBase64Encoded"] = json!(base64);
    event
}

fn assert_malformed(answer: &Value, what: &str) {
    assert_eq!(answer["statusCode"], 400, "{what}: {answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap_or("")).unwrap();
    assert_eq!(body["error"], "malformed_body", "{what}: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn unreadable_bodies_are_400s_through_the_invoke_api() {
    let f = functions();
    let not_utf8 = STANDARD.encode([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    for (function, path) in ROUTES {
        let cases = [
            (event_with(path, "application/json", &not_utf8, true), "JSON, base64, not UTF-8"),
            (
                event_with(path, "application/x-www-form-urlencoded", &not_utf8, true),
                "form, base64, not UTF-8",
            ),
            (
                event_with(path, "application/json", "{not base64!}", true),
                "marked base64, does not decode",
            ),
            (
                event_with(path, "application/x-www-form-urlencoded", "code=%FF%FE", false),
                "form, percent-encoded bytes that are no UTF-8",
            ),
        ];
        for (event, what) in cases {
            let answer = f.invoke(function, &event);
            assert_malformed(&answer, &format!("{function} {what}"));
        }
    }
}

#[test]
fn a_body_api_gateway_encoded_is_read_like_any_other() {
    let f = functions();
    let body = STANDARD.encode(json!({ "login": unique("encoded") }).to_string());
    let answer =
        f.invoke("request-reset", &event_with("/password/forgot", "application/json", &body, true));
    assert_eq!(answer["statusCode"], 202, "{answer}");
    // The mark of an undecodable body cannot be sent from outside.
    let mut event = event_with(
        "/password/forgot",
        "application/json",
        &json!({ "login": unique("marked") }).to_string(),
        false,
    );
    event["headers"]["x-recovery-undecodable-body"] = json!("1");
    let answer = f.invoke("request-reset", &event);
    assert_eq!(answer["statusCode"], 202, "{answer}");
}

/// Raw bytes that are no UTF-8 do not get this far locally: `cargo lambda
/// watch` refuses them itself (a 500 of its own, before any function runs),
/// where API Gateway hands them over base64-encoded, as above. What does
/// cross HTTP is percent-encoding that decodes to no UTF-8.
#[test]
fn percent_encoded_bytes_that_are_no_utf8_are_400s_over_http() {
    let f = functions();
    for url in [f.forgot_url(), f.code_url(), f.reset_url()] {
        let answer = http(
            "POST",
            &url,
            &[("content-type", "application/x-www-form-urlencoded")],
            b"login=%FF%FE&phone=%C3&code=1&token=%E2%82",
        );
        assert_eq!(answer.status, 400, "{url}: {}", answer.text());
        assert_eq!(answer.json()["error"], "malformed_body", "{url}");
    }
}
