//! The administrator's event of the `admin-reset` function and its answers,
//! as serde types. The function reads [`AdminEvent`] and writes
//! [`AdminResponse`]; a client (`import-users`) writes the one and reads the
//! other. Plain values: turning them into the domain's types (a login, an
//! email address) is the function's edge's.
//!
//! A string field that is blank counts as absent; `update_user`'s fields
//! are a [`Patch`] (absent keeps, `null` or blank removes, a value sets).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Accounts in one `import_users` event, at most.
pub const MAX_IMPORT_ROWS: usize = 100;
/// Audit records listed when no limit is given, and the most ever listed.
pub const DEFAULT_AUDIT_LIMIT: u32 = 50;
pub const MAX_AUDIT_LIMIT: u32 = 1000;
/// Messages listed when no limit is given, and the most ever listed.
pub const DEFAULT_MESSAGE_LIMIT: u32 = 20;
pub const MAX_MESSAGE_LIMIT: u32 = 200;

/// One event: what is asked, and for whom (`requested_by`, optional, kept
/// beside the signer's ARN as "on behalf of").
#[derive(Debug, Serialize, Deserialize)]
pub struct AdminEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(flatten)]
    pub request: AdminRequest,
}

/// Reads an event. A refusal says what is wrong and names the field: serde
/// names a missing one but not a mistyped one inside a tagged enum, so
/// the event is then read as [`Fields`], every field with its type.
pub fn read_event(event: &Value) -> Result<AdminEvent, String> {
    AdminEvent::deserialize(event).map_err(|err| {
        match serde_path_to_error::deserialize::<_, Fields>(event) {
            Err(mistyped) => format!("The field `{}`: {}.", mistyped.path(), mistyped.inner()),
            Ok(_) => format!("{err}."),
        }
    })
}

/// Every field an event may have, with its type: names a refused field.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Fields {
    requested_by: Option<String>,
    login: Option<String>,
    channel: Option<Channel>,
    password: Option<String>,
    password_confirmation: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    locale: Option<String>,
    social_provider: Option<String>,
    limit: Option<u32>,
    users: Option<Vec<Value>>,
    workspaces: Option<Vec<String>>,
    workspace: Option<String>,
    principal: Option<String>,
    after: Option<String>,
    name: Option<String>,
    login_url: Option<String>,
    logo_url: Option<String>,
    accent_color: Option<String>,
    support_contact: Option<String>,
    language: Option<String>,
}

/// An action and its fields, tagged by `action`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AdminRequest {
    SendRecoveryLink {
        login: String,
        channel: Channel,
    },
    SetPassword {
        login: String,
        password: Password,
        password_confirmation: Password,
    },
    InviteUser {
        login: String,
        /// Workspace ids it joins as it is created.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        workspaces: Vec<String>,
        #[serde(
            default,
            deserialize_with = "blank_is_none",
            skip_serializing_if = "Option::is_none"
        )]
        email: Option<String>,
        #[serde(
            default,
            deserialize_with = "blank_is_none",
            skip_serializing_if = "Option::is_none"
        )]
        phone: Option<String>,
        #[serde(
            default,
            deserialize_with = "blank_is_none",
            skip_serializing_if = "Option::is_none"
        )]
        locale: Option<String>,
    },
    ListAudit {
        login: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    ListMessages {
        login: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    GetUser {
        login: String,
    },
    UpdateUser {
        login: String,
        #[serde(flatten)]
        change: DetailsPatch,
    },
    DisableUser {
        login: String,
    },
    EnableUser {
        login: String,
    },
    DeleteUser {
        login: String,
    },
    /// Each account a JSON object (the fields of an import row), read one
    /// by one by the function so that a bad row refuses only itself.
    ImportUsers {
        users: Vec<Value>,
    },
    CreateWorkspace {
        workspace: String,
        #[serde(flatten)]
        fields: WorkspaceFields,
    },
    UpdateWorkspace {
        workspace: String,
        #[serde(flatten)]
        fields: WorkspaceFields,
    },
    GetWorkspace {
        workspace: String,
    },
    ListWorkspaces {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    DeleteWorkspace {
        workspace: String,
    },
    AddMember {
        workspace: String,
        login: String,
    },
    RemoveMember {
        workspace: String,
        login: String,
    },
    ListMembers {
        workspace: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// What an IAM principal administers: exactly these workspaces.
    SetAdminScope {
        principal: String,
        workspaces: Vec<String>,
    },
    GetAdminScope {
        principal: String,
    },
    /// The holds on texts: the SMS budget reached, countries suspended.
    ListSmsSuspensions {},
    /// Ends a live hold now: `on` is a calling code (`+44`) or `budget`.
    LiftSmsSuspension {
        on: String,
    },
    /// The recovery funnel's counts from the day `from` to the day `to`
    /// (`2026-12-06`, UTC; each today when absent), at most
    /// [`MAX_STATS_DAYS`] days.
    RecoveryStats {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
}

/// The most days one `recovery_stats` covers.
pub const MAX_STATS_DAYS: usize = 31;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

/// `update_user`'s changes.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailsPatch {
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub email: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub phone: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub social_provider: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub locale: Patch,
    /// The workspaces it is to belong to, exactly (absent keeps them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<Vec<String>>,
}

/// Absent, `null` and blank are all `None`.
fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|text| !text.trim().is_empty()))
}

