//! The administrator's JSON event, for the `admin-reset` function: the only
//! code that turns an event into a typed action of `flows` and the result
//! back into JSON. Failures are results too:
//! `{"error": "<code>", "message": "...", "reasons"?: [...]}`.

use secrecy::SecretString;
use serde_json::{Map, Value, json};

use recovery_core::flows::{
    AdminAction, AdminError, Administration, Channel, DetailsChange, ImportRow, InvalidRow,
    NewUser, Requester,
};
use recovery_domain::{
    AccountLookup, EmailAddress, IdentifierError, Locale, LoginName, PhoneNumber, PolicyViolation,
};

mod lifecycle;
mod listings;

use lifecycle::{import_json, view_json};
use listings::{audit_json, iso8601_seconds, message_json};

/// Audit records listed when no limit is given, and the most ever listed.
pub const DEFAULT_AUDIT_LIMIT: u32 = 50;
pub const MAX_AUDIT_LIMIT: u32 = 1000;

const ACTIONS: &str = "send_recovery_link, set_password, invite_user, list_audit, list_messages, \
     get_user, update_user, disable_user, enable_user, delete_user or import_users";

/// Messages listed when no limit is given, and the most ever listed.
pub const DEFAULT_MESSAGE_LIMIT: u32 = 20;
pub const MAX_MESSAGE_LIMIT: u32 = 200;

/// Runs one event and answers with its result; failures are results too.
/// `request_id` is the Lambda request id, kept in the audit record.
///
/// Only an [`Administration`] runs these events: a self-service function's
/// [`Recovery`](recovery_core::flows::Recovery) cannot be handed over, so no
/// action of them can be compiled into it.
///
/// ```
/// # async fn f(admin: &recovery_core::Administration, event: &serde_json::Value) {
/// recovery_edges::admin_event::handle(admin, event, "request").await;
/// # }
/// ```
/// ```compile_fail
/// # async fn f(recovery: &recovery_core::Recovery, event: &serde_json::Value) {
/// recovery_edges::admin_event::handle(recovery, event, "request").await;
/// # }
/// ```
pub async fn handle(recovery: &Administration, event: &Value, request_id: &str) -> Value {
    match run(recovery, event, request_id).await {
        Ok(result) => result,
        Err(err) => err.to_json(),
    }
}

/// An event that could not be run.
#[derive(Debug)]
enum EventError {
    /// Not an event of this function: a missing, mistyped or unknown field.
    Invalid(String),
    /// The action ran and failed.
    Action(AdminError),
}

impl From<AdminError> for EventError {
    fn from(err: AdminError) -> Self {
        Self::Action(err)
    }
}

impl EventError {
    fn to_json(&self) -> Value {
        let (code, message, reasons) = match self {
            Self::Invalid(message) => ("invalid_event", message.clone(), &[][..]),
            Self::Action(err) => (err.code(), message(err), reasons(err)),
        };
        let mut body = json!({ "error": code, "message": message });
        if !reasons.is_empty() {
            body["reasons"] = policy_reasons(reasons);
        }
        body
    }
}

/// The sentence the administrator reads for `err`.
fn message(err: &AdminError) -> String {
    match err {
        AdminError::UserNotFound => "No account has this login.".into(),
        AdminError::NoEmailOnRecord => "The account has no email address.".into(),
        AdminError::NoPhoneOnRecord => "The account has no phone number.".into(),
        AdminError::SocialAccount { provider } => {
            format!("The account signs in through {provider}; its password is reset there.")
        }
        AdminError::AccountDisabled => {
            "The account is disabled; enable it before sending a recovery link.".into()
        }
        AdminError::PasswordMismatch => "The password and its confirmation differ.".into(),
        AdminError::WeakPassword(_) => "The password policy refuses this password.".into(),
        AdminError::LoginTaken => {
            "Another account has this login, or one that looks the same (such as `ada` and `аda` with a Cyrillic а).".into()
        }
        AdminError::EmailTaken => "Another account has this email address.".into(),
        AdminError::PhoneTaken => "Another account has this phone number.".into(),
        AdminError::NoWayToRecover => {
            "The account would have no email address, phone number or provider left to recover it through.".into()
        }
        AdminError::Unavailable => {
            "A dependency failed; nothing was changed that the answer does not say. Try again."
                .into()
        }
    }
}

fn reasons(err: &AdminError) -> &[PolicyViolation] {
    match err {
        AdminError::WeakPassword(reasons) => reasons,
        _ => &[],
    }
}

