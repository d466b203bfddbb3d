//! The administrator's actions on workspaces and their members. A
//! workspace's own actions are audited under `*workspace:<id>*`, a
//! membership's under the account's login; listings under `*workspaces*`.

use super::Administration;
use super::admin::{AdminAction, AdminError};
use super::audit::Requester;
use super::lifecycle::Change;
use crate::ports::{MAX_WORKSPACE_PAGE, Member, Page, WorkspaceWrite};
use recovery_domain::{Accent, AccountLookup, HttpsUrl, Language, Workspace, WorkspaceId};

/// The audit target of the listing of workspaces.
pub const WORKSPACES_AUDIT_TARGET: &str = "*workspaces*";

/// The audit target of workspace `id` (no login looks like it).
pub fn workspace_audit_target(id: &WorkspaceId) -> String {
    format!("*workspace:{id}*")
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
        let target = workspace_audit_target(&workspace.id);
        let record = self.audit_record(by, AdminAction::CreateWorkspace.name(), &target, None);
        self.audited(&record, async {
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
        let target = workspace_audit_target(id);
        let record = self.audit_record(by, AdminAction::UpdateWorkspace.name(), &target, None);
        self.audited(&record, async {
            let before =
                self.workspaces.workspace(id).await?.ok_or(AdminError::WorkspaceNotFound)?;
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
        let target = workspace_audit_target(id);
        let record = self.audit_record(by, AdminAction::GetWorkspace.name(), &target, None);
        self.audited(&record, async {
            let workspace = self.workspaces.workspace(id).await?;
            Ok((workspace.ok_or(AdminError::WorkspaceNotFound)?, None))
        })
        .await
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
            let page = self.workspaces.workspaces(after, limit.min(MAX_WORKSPACE_PAGE)).await?;
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
        let target = workspace_audit_target(id);
        let record = self.audit_record(by, AdminAction::DeleteWorkspace.name(), &target, None);
        self.audited(&record, async {
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
        let (account, target) = self.admin_target(who).await?;
        let action = if join { AdminAction::AddMember } else { AdminAction::RemoveMember };
        let record = self.audit_record(by, action.name(), &target, account.as_ref());
        self.audited(&record, async {
            let account = account.as_ref().ok_or(AdminError::UserNotFound)?;
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
        let target = workspace_audit_target(id);
        let record = self.audit_record(by, AdminAction::ListMembers.name(), &target, None);
        self.audited(&record, async {
            self.workspaces.workspace(id).await?.ok_or(AdminError::WorkspaceNotFound)?;
            let page = self.workspaces.members(id, after, limit.min(MAX_WORKSPACE_PAGE)).await?;
            Ok((page, None))
        })
        .await
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
