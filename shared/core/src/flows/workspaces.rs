//! The administrator's actions on workspaces and their members. A
//! workspace's own actions are audited under `*workspace:<id>*`, a
//! membership's under the account's login; listings under `*workspaces*`.

use super::Administration;
use super::admin::{AdminAction, AdminError};
use super::audit::Requester;
use super::lifecycle::Change;
use crate::ports::{AuditRecord, MAX_WORKSPACE_PAGE, Member, Page, WorkspaceWrite};
use recovery_domain::{
    Accent, AccountLookup, AdminPrincipal, AdminScope, HttpsUrl, Language, Workspace, WorkspaceId,
};

/// The audit target of the listing of workspaces.
pub const WORKSPACES_AUDIT_TARGET: &str = "*workspaces*";

/// The audit target of workspace `id` (no login looks like it).
pub fn workspace_audit_target(id: &WorkspaceId) -> String {
    format!("*workspace:{id}*")
}

/// The audit target of `principal`'s grant.
pub fn principal_audit_target(principal: &AdminPrincipal) -> String {
    format!("*admin:{principal}*")
}

/// Refuses an action on the deployment as a whole to a workspace's
/// administrator.
pub(super) fn deployment_only(by: &Requester) -> Result<(), AdminError> {
    match by.scope.is_deployment() {
        true => Ok(()),
        false => Err(AdminError::NotPermitted),
    }
}

/// What `update_workspace` changes; the id and login URL of a workspace
/// are given, or kept.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceChange {
    pub name: Option<String>,
    pub login_url: Option<HttpsUrl>,
    pub logo_url: Change<HttpsUrl>,
    pub accent: Change<Accent>,
    pub support_contact: Change<String>,
    pub language: Change<Language>,
}

impl From<WorkspaceWrite> for Result<(), AdminError> {
    fn from(write: WorkspaceWrite) -> Self {
        match write {
            WorkspaceWrite::Done | WorkspaceWrite::Unchanged => Ok(()),
            WorkspaceWrite::Taken => Err(AdminError::WorkspaceTaken),
            WorkspaceWrite::Missing => Err(AdminError::WorkspaceNotFound),
            WorkspaceWrite::HasMembers => Err(AdminError::WorkspaceHasMembers),
        }
    }
}

impl Administration {
    pub async fn admin_create_workspace(
        &self,
        by: &Requester,
        workspace: Workspace,
    ) -> Result<Workspace, AdminError> {
        let record = self.workspace_record(by, AdminAction::CreateWorkspace, &workspace.id);
        self.audited(&record, async {
            deployment_only(by)?;
            Result::from(self.workspaces.create_workspace(&workspace).await?)?;
            Ok((workspace, None))
        })
        .await
    }

    pub async fn admin_update_workspace(
        &self,
        by: &Requester,
        id: &WorkspaceId,
        change: WorkspaceChange,
    ) -> Result<Workspace, AdminError> {
        let record = self.workspace_record(by, AdminAction::UpdateWorkspace, id);
        self.audited(&record, async {
            let before = self.visible_workspace(by, id).await?;
            let after = Workspace {
                id: before.id.clone(),
                name: change.name.clone().unwrap_or(before.name.clone()),
                login_url: change.login_url.clone().unwrap_or(before.login_url.clone()),
                logo_url: change.logo_url.apply(&before.logo_url),
                accent: change.accent.apply(&before.accent),
                support_contact: change.support_contact.apply(&before.support_contact),
                language: change.language.apply(&before.language),
            };
            Result::from(self.workspaces.update_workspace(&after).await?)?;
            Ok((after, None))
        })
        .await
    }

    pub async fn admin_get_workspace(
        &self,
        by: &Requester,
        id: &WorkspaceId,
    ) -> Result<Workspace, AdminError> {
        let record = self.workspace_record(by, AdminAction::GetWorkspace, id);
        self.audited(&record, async { Ok((self.visible_workspace(by, id).await?, None)) }).await
    }

