//! The administrator's JSON event, for the `admin-reset` function: the only
//! code that turns an [`AdminEvent`](recovery_admin_api::AdminEvent) into a typed action of `flows` and the
//! result back into an [`AdminResponse`]. Failures are answers too:
//! `{"error": "<code>", "message": "...", "reasons"?: [...]}`.

use serde_json::Value;

use recovery_admin_api::{
    AdminRequest, AdminResponse, DEFAULT_AUDIT_LIMIT, DEFAULT_MESSAGE_LIMIT, Done, EmailStatus,
    Failure, MAX_AUDIT_LIMIT, MAX_MESSAGE_LIMIT, Reason, read_event,
};
use recovery_core::flows::{AdminError, Administration, Channel, Deleted, NewUser, Requester};
use recovery_domain::{
    AccountLookup, EmailAddress, IdentifierError, Locale, LoginName, PhoneNumber,
};

mod answers;
mod invocation;
mod lifecycle;
mod sms;
mod stats;
mod workspaces;

pub use invocation::invocation;

use answers::{audit_entry, import_answer, iso8601_seconds, message_entry, queued, user};

/// Runs one event for `caller` (an IAM ARN the entry verified) and answers
/// with its result; failures are results too. `request_id` is the Lambda
/// request id, kept in the audit record. [`invocation`] is what reads the
/// caller from the function URL's request.
///
/// Only an [`Administration`] runs these events: a self-service function's
/// [`Recovery`](recovery_core::flows::Recovery) cannot be handed over, so no
/// action of them can be compiled into it.
///
/// ```
/// # async fn f(admin: &recovery_core::Administration, event: &serde_json::Value) {
/// recovery_edges::admin_event::handle(admin, event, "arn:aws:iam::1:user/a", "request").await;
/// # }
/// ```
/// ```compile_fail
/// # async fn f(recovery: &recovery_core::Recovery, event: &serde_json::Value) {
/// recovery_edges::admin_event::handle(recovery, event, "arn:aws:iam::1:user/a", "request").await;
/// # }
/// ```
pub async fn handle(
    recovery: &Administration,
    event: &Value,
    caller: &str,
    request_id: &str,
) -> Value {
    let answer = match run(recovery, event, caller, request_id).await {
        Ok(answer) => answer,
        Err(err) => AdminResponse::Failed(err.failure()),
    };
    // Every map in an answer has string keys: writing it cannot fail.
    serde_json::to_value(answer).unwrap_or_default()
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
    fn failure(&self) -> Failure {
        match self {
            Self::Invalid(message) => {
                Failure { error: "invalid_event".into(), message: message.clone(), reasons: vec![] }
            }
            Self::Action(err) => Failure {
                error: err.code().into(),
                message: message(err),
                reasons: match err {
                    AdminError::WeakPassword(reasons) => reasons
                        .iter()
                        .map(|r| Reason { code: r.code.into(), message: r.message.clone() })
                        .collect(),
                    _ => vec![],
                },
            },
        }
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
        AdminError::WorkspaceNotFound => "No workspace has this id.".into(),
        AdminError::WorkspaceTaken => "A workspace has this id already.".into(),
        AdminError::WorkspaceHasMembers => {
            "The workspace still has members; remove them (remove_member) first.".into()
        }
        AdminError::NotPermitted => {
            "Only an administrator of the whole deployment may do this, or this administrator's grant names no workspace.".into()
        }
        AdminError::AccountInOtherWorkspaces => {
            "The account also belongs to a workspace this administrator does not administer: its password, contact details and state are not this administrator's to change. send_recovery_link is.".into()
        }
        AdminError::SuspensionNotFound => {
            "Texts there are not held now; list_sms_suspensions lists the holds.".into()
        }
        AdminError::Unavailable => {
            "A dependency failed; nothing was changed that the answer does not say. Try again."
                .into()
        }
    }
}

fn not_valid(name: &str, err: IdentifierError) -> EventError {
    EventError::Invalid(format!("The field `{name}` is not valid: {err}"))
}

/// The account a `login` field names.
fn lookup(login: &str) -> Result<AccountLookup, EventError> {
    if login.trim().is_empty() {
        return Err(EventError::Invalid("The field `login` is required.".into()));
    }
    AccountLookup::parse(login).map_err(|e| not_valid("login", e))
}

/// An optional field parsed by `parse`, whose refusal names the field.
fn parsed<T>(
    name: &str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, IdentifierError>,
) -> Result<Option<T>, EventError> {
    text.map(|text| parse(text).map_err(|e| not_valid(name, e))).transpose()
}

/// `locale`, a language tag, when given.
fn locale(text: Option<&str>) -> Result<Option<Locale>, EventError> {
    text.map(|text| {
        Locale::parse(text)
            .map_err(|e| EventError::Invalid(format!("The field `locale` must be {e}.")))
    })
    .transpose()
}

/// `limit`, from 1 to `max`; `default` when absent.
fn limit(limit: Option<u32>, default: u32, max: u32) -> Result<u32, EventError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(EventError::Invalid(format!(
            "The field `limit` must be a whole number from 1 to {max}."
        ))),
    }
}

