//! The audit trail of the administrator's actions: each is recorded as
//! `pending` before it runs (fail closed) and concluded with `ok` or its
//! error code.

use std::future::Future;

use tracing::{error, info};

use super::Administration;
use super::admin::AdminError;
use crate::ports::AuditRecord;
use recovery_domain::{AccountLookup, AdminPrincipal, AdminScope, UserAccount};

/// The administrator's actions, by the names events and audit records use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum AdminAction {
    SendRecoveryLink,
    SetPassword,
    InviteUser,
    ListAudit,
    ListMessages,
    GetUser,
    UpdateUser,
    DisableUser,
    EnableUser,
    DeleteUser,
    ImportUsers,
    CreateWorkspace,
    UpdateWorkspace,
    GetWorkspace,
    ListWorkspaces,
    DeleteWorkspace,
    AddMember,
    RemoveMember,
    ListMembers,
    SetAdminScope,
    GetAdminScope,
    ListSmsSuspensions,
    LiftSmsSuspension,
    RecoveryStats,
}

impl AdminAction {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// Who asked for an administrator action, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// Who called, as the service verified it: the IAM ARN that signed the
    /// request to admin-reset's function URL, or the account's owner
    /// holding its lock link.
    pub caller: String,
    /// Whom the caller says it acts for (the event's `requested_by`), as
    /// written: beside the caller, never instead of it.
    pub on_behalf_of: Option<String>,
    /// The Lambda request id of the invocation.
    pub request_id: String,
    /// What the caller may act on ([`Administration::requester`]).
    pub scope: AdminScope,
}

impl Requester {
    /// A caller the service itself vouches for, acting on the whole
    /// deployment: the account's owner holding its lock link, or the local
    /// stack's provisioning.
    pub fn trusted(caller: String, request_id: String) -> Self {
        Self { caller, on_behalf_of: None, request_id, scope: AdminScope::Deployment }
    }
}

/// The text an audit record keeps for a lookup that matched no account.
fn lookup_text(who: &AccountLookup) -> String {
    match who {
        AccountLookup::Login(login) => login.as_str().to_owned(),
        AccountLookup::Email(email) => email.as_str().to_owned(),
        AccountLookup::Phone(phone) => phone.as_e164().to_owned(),
    }
}

impl Administration {
    /// The requester `caller` (an ARN the entry verified) is, with its
    /// scope: the deployment's when `DEPLOYMENT_ADMINISTRATORS` names it;
    /// else the workspaces of its grant, when one names it; else the
    /// deployment's when that list is empty (a deployment that never
    /// grants), and nothing when it is not (fail closed).
    pub async fn requester(
        &self,
        caller: &str,
        on_behalf_of: Option<String>,
        request_id: &str,
    ) -> Result<Requester, AdminError> {
        let listed = &self.settings.admin.deployment_administrators;
        let scope = match AdminPrincipal::from_arn(caller).ok() {
            Some(p) if listed.contains(&p) => AdminScope::Deployment,
            principal => {
                let grant = match &principal {
                    Some(p) => self.workspaces.admin_grant(p).await?,
                    None => None,
                };
                match grant {
                    Some(ids) => AdminScope::workspaces(ids),
                    None if listed.is_empty() => AdminScope::Deployment,
                    None => AdminScope::workspaces(vec![]),
                }
            }
        };
        Ok(Requester {
            caller: caller.to_owned(),
            on_behalf_of,
            request_id: request_id.to_owned(),
            scope,
        })
    }

    /// The account `who` names when `by` may see it, and the login its
    /// audit records go under (the identifier as given when no account
    /// matches). An account outside the requester's workspaces is answered
    /// as no account: the same error, the same record.
    pub(super) async fn admin_target(
        &self,
        by: &Requester,
        who: &AccountLookup,
    ) -> Result<(Option<UserAccount>, String), AdminError> {
        let account = self.find(who).await?.filter(|a| by.scope.sees(&a.workspaces));
        let target = account
            .as_ref()
            .map(|a| a.login.as_str().to_owned())
            .unwrap_or_else(|| lookup_text(who));
        Ok((account, target))
    }