/// `[{"code", "message"}, ...]`.
fn policy_reasons(reasons: &[PolicyViolation]) -> Value {
    reasons.iter().map(|r| json!({ "code": r.code, "message": r.message })).collect()
}

/// The fields of an event.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn optional(&self, name: &str) -> Result<Option<&str>, EventError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(EventError::Invalid(format!("The field `{name}` must be a string."))),
        }
    }

    fn required(&self, name: &str) -> Result<&str, EventError> {
        self.optional(name)?
            .ok_or_else(|| EventError::Invalid(format!("The field `{name}` is required.")))
    }

    /// An optional field parsed by `parse`, whose refusal names the field.
    fn parsed<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, IdentifierError>,
    ) -> Result<Option<T>, EventError> {
        self.optional(name)?.map(|text| parse(text).map_err(|e| not_valid(name, e))).transpose()
    }

    fn lookup(&self, name: &str) -> Result<AccountLookup, EventError> {
        AccountLookup::parse(self.required(name)?).map_err(|e| not_valid(name, e))
    }

    fn secret(&self, name: &str) -> Result<SecretString, EventError> {
        Ok(SecretString::from(self.required(name)?.to_owned()))
    }

    fn channel(&self) -> Result<Channel, EventError> {
        match self.required("channel")? {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            _ => {
                Err(EventError::Invalid("The field `channel` must be \"email\" or \"sms\".".into()))
            }
        }
    }

    fn limit(&self, default: u32, max: u32) -> Result<u32, EventError> {
        match self.0.get("limit") {
            None | Some(Value::Null) => Ok(default),
            Some(value) => value
                .as_u64()
                .filter(|n| (1..=u64::from(max)).contains(n))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    EventError::Invalid(format!(
                        "The field `limit` must be a whole number from 1 to {max}."
                    ))
                }),
        }
    }

    fn new_user(&self) -> Result<NewUser, EventError> {
        let login = LoginName::parse(self.required("login")?).map_err(|e| not_valid("login", e))?;
        let email = self.parsed("email", EmailAddress::parse)?;
        let phone = self.parsed("phone", PhoneNumber::parse)?;
        let locale = self.locale()?;
        if email.is_none() && phone.is_none() {
            return Err(EventError::Invalid(
                "Give `email` or `phone` (or both): the invitation goes there.".into(),
            ));
        }
        Ok(NewUser { login, email, phone, locale })
    }

    /// `locale`, a language tag, when given.
    fn locale(&self) -> Result<Option<Locale>, EventError> {
        match self.optional("locale")? {
            None => Ok(None),
            Some(text) => Locale::parse(text)
                .map(Some)
                .map_err(|e| EventError::Invalid(format!("The field `locale` must be {e}."))),
        }
    }
}

fn not_valid(name: &str, err: IdentifierError) -> EventError {
    EventError::Invalid(format!("The field `{name}` is not valid: {err}"))
}

/// A typed action, with what it needs.
enum Action {
    SendRecoveryLink(AccountLookup, Channel),
    SetPassword(AccountLookup, SecretString, SecretString),
    InviteUser(NewUser),
    ListAudit(AccountLookup, u32),
    ListMessages(AccountLookup, u32),
    GetUser(AccountLookup),
    UpdateUser(AccountLookup, DetailsChange),
    SetDisabled(AccountLookup, bool),
    DeleteUser(AccountLookup),
    ImportUsers(Vec<Result<ImportRow, InvalidRow>>),
}

fn parse_action(name: &str, fields: &Fields<'_>) -> Result<Action, EventError> {
    let Some(action) = AdminAction::from_name(name) else {
        return Err(EventError::Invalid(format!("Unknown action {name:?}: use {ACTIONS}.")));
    };
    Ok(match action {
        AdminAction::SendRecoveryLink => {
            let channel = fields.channel()?;
            Action::SendRecoveryLink(fields.lookup("login")?, channel)
        }
        AdminAction::SetPassword => Action::SetPassword(
            fields.lookup("login")?,
            fields.secret("password")?,
            fields.secret("password_confirmation")?,
        ),
        AdminAction::InviteUser => Action::InviteUser(fields.new_user()?),
        AdminAction::ListAudit => {
            let limit = fields.limit(DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT)?;
            Action::ListAudit(fields.lookup("login")?, limit)
        }
        AdminAction::ListMessages => {
            let limit = fields.limit(DEFAULT_MESSAGE_LIMIT, MAX_MESSAGE_LIMIT)?;
            Action::ListMessages(fields.lookup("login")?, limit)
        }
        AdminAction::GetUser => Action::GetUser(fields.lookup("login")?),
        AdminAction::UpdateUser => {
            let change = fields.details_change()?;
            Action::UpdateUser(fields.lookup("login")?, change)
        }
        AdminAction::DisableUser => Action::SetDisabled(fields.lookup("login")?, true),
        AdminAction::EnableUser => Action::SetDisabled(fields.lookup("login")?, false),
        AdminAction::DeleteUser => Action::DeleteUser(fields.lookup("login")?),
        AdminAction::ImportUsers => Action::ImportUsers(fields.import_rows()?),
    })
}