async fn run(
    recovery: &Administration,
    event: &Value,
    caller: &str,
    request_id: &str,
) -> Result<AdminResponse, EventError> {
    if !event.is_object() {
        return Err(EventError::Invalid("The event must be a JSON object.".into()));
    }
    let text = |name: &str| event[name].as_str().map(str::trim).filter(|t| !t.is_empty());
    let required = |name: &str| {
        text(name).ok_or_else(|| {
            EventError::Invalid(format!("The field `{name}` is required, a string."))
        })
    };
    let name = required("action")?;
    let on_behalf_of = text("requested_by").map(str::to_owned);
    let by = recovery.requester(caller, on_behalf_of, request_id).await?;
    match execute(recovery, &by, event).await {
        // A malformed event is recorded too when it names someone.
        Err(EventError::Invalid(message)) => {
            if let Some(target) = text("login").map(str::to_lowercase) {
                recovery.audit_refused(&by, name, &target, "invalid_event").await?;
            }
            Err(EventError::Invalid(message))
        }
        answer => answer,
    }
}

/// Reads the event's action and runs it.
async fn execute(
    recovery: &Administration,
    by: &Requester,
    event: &Value,
) -> Result<AdminResponse, EventError> {
    let request = read_event(event).map_err(EventError::Invalid)?.request;
    Ok(match request {
        AdminRequest::SendRecoveryLink { login, channel } => {
            let channel = match channel {
                recovery_admin_api::Channel::Email => Channel::Email,
                recovery_admin_api::Channel::Sms => Channel::Sms,
            };
            let sent = recovery.admin_send_recovery_link(by, &lookup(&login)?, channel).await?;
            AdminResponse::Done(Done::Queued(queued(sent)))
        }
        AdminRequest::SetPassword { login, password, password_confirmation } => {
            let who = lookup(&login)?;
            recovery.admin_set_password(by, &who, &password.0, &password_confirmation.0).await?;
            AdminResponse::Done(Done::PasswordChanged)
        }
        AdminRequest::InviteUser { login, workspaces, email, phone, locale: language } => {
            let new_user = NewUser {
                login: LoginName::parse(&login).map_err(|e| not_valid("login", e))?,
                email: parsed("email", email.as_deref(), EmailAddress::parse)?,
                phone: parsed("phone", phone.as_deref(), PhoneNumber::parse)?,
                locale: locale(language.as_deref())?,
                workspaces: workspaces::ids(&workspaces)?,
            };
            if new_user.email.is_none() && new_user.phone.is_none() {
                return Err(EventError::Invalid(
                    "Give `email` or `phone` (or both): the invitation goes there.".into(),
                ));
            }
            let invited = recovery.admin_invite_user(by, new_user).await?;
            let user_id = invited.user_id.as_str().to_owned();
            AdminResponse::Done(Done::Invited { user_id, sent: queued(invited.sent) })
        }
        AdminRequest::ListAudit { login, limit: n } => {
            let n = limit(n, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT)?;
            let records = recovery.admin_list_audit(by, &lookup(&login)?, n).await?;
            AdminResponse::Records { records: records.iter().map(audit_entry).collect() }
        }
        AdminRequest::ListMessages { login, limit: n } => {
            let n = limit(n, DEFAULT_MESSAGE_LIMIT, MAX_MESSAGE_LIMIT)?;
            let listed = recovery.admin_list_messages(by, &lookup(&login)?, n).await?;
            let email = match &listed.email_trouble {
                None => EmailStatus { status: "ok".into(), since: None },
                Some(trouble) => EmailStatus {
                    status: trouble.kind.name().into(),
                    since: Some(iso8601_seconds(trouble.at)),
                },
            };
            AdminResponse::Messages {
                email,
                messages: listed.messages.iter().map(message_entry).collect(),
            }
        }
        AdminRequest::GetUser { login } => AdminResponse::User {
            user: user(&recovery.admin_get_user(by, &lookup(&login)?).await?),
        },
        AdminRequest::UpdateUser { login, change } => {
            let change = lifecycle::details_change(change)?;
            let view = recovery.admin_update_user(by, &lookup(&login)?, change).await?;
            AdminResponse::Done(Done::Updated { user: user(&view) })
        }
        AdminRequest::DisableUser { login } => {
            let view = recovery.admin_set_disabled(by, &lookup(&login)?, true).await?;
            AdminResponse::Done(Done::Disabled { user: user(&view) })
        }
        AdminRequest::EnableUser { login } => {
            let view = recovery.admin_set_disabled(by, &lookup(&login)?, false).await?;
            AdminResponse::Done(Done::Enabled { user: user(&view) })
        }
        AdminRequest::DeleteUser { login } => {
            AdminResponse::Done(match recovery.admin_delete_user(by, &lookup(&login)?).await? {
                Deleted::Account(user_id) => Done::Deleted { user_id: user_id.as_str().into() },
                Deleted::Memberships { user_id, left } => Done::LeftWorkspaces {
                    user_id: user_id.as_str().into(),
                    workspaces: left.iter().map(|w| w.as_str().into()).collect(),
                },
            })
        }
        AdminRequest::ImportUsers { users } => {
            let rows = lifecycle::import_rows(&users)?;
            import_answer(&recovery.admin_import_users(by, rows).await?)
        }
        sms_action @ (AdminRequest::ListSmsSuspensions {}
        | AdminRequest::LiftSmsSuspension { .. }) => sms::execute(recovery, by, sms_action).await?,
        AdminRequest::RecoveryStats { from, to } => stats::execute(recovery, by, from, to).await?,
        workspace_action => workspaces::execute(recovery, by, workspace_action).await?,
    })
}
