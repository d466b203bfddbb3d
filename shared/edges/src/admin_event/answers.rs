//! The flows' results as the administrator's answers; times in ISO 8601.

use recovery_admin_api::{AdminResponse, AuditEntry, ImportOutcome, MessageEntry, Queued, User};
use recovery_core::flows::{AccountView, ImportResult, Imported, LinkQueued};
use recovery_core::ports::{AuditRecord, MessageStatus};
use recovery_domain::{Timestamp, iso8601_millis};

pub(super) fn iso8601_seconds(at: Timestamp) -> String {
    iso8601_millis(at.epoch_seconds() * 1000)
}

pub(super) fn queued(sent: LinkQueued) -> Queued {
    Queued {
        channel: sent.channel.as_str().into(),
        destination: sent.destination,
        message: sent.message,
    }
}

/// An account as `get_user` and the other lifecycle actions answer it.
pub(super) fn user(view: &AccountView) -> User {
    User {
        user_id: view.user_id.as_str().into(),
        login: view.login.clone(),
        disabled: view.disabled,
        locked: view.locked_at.is_some(),
        locked_at: view.locked_at.map(iso8601_seconds),
        has_password: view.has_password,
        email: view.email.clone(),
        phone: view.phone.clone(),
        social_provider: view.social_provider.clone(),
        locale: view.locale.clone(),
        password_changed_at: view.password_changed_at.map(iso8601_seconds),
        email_status: view.email_trouble.as_ref().map_or("ok", |t| t.kind.name()).into(),
        workspaces: view.workspaces.iter().map(|w| w.as_str().to_owned()).collect(),
    }
}

/// A message as `list_messages` answers it.
pub(super) fn message_entry(message: &MessageStatus) -> MessageEntry {
    MessageEntry {
        message: message.key.clone(),
        kind: message.kind.name().into(),
        channel: message.channel.as_str().into(),
        created_at: iso8601_seconds(message.created_at),
        delivery: message.delivery.clone(),
        attempts: message.attempts,
        holds_payload: message.holds_payload,
        last_error: message.last_error.clone(),
        provider_id: message.provider_id.clone(),
        feedback: message.feedback.map(|f| f.name().to_owned()),
        feedback_at: message.feedback_at.map(iso8601_seconds),
        feedback_detail: message.feedback_detail.clone(),
        workspace: message.workspace.as_ref().map(|w| w.as_str().to_owned()),
    }
}

/// An audit record as `list_audit` answers it.
pub(super) fn audit_entry(record: &AuditRecord) -> AuditEntry {
    AuditEntry {
        target: record.target.clone(),
        user_id: record.user_id.clone(),
        action: record.action.clone(),
        caller: record.caller.clone(),
        on_behalf_of: record.on_behalf_of.clone(),
        outcome: record.outcome.clone(),
        detail: record.detail.clone(),
        at_millis: record.at_millis,
        at: iso8601_millis(record.at_millis),
        request_id: record.request_id.clone(),
        workspaces: record.workspaces.iter().map(|w| w.as_str().to_owned()).collect(),
    }
}

/// `import_users`' answer: each row's result, and how many of each.
pub(super) fn import_answer(results: &[ImportResult]) -> AdminResponse {
    let results: Vec<ImportOutcome> = results.iter().map(import_outcome).collect();
    let counts = ["created", "unchanged", "updated", "conflict", "invalid"]
        .into_iter()
        .map(|status| (status.to_owned(), results.iter().filter(|r| r.status() == status).count()))
        .collect();
    AdminResponse::Imported { results, counts }
}

fn import_outcome(row: &ImportResult) -> ImportOutcome {
    let login = row.login.clone();
    match &row.result {
        Imported::Created { user_id } => {
            ImportOutcome::Created { login, user_id: user_id.as_str().into() }
        }
        Imported::Unchanged { user_id } => {
            ImportOutcome::Unchanged { login, user_id: user_id.as_str().into() }
        }
        Imported::Updated { user_id } => {
            ImportOutcome::Updated { login, user_id: user_id.as_str().into() }
        }
        Imported::Conflict { reason } => {
            ImportOutcome::Conflict { login, reason: (*reason).into() }
        }
        Imported::Invalid { field, message } => {
            ImportOutcome::Invalid { login, field: field.clone(), message: message.clone() }
        }
    }
}
