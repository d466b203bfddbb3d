//! How the listing actions answer: messages with their delivery, audit
//! records, and times in ISO 8601.

use serde_json::{Value, json};

use recovery_core::ports::{AuditRecord, MessageStatus};
use recovery_domain::{Timestamp, iso8601_millis};

/// A message as `list_messages` answers it; times in ISO 8601, and no
/// field for what it does not have.
pub(super) fn message_json(message: &MessageStatus) -> Value {
    let mut value = json!({
        "message": message.key,
        "kind": message.kind.name(),
        "channel": message.channel.as_str(),
        "created_at": iso8601_seconds(message.created_at),
        "delivery": message.delivery,
        "attempts": message.attempts,
        "holds_payload": message.holds_payload,
    });
    let optional = [
        ("last_error", message.last_error.clone()),
        ("provider_id", message.provider_id.clone()),
        ("feedback", message.feedback.map(|f| f.name().to_owned())),
        ("feedback_at", message.feedback_at.map(iso8601_seconds)),
        ("feedback_detail", message.feedback_detail.clone()),
    ];
    for (name, field) in optional {
        if let Some(field) = field {
            value[name] = json!(field);
        }
    }
    value
}

pub(super) fn iso8601_seconds(at: Timestamp) -> String {
    iso8601_millis(at.epoch_seconds() * 1000)
}

/// An audit record as `list_audit` answers it: its fields, and `at` in
/// ISO 8601.
pub(super) fn audit_json(record: &AuditRecord) -> Value {
    let mut value = json!({
        "target": record.target,
        "action": record.action,
        "requested_by": record.requested_by,
        "outcome": record.outcome,
        "at_millis": record.at_millis,
        "request_id": record.request_id,
        "at": iso8601_millis(record.at_millis),
    });
    if let Some(user_id) = &record.user_id {
        value["user_id"] = json!(user_id);
    }
    if let Some(detail) = &record.detail {
        value["detail"] = json!(detail);
    }
    value
}