    /// A `pending` record of `action` on `target`, made now.
    pub(super) fn audit_record(
        &self,
        by: &Requester,
        action: &str,
        target: &str,
        account: Option<&UserAccount>,
    ) -> AuditRecord {
        AuditRecord {
            target: target.to_owned(),
            user_id: account.map(|a| a.id.as_str().to_owned()),
            action: action.to_owned(),
            caller: by.caller.clone(),
            on_behalf_of: by.on_behalf_of.clone(),
            outcome: "pending".into(),
            detail: None,
            at_millis: self.clock.now_millis(),
            request_id: by.request_id.clone(),
            workspaces: match (account, &by.scope) {
                (Some(account), scope) => scope.visible(&account.workspaces),
                (None, AdminScope::Workspaces(ids)) => ids.clone(),
                (None, AdminScope::Deployment) => vec![],
            },
        }
    }

    /// Stores `record` (kept as long as the settings say).
    pub(super) async fn append_audit(&self, record: &AuditRecord) -> Result<(), AdminError> {
        let retention = self.settings.admin.audit_retention_seconds;
        Ok(self.audit.append(record, retention).await?)
    }

    /// Records `record` as pending, runs `action` only once that is stored,
    /// and concludes the record with the outcome and its detail.
    pub(super) async fn audited<T>(
        &self,
        record: &AuditRecord,
        action: impl Future<Output = Result<(T, Option<String>), AdminError>>,
    ) -> Result<T, AdminError> {
        self.append_audit(record).await?;
        let result = action.await;
        let outcome = match &result {
            Ok((_, detail)) => Ok(detail.as_deref()),
            Err(err) => Err(err.code()),
        };
        self.conclude_audit(record, outcome).await;
        result.map(|(value, _)| value)
    }

    /// Sets the outcome of `record`: `ok` with its detail, or an error code.
    pub(super) async fn conclude_audit(
        &self,
        record: &AuditRecord,
        outcome: Result<Option<&str>, &str>,
    ) {
        let (outcome, detail) = match outcome {
            Ok(detail) => ("ok", detail),
            Err(code) => (code, None),
        };
        info!(
            action = %record.action,
            outcome,
            caller = %record.caller,
            on_behalf_of = record.on_behalf_of.as_deref().unwrap_or(""),
            "administrator action"
        );
        if let Err(err) = self.audit.conclude(record, outcome, detail).await {
            error!(error = %err, "could not record the outcome of an administrator action");
        }
    }

    /// Records an action that was refused before it could run (a malformed
    /// event that still names its target), with `code` as its outcome.
    pub async fn audit_refused(
        &self,
        by: &Requester,
        action: &str,
        target: &str,
        code: &str,
    ) -> Result<(), AdminError> {
        let record = self.audit_record(by, action, target, None);
        self.append_audit(&record).await?;
        self.conclude_audit(&record, Err(code)).await;
        Ok(())
    }
}

/// The first of `account`'s workspaces that `by` administers.
pub(super) fn first_seen<'a>(
    by: &'a Requester,
    account: &'a UserAccount,
) -> Option<&'a recovery_domain::WorkspaceId> {
    account.workspaces.iter().find(|w| by.scope.includes(w))
}

/// Refuses to change `account` as a whole (its password, contact details,
/// state) for a requester that does not administer all its workspaces.
pub(super) fn whole(by: &Requester, account: &UserAccount) -> Result<(), AdminError> {
    match by.scope.covers(&account.workspaces) {
        true => Ok(()),
        false => Err(AdminError::AccountInOtherWorkspaces),
    }
}

/// The workspaces a new account of `by`'s joins: those named, each in the
/// requester's scope (else there is no such workspace for it); for a
/// workspace's administrator who names none, its own.
pub(super) fn joined(
    by: &Requester,
    named: Vec<recovery_domain::WorkspaceId>,
) -> Result<Vec<recovery_domain::WorkspaceId>, AdminError> {
    match &by.scope {
        AdminScope::Deployment => Ok(named),
        AdminScope::Workspaces(own) if own.is_empty() => Err(AdminError::NotPermitted),
        AdminScope::Workspaces(own) if named.is_empty() => Ok(own.clone()),
        AdminScope::Workspaces(own) if named.iter().all(|w| own.contains(w)) => Ok(named),
        AdminScope::Workspaces(_) => Err(AdminError::WorkspaceNotFound),
    }
}
