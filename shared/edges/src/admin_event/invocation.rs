//! How an administrator's request reaches admin-reset: through its function
//! URL, whose `AuthType` is `AWS_IAM`. Lambda verifies the SigV4 signature
//! and hands over the request with the signer in
//! `requestContext.authorizer.iam`; that ARN is the audit trail's caller.
//!
//! A direct `lambda:Invoke` does not say who calls, so its event is refused
//! (`signed_request_required`) and nothing runs. The template grants
//! administrators `lambda:InvokeFunction` only with
//! `lambda:InvokedViaFunctionUrl`, so that they cannot write a request
//! context of their own (README, "Who can do what").

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use recovery_core::flows::Administration;
use serde_json::{Value, json};
use tracing::warn;

use super::handle;

/// Answers one invocation of admin-reset: a function URL request in the
/// URL's response shape, anything else refused in the event's answer shape.
pub async fn invocation(recovery: &Administration, payload: &Value, request_id: &str) -> Value {
    let context = &payload["requestContext"];
    if !context["http"].is_object() {
        warn!("a direct invocation of admin-reset was refused: it does not say who calls");
        return refusal(
            "signed_request_required",
            "Administrator actions come through admin-reset's function URL (output AdminUrl), \
             signed with SigV4 by an IAM principal; a direct invocation does not say who calls.",
        );
    }
    let Some(caller) = context["authorizer"]["iam"]["userArn"].as_str().filter(|a| !a.is_empty())
    else {
        return response(
            403,
            &refusal("signed_request_required", "The request is not signed by an IAM principal."),
        );
    };
    if context["http"]["method"].as_str() != Some("POST") {
        return response(
            405,
            &refusal("method_not_allowed", "Send the action as a POST with a JSON body."),
        );
    }
    let body = payload["body"].as_str().unwrap_or_default();
    let body = if payload["isBase64Encoded"] == true {
        STANDARD.decode(body).unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return response(400, &refusal("invalid_event", "The body must be a JSON object."));
    };
    let answer = handle(recovery, &event, caller, request_id).await;
    response(status(answer["error"].as_str()), &answer)
}

/// The HTTP status of an answer with error code `error` (none: 200).
fn status(error: Option<&str>) -> u16 {
    match error {
        None => 200,
        Some("invalid_event") => 400,
        Some("not_permitted") => 403,
        Some("user_not_found" | "workspace_not_found") => 404,
        Some(
            "login_taken"
            | "email_taken"
            | "phone_taken"
            | "account_disabled"
            | "workspace_taken"
            | "workspace_has_members"
            | "account_in_other_workspaces",
        ) => 409,
        Some("service_unavailable") => 503,
        Some(_) => 422,
    }
}

fn refusal(error: &str, message: &str) -> Value {
    json!({ "error": error, "message": message })
}

/// A function URL response carrying `body` as JSON.
fn response(status: u16, body: &Value) -> Value {
    json!({
        "statusCode": status,
        "headers": { "content-type": "application/json", "cache-control": "no-store" },
        "body": body.to_string(),
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests {
    use super::status;

    #[test]
    fn every_failure_is_a_client_error_but_an_unavailable_dependency() {
        assert_eq!(status(None), 200);
        for code in ["invalid_event", "user_not_found", "email_taken", "weak_password"] {
            assert!((400..500).contains(&status(Some(code))), "{code}");
        }
        assert_eq!(status(Some("service_unavailable")), 503);
    }
}