/// What the function answers: a result, or why there is none.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AdminResponse {
    Failed(Failure),
    Done(Done),
    Records {
        records: Vec<AuditEntry>,
    },
    Messages {
        email: EmailStatus,
        messages: Vec<MessageEntry>,
    },
    User {
        user: User,
    },
    Imported {
        results: Vec<ImportOutcome>,
        counts: BTreeMap<String, usize>,
    },
    Workspace {
        workspace: WorkspaceEntry,
    },
    Workspaces {
        workspaces: Vec<WorkspaceEntry>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    Members {
        members: Vec<Member>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    Scope(Scope),
    Suspensions {
        suspensions: Vec<SmsSuspension>,
    },
    Stats {
        stats: RecoveryStats,
    },
}

/// `{"error": "<code>", "message": "...", "reasons"?: [...]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

/// Why the password policy refused a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub message: String,
}

/// An action that changed something, tagged by `status`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Done {
    Queued(Queued),
    PasswordChanged,
    Invited {
        user_id: String,
        #[serde(flatten)]
        sent: Queued,
    },
    Updated {
        user: User,
    },
    Disabled {
        user: User,
    },
    Enabled {
        user: User,
    },
    Deleted {
        user_id: String,
    },
    /// A workspace's administrator deleted an account that also belongs
    /// to others: it left the administrator's `workspaces`, and stays.
    LeftWorkspaces {
        user_id: String,
        workspaces: Vec<String>,
    },
    WorkspaceCreated {
        workspace: WorkspaceEntry,
    },
    WorkspaceUpdated {
        workspace: WorkspaceEntry,
    },
    WorkspaceDeleted {
        workspace: String,
    },
    MemberAdded {
        workspace: String,
        user_id: String,
    },
    MemberRemoved {
        workspace: String,
        user_id: String,
    },
    /// It was so already: a membership there, or none to remove.
    Unchanged,
    ScopeSet(Scope),
    SuspensionLifted {
        on: String,
    },
}

/// A message in the outbox: its channel, where to (masked), its key.
#[derive(Debug, Serialize, Deserialize)]
pub struct Queued {
    pub channel: String,
    pub destination: String,
    pub message: String,
}

/// An account as the administrator sees it (addresses masked).
#[derive(Debug, Serialize, Deserialize)]
pub struct User {
    pub user_id: String,
    pub login: String,
    /// Disabled by an administrator (`enable_user` undoes it).
    pub disabled: bool,
    /// Locked by its owner ("This was not me"; `send_recovery_link` undoes
    /// it), since `locked_at`.
    pub locked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_at: Option<String>,
    pub has_password: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_changed_at: Option<String>,
    /// `ok`, or the trouble of the current address (`bounced`, ...).
    pub email_status: String,
    /// The workspaces it belongs to (`get_user` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<String>,
}

mod import;
mod listings;
mod patch;
mod workspaces;

pub use import::ImportOutcome;
pub use listings::{AuditEntry, EmailStatus, MessageEntry, RecoveryStats, SmsSuspension};
pub use patch::{Password, Patch};
pub use workspaces::{Member, Scope, WorkspaceEntry, WorkspaceFields};

#[cfg(test)]
mod tests;
