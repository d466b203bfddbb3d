//! The `verify-credentials` function's event, invoked by the product's own
//! sign-in backend: `{"login": "...", "password": "...", "source_ip"?:
//! "...", "device_id"?: "..."}` in (a login, an email address or a phone
//! number, as on the forgot page; where the person signs in from), and out
//! `{"valid": true, "user_id", "login", "password_changed_at"}`,
//! `{"valid": false}` (whatever the reason), or `{"valid": false,
//! "retry_after": N}` after repeated attempts for what was typed. An event
//! it cannot read, or a dependency down, is `{"error": "<code>",
//! "message"}`: never a `valid: false` a backend could take for a wrong
//! password.

use secrecy::SecretString;
use serde_json::{Value, json};
use tracing::error;

use recovery_core::flows::{CredentialCheck, Recovery, SignInSource};
use recovery_domain::{MAX_IDENTIFIER_CHARS, iso8601_millis};

/// The longest password checked; a longer one is no event of this function.
pub const MAX_PASSWORD_CHARS: usize = 4096;

/// Runs one check and answers with its result.
pub async fn handle(recovery: &Recovery, event: &Value) -> Value {
    let field = |name: &str| event.get(name).and_then(Value::as_str);
    let (Some(login), Some(password)) = (field("login"), field("password")) else {
        return invalid("Give `login` and `password`, both strings.");
    };
    if login.chars().count() > 4 * MAX_IDENTIFIER_CHARS
        || password.chars().count() > MAX_PASSWORD_CHARS
    {
        return invalid("`login` or `password` is longer than any this service holds.");
    }
    let (source_ip, device_id) = (field("source_ip"), field("device_id"));
    let named = |value: Option<&str>, most: usize| value.is_none_or(|v| v.chars().count() <= most);
    if !named(source_ip, 64) || !named(device_id, 128) {
        return invalid("`source_ip` is at most 64 characters, `device_id` at most 128.");
    }
    let source = SignInSource::new(source_ip, device_id);
    let password = SecretString::from(password);
    match recovery.verify_credentials(login, &password, &source).await {
        Ok(CredentialCheck::Valid { user_id, login, password_changed_at }) => json!({
            "valid": true,
            "user_id": user_id.as_str(),
            "login": login,
            "password_changed_at": password_changed_at.map(|at| iso8601_millis(at.epoch_seconds() * 1000)),
        }),
        Ok(CredentialCheck::Invalid) => json!({ "valid": false }),
        Ok(CredentialCheck::RetryAfter(seconds)) => {
            json!({ "valid": false, "retry_after": seconds })
        }
        Err(err) => {
            error!(error = %err, "credential check failed");
            json!({
                "error": "service_unavailable",
                "message": "The check could not be made; try again. This says nothing about the password.",
            })
        }
    }
}

fn invalid(message: &str) -> Value {
    json!({ "error": "invalid_event", "message": message })
}