async fn run(
    recovery: &Administration,
    event: &Value,
    request_id: &str,
) -> Result<Value, EventError> {
    let Some(object) = event.as_object() else {
        return Err(EventError::Invalid("The event must be a JSON object.".into()));
    };
    let fields = Fields(object);
    let name = fields.required("action")?.to_owned();
    let by = Requester {
        requested_by: fields.required("requested_by")?.to_owned(),
        request_id: request_id.to_owned(),
    };
    let action = match parse_action(&name, &fields) {
        Ok(action) => action,
        Err(err) => {
            // A malformed event is recorded too when it names someone.
            let target = fields.optional("login").ok().flatten();
            if let Some(target) = target.map(|t| t.trim().to_lowercase()) {
                recovery.audit_refused(&by, &name, &target, "invalid_event").await?;
            }
            return Err(err);
        }
    };
    Ok(match action {
        Action::SendRecoveryLink(who, channel) => {
            let sent = recovery.admin_send_recovery_link(&by, &who, channel).await?;
            json!({
                "status": "queued",
                "channel": sent.channel.as_str(),
                "destination": sent.destination,
                "message": sent.message,
            })
        }
        Action::SetPassword(who, password, confirmation) => {
            recovery.admin_set_password(&by, &who, &password, &confirmation).await?;
            json!({ "status": "password_changed" })
        }
        Action::InviteUser(new_user) => {
            let invited = recovery.admin_invite_user(&by, new_user).await?;
            json!({
                "status": "invited",
                "user_id": invited.user_id.as_str(),
                "channel": invited.sent.channel.as_str(),
                "destination": invited.sent.destination,
                "message": invited.sent.message,
            })
        }
        Action::ListAudit(who, limit) => {
            let records = recovery.admin_list_audit(&by, &who, limit).await?;
            let records: Vec<Value> = records.iter().map(audit_json).collect();
            json!({ "records": records })
        }
        Action::ListMessages(who, limit) => {
            let listed = recovery.admin_list_messages(&by, &who, limit).await?;
            let messages: Vec<Value> = listed.messages.iter().map(message_json).collect();
            let email = match &listed.email_trouble {
                None => json!({ "status": "ok" }),
                Some(trouble) => json!({
                    "status": trouble.kind.name(),
                    "since": iso8601_seconds(trouble.at),
                }),
            };
            json!({ "email": email, "messages": messages })
        }
        Action::GetUser(who) => {
            let view = recovery.admin_get_user(&by, &who).await?;
            json!({ "user": view_json(&view) })
        }
        Action::UpdateUser(who, change) => {
            let view = recovery.admin_update_user(&by, &who, change).await?;
            json!({ "status": "updated", "user": view_json(&view) })
        }
        Action::SetDisabled(who, disabled) => {
            let view = recovery.admin_set_disabled(&by, &who, disabled).await?;
            let status = if disabled { "disabled" } else { "enabled" };
            json!({ "status": status, "user": view_json(&view) })
        }
        Action::DeleteUser(who) => {
            let user_id = recovery.admin_delete_user(&by, &who).await?;
            json!({ "status": "deleted", "user_id": user_id.as_str() })
        }
        Action::ImportUsers(rows) => {
            let results = recovery.admin_import_users(&by, rows).await?;
            let mut counts = Map::new();
            for status in ["created", "unchanged", "conflict", "invalid"] {
                let n = results.iter().filter(|r| r.result.status() == status).count();
                counts.insert(status.to_owned(), json!(n));
            }
            let rows: Vec<Value> = results.iter().map(import_json).collect();
            json!({ "results": rows, "counts": counts })
        }
    })
}
