//! admin-reset's entry: who the audit trail says called. Only a function
//! URL request with the IAM signer Lambda verified runs an action; the
//! event's `requested_by` is recorded as "on behalf of", never as the
//! caller.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use recovery_core::ports::AuditLog;
use recovery_edges::admin_event;
use recovery_testing::World;
use serde_json::{Value, json};

const ADMIN: &str = "arn:aws:iam::123456789012:role/helpdesk";

/// A function URL request as Lambda hands it over: `signer` in the
/// authorizer when the request was signed, `body` as given.
fn url_request(method: &str, signer: Option<&str>, body: &str) -> Value {
    let mut context = json!({
        "http": { "method": method, "path": "/", "sourceIp": "192.0.2.1" },
        "requestId": "url-request",
    });
    if let Some(arn) = signer {
        context["authorizer"] = json!({ "iam": {
            "accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AROAEXAMPLE",
            "userArn": arn, "userId": "AROAEXAMPLE:helpdesk",
        }});
    }
    json!({ "version": "2.0", "rawPath": "/", "requestContext": context, "body": body,
            "isBase64Encoded": false })
}

async fn invite(w: &World, payload: &Value) -> Value {
    admin_event::invocation(&w.recovery, payload, "request-1").await
}

fn body(answer: &Value) -> Value {
    serde_json::from_str(answer["body"].as_str().expect("a URL response")).unwrap()
}

const INVITE: &str = r#"{"action": "invite_user", "login": "ada", "email": "ada@example.com",
                         "requested_by": "arn:aws:iam::123456789012:user/root"}"#;

#[tokio::test]
async fn a_signed_request_records_its_signer_and_a_forged_name_only_as_on_behalf_of() {
    let w = World::new();
    let answer = invite(&w, &url_request("POST", Some(ADMIN), INVITE)).await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(body(&answer)["status"], "invited");
    let records = AuditLog::list(&*w.store, "ada", 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].caller, ADMIN);
    assert_eq!(records[0].on_behalf_of.as_deref(), Some("arn:aws:iam::123456789012:user/root"));

    // And as list_audit shows it, base64 body and all.
    let listed = json!({ "action": "list_audit", "login": "ada" }).to_string();
    let mut request = url_request("POST", Some(ADMIN), &STANDARD.encode(listed));
    request["isBase64Encoded"] = json!(true);
    w.clock.advance(1);
    let listed = body(&invite(&w, &request).await);
    let entry = &listed["records"][0];
    assert!(entry.is_object(), "{listed}");
    assert_eq!(
        (entry["caller"].as_str(), entry["on_behalf_of"].as_str()),
        (Some(ADMIN), Some("arn:aws:iam::123456789012:user/root"))
    );
    assert_eq!(listed["records"][0]["action"], "invite_user");
    assert!(listed["records"][0].get("requested_by").is_none());
}

#[tokio::test]
async fn a_direct_invocation_or_an_unsigned_request_runs_nothing() {
    let w = World::new();
    // The event as `aws lambda invoke` sends it: it cannot show who calls.
    let direct: Value = serde_json::from_str(INVITE).unwrap();
    let refused = invite(&w, &direct).await;
    assert_eq!(refused["error"], "signed_request_required", "{refused}");
    // Even one that writes a request context without `http` in it.
    let mut forged = direct.clone();
    forged["requestContext"] = json!({ "authorizer": { "iam": { "userArn": ADMIN } } });
    assert_eq!(invite(&w, &forged).await["error"], "signed_request_required");

    let unsigned = invite(&w, &url_request("POST", None, INVITE)).await;
    assert_eq!(unsigned["statusCode"], 403);
    assert_eq!(body(&unsigned)["error"], "signed_request_required");

    let fetched = invite(&w, &url_request("GET", Some(ADMIN), "")).await;
    assert_eq!(fetched["statusCode"], 405);
    let garbled = invite(&w, &url_request("POST", Some(ADMIN), "{not json")).await;
    assert_eq!(
        (garbled["statusCode"].as_u64(), body(&garbled)["error"].as_str()),
        (Some(400), Some("invalid_event"))
    );

    assert!(AuditLog::list(&*w.store, "ada", 10).await.unwrap().is_empty());
    assert!(w.emails().await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_failure_is_a_status_with_the_same_answer() {
    let w = World::new();
    let missing = json!({ "action": "get_user", "login": "nobody" }).to_string();
    let answer = invite(&w, &url_request("POST", Some(ADMIN), &missing)).await;
    assert_eq!(answer["statusCode"], 404);
    assert_eq!(body(&answer)["error"], "user_not_found");
    assert_eq!(answer["headers"]["content-type"], "application/json");
}
