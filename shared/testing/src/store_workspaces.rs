//! Workspaces and memberships in memory, as the DynamoDB store keeps them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use recovery_core::ports::{
    DependencyError, MAX_WORKSPACES_READ, Member, Page, WorkspaceDirectory, WorkspaceStore,
    WorkspaceWrite,
};
use recovery_domain::{AdminPrincipal, UserAccount, UserId, Workspace, WorkspaceId};

use super::store::InMemoryStore;

/// The workspaces, and each one's members by user id.
#[derive(Default)]
pub(super) struct Workspaces {
    pub(super) all: BTreeMap<WorkspaceId, Workspace>,
    /// Each workspace's members: user id, login.
    pub(super) members: BTreeMap<WorkspaceId, BTreeMap<String, String>>,
    /// The administrators' grants.
    pub(super) grants: BTreeMap<AdminPrincipal, Vec<WorkspaceId>>,
}

impl Workspaces {
    /// Ends every membership of `user` (its account is gone).
    pub(super) fn forget(&mut self, user: &UserId) {
        for members in self.members.values_mut() {
            members.remove(user.as_str());
        }
    }
}

/// Up to `limit` of `keys` after `after`, and the next page's start.
fn page<T>(keys: impl Iterator<Item = (String, T)>, after: Option<&str>, limit: u32) -> Page<T> {
    let mut rest = keys.filter(|(k, _)| after.is_none_or(|a| k.as_str() > a)).peekable();
    let mut items = Vec::new();
    let mut last = None;
    while items.len() < limit as usize {
        let Some((key, item)) = rest.next() else { break };
        last = Some(key);
        items.push(item);
    }
    Page { items, next: rest.peek().and(last) }
}

#[async_trait]
impl WorkspaceDirectory for InMemoryStore {
    async fn workspace(&self, id: &WorkspaceId) -> Result<Option<Workspace>, DependencyError> {
        Ok(self.guard("get_workspace")?.workspaces.all.get(id).cloned())
    }

    async fn workspaces_by_id(
        &self,
        ids: &[WorkspaceId],
    ) -> Result<Vec<Workspace>, DependencyError> {
        let state = self.guard("get_workspaces")?;
        let ids = ids.iter().take(MAX_WORKSPACES_READ);
        Ok(ids.filter_map(|id| state.workspaces.all.get(id).cloned()).collect())
    }
}

#[async_trait]
impl WorkspaceStore for InMemoryStore {
    async fn create_workspace(
        &self,
        workspace: &Workspace,
    ) -> Result<WorkspaceWrite, DependencyError> {
        let mut state = self.guard("create_workspace")?;
        if state.workspaces.all.contains_key(&workspace.id) {
            return Ok(WorkspaceWrite::Taken);
        }
        state.workspaces.all.insert(workspace.id.clone(), workspace.clone());
        Ok(WorkspaceWrite::Done)
    }

    async fn update_workspace(
        &self,
        workspace: &Workspace,
    ) -> Result<WorkspaceWrite, DependencyError> {
        let mut state = self.guard("update_workspace")?;
        match state.workspaces.all.get_mut(&workspace.id) {
            Some(stored) => {
                *stored = workspace.clone();
                Ok(WorkspaceWrite::Done)
            }
            None => Ok(WorkspaceWrite::Missing),
        }
    }

    async fn workspaces(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Workspace>, DependencyError> {
        let state = self.guard("list_workspaces")?;
        let all = state.workspaces.all.values().map(|w| (w.id.as_str().to_owned(), w.clone()));
        Ok(page(all, after, limit))
    }

    async fn delete_workspace(&self, id: &WorkspaceId) -> Result<WorkspaceWrite, DependencyError> {
        let mut state = self.guard("delete_workspace")?;
        if !state.workspaces.all.contains_key(id) {
            return Ok(WorkspaceWrite::Missing);
        }
        if state.workspaces.members.get(id).is_some_and(|m| !m.is_empty()) {
            return Ok(WorkspaceWrite::HasMembers);
        }
        state.workspaces.all.remove(id);
        state.workspaces.members.remove(id);
        Ok(WorkspaceWrite::Done)
    }

    async fn add_member(
        &self,
        id: &WorkspaceId,
        user: &UserAccount,
    ) -> Result<WorkspaceWrite, DependencyError> {
        let mut state = self.guard("add_member")?;
        if !state.workspaces.all.contains_key(id) || !state.users.contains_key(&user.id) {
            return Ok(WorkspaceWrite::Missing);
        }
        let members = state.workspaces.members.entry(id.clone()).or_default();
        let login = user.login.as_str().to_owned();
        if members.insert(user.id.as_str().to_owned(), login).is_some() {
            return Ok(WorkspaceWrite::Unchanged);
        }
        if let Some(account) = state.users.get_mut(&user.id) {
            account.workspaces.push(id.clone());
            account.workspaces.sort();
        }
        Ok(WorkspaceWrite::Done)
    }

    async fn remove_member(
        &self,
        id: &WorkspaceId,
        user: &UserId,
    ) -> Result<WorkspaceWrite, DependencyError> {
        let mut state = self.guard("remove_member")?;
        let removed =
            state.workspaces.members.get_mut(id).is_some_and(|m| m.remove(user.as_str()).is_some());
        if let Some(account) = state.users.get_mut(user) {
            account.workspaces.retain(|w| w != id);
        }
        Ok(if removed { WorkspaceWrite::Done } else { WorkspaceWrite::Unchanged })
    }

    async fn members(
        &self,
        id: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Member>, DependencyError> {
        let state = self.guard("list_members")?;
        let members = state.workspaces.members.get(id).into_iter().flatten();
        let members = members.map(|(user, login)| {
            (user.clone(), Member { user_id: UserId::from_stored(user), login: login.clone() })
        });
        Ok(page(members, after, limit))
    }

    async fn admin_grant(
        &self,
        principal: &AdminPrincipal,
    ) -> Result<Option<Vec<WorkspaceId>>, DependencyError> {
        Ok(self.guard("get_admin_grant")?.workspaces.grants.get(principal).cloned())
    }

    async fn set_admin_grant(
        &self,
        principal: &AdminPrincipal,
        workspaces: &[WorkspaceId],
    ) -> Result<(), DependencyError> {
        let mut ids = workspaces.to_vec();
        ids.sort();
        ids.dedup();
        self.guard("set_admin_grant")?.workspaces.grants.insert(principal.clone(), ids);
        Ok(())
    }
}