    /// Up to `limit` workspaces by id after `after`.
    pub async fn admin_list_workspaces(
        &self,
        by: &Requester,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Workspace>, AdminError> {
        let action = AdminAction::ListWorkspaces.name();
        let record = self.audit_record(by, action, WORKSPACES_AUDIT_TARGET, None);
        self.audited(&record, async {
            let mut page = self.workspaces.workspaces(after, limit.min(MAX_WORKSPACE_PAGE)).await?;
            // A workspace's administrator lists its own.
            page.items.retain(|w| by.scope.includes(&w.id));
            Ok((page, None))
        })
        .await
    }

    /// Deletes a workspace that has no members left.
    pub async fn admin_delete_workspace(
        &self,
        by: &Requester,
        id: &WorkspaceId,
    ) -> Result<(), AdminError> {
        let record = self.workspace_record(by, AdminAction::DeleteWorkspace, id);
        self.audited(&record, async {
            deployment_only(by)?;
            Result::from(self.workspaces.delete_workspace(id).await?)?;
            Ok(((), None))
        })
        .await
    }

    /// Makes `who` a member of `id` (`join`), or ends its membership: its
    /// account id, or `None` when it was so already.
    pub async fn admin_membership(
        &self,
        by: &Requester,
        id: &WorkspaceId,
        who: &AccountLookup,
        join: bool,
    ) -> Result<Option<String>, AdminError> {
        let (account, target) = self.admin_target(by, who).await?;
        let action = if join { AdminAction::AddMember } else { AdminAction::RemoveMember };
        let record = self.audit_record(by, action.name(), &target, account.as_ref());
        self.audited(&record, async {
            if !by.scope.includes(id) {
                return Err(AdminError::WorkspaceNotFound);
            }
            let account = account.as_ref().ok_or(AdminError::UserNotFound)?;
            // A workspace's administrator deletes an account it leaves in
            // none of them (`delete_user`).
            if !join && !by.scope.is_deployment() && account.workspaces == [id.clone()] {
                return Err(AdminError::NotPermitted);
            }
            let write = match join {
                true => self.workspaces.add_member(id, account).await?,
                false => self.workspaces.remove_member(id, &account.id).await?,
            };
            Result::from(write)?;
            let changed = (write == WorkspaceWrite::Done).then(|| account.id.as_str().to_owned());
            Ok((changed, Some(format!("workspace {id}"))))
        })
        .await
    }

    /// Up to `limit` members of `id` by user id after `after`.
    pub async fn admin_list_members(
        &self,
        by: &Requester,
        id: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Member>, AdminError> {
        let record = self.workspace_record(by, AdminAction::ListMembers, id);
        self.audited(&record, async {
            self.visible_workspace(by, id).await?;
            let page = self.workspaces.members(id, after, limit.min(MAX_WORKSPACE_PAGE)).await?;
            Ok((page, None))
        })
        .await
    }

    /// Sets what `principal` administers: exactly `workspaces` (none: it
    /// administers nothing, whatever `DEPLOYMENT_ADMINISTRATORS` is).
    pub async fn admin_set_scope(
        &self,
        by: &Requester,
        principal: &AdminPrincipal,
        workspaces: &[WorkspaceId],
    ) -> Result<AdminScope, AdminError> {
        let target = principal_audit_target(principal);
        let record = self.audit_record(by, AdminAction::SetAdminScope.name(), &target, None);
        self.audited(&record, async {
            deployment_only(by)?;
            // Its own scope is another administrator's to set: one that
            // narrowed its own could not widen it again.
            if AdminPrincipal::from_arn(&by.caller).as_ref() == Ok(principal) {
                return Err(AdminError::NotPermitted);
            }
            for id in workspaces {
                self.workspaces.workspace(id).await?.ok_or(AdminError::WorkspaceNotFound)?;
            }
            self.workspaces.set_admin_grant(principal, workspaces).await?;
            let detail = Some(format!("{} workspaces", workspaces.len()));
            Ok((AdminScope::workspaces(workspaces.to_vec()), detail))
        })
        .await
    }

    /// What `principal` administers, as a request of it would find.
    pub async fn admin_get_scope(
        &self,
        by: &Requester,
        principal: &AdminPrincipal,
    ) -> Result<AdminScope, AdminError> {
        let target = principal_audit_target(principal);
        let record = self.audit_record(by, AdminAction::GetAdminScope.name(), &target, None);
        self.audited(&record, async {
            deployment_only(by)?;
            let scope = self.requester(principal.as_str(), None, "").await?.scope;
            Ok((scope, None))
        })
        .await
    }

    /// A `pending` record of `action` on workspace `id`, which concerns it.
    fn workspace_record(
        &self,
        by: &Requester,
        action: AdminAction,
        id: &WorkspaceId,
    ) -> AuditRecord {
        let target = workspace_audit_target(id);
        let mut record = self.audit_record(by, action.name(), &target, None);
        record.workspaces = vec![id.clone()];
        record
    }

    /// Workspace `id`, when there is one in the requester's scope.
    async fn visible_workspace(
        &self,
        by: &Requester,
        id: &WorkspaceId,
    ) -> Result<Workspace, AdminError> {
        let workspace = match by.scope.includes(id) {
            true => self.workspaces.workspace(id).await?,
            false => None,
        };
        workspace.ok_or(AdminError::WorkspaceNotFound)
    }

    /// Makes `account` a member of exactly `wanted`; its workspaces after.
    pub(super) async fn join_exactly(
        &self,
        account: &recovery_domain::UserAccount,
        wanted: &[WorkspaceId],
    ) -> Result<Vec<WorkspaceId>, AdminError> {
        for id in wanted.iter().filter(|w| !account.workspaces.contains(w)) {
            Result::from(self.workspaces.add_member(id, account).await?)?;
        }
        for id in account.workspaces.iter().filter(|w| !wanted.contains(w)) {
            self.workspaces.remove_member(id, &account.id).await?;
        }
        let mut now = wanted.to_vec();
        now.sort();
        Ok(now)
    }
}
