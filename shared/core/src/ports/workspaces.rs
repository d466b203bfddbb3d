//! Workspaces and who belongs to them. One page of a workspace's members is
//! one read, whatever the store holds; an account's workspaces come with
//! the account (`UserAccount::workspaces`).

use async_trait::async_trait;
use recovery_domain::{AdminPrincipal, UserAccount, UserId, Workspace, WorkspaceId};

use super::DependencyError;

/// Workspaces listed in one page, at most; and members.
pub const MAX_WORKSPACE_PAGE: u32 = 1000;

/// One page of a listing, and where the next one starts (none: the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The key of the last item listed, to pass as `after`.
    pub next: Option<String>,
}

/// A workspace's member, as its listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub login: String,
}

/// What a change of workspaces or memberships did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceWrite {
    Done,
    /// The membership was there already, or was not there to remove.
    Unchanged,
    /// A workspace with this id exists.
    Taken,
    /// No workspace has this id.
    Missing,
    /// The workspace still has members.
    HasMembers,
}

/// The workspaces as the self-service flows read them: to speak for one on
/// a page or in a message, and to list an account's **Log in** buttons.
#[async_trait]
pub trait WorkspaceDirectory: Send + Sync {
    async fn workspace(&self, id: &WorkspaceId) -> Result<Option<Workspace>, DependencyError>;
    /// Those of `ids` that are there, in no set order: one read (at most
    /// [`MAX_WORKSPACES_READ`] ids; the rest are not read).
    async fn workspaces_by_id(
        &self,
        ids: &[WorkspaceId],
    ) -> Result<Vec<Workspace>, DependencyError>;
}

/// Workspaces read at once, at most (DynamoDB's BatchGetItem reads 100).
pub const MAX_WORKSPACES_READ: usize = 100;

#[async_trait]
pub trait WorkspaceStore: WorkspaceDirectory + Send + Sync {
    /// Stores a new workspace (`Taken` when the id is).
    async fn create_workspace(
        &self,
        workspace: &Workspace,
    ) -> Result<WorkspaceWrite, DependencyError>;
    /// Replaces an existing workspace's details (`Missing` when none).
    async fn update_workspace(
        &self,
        workspace: &Workspace,
    ) -> Result<WorkspaceWrite, DependencyError>;
    /// Up to `limit` workspaces by id, after `after`.
    async fn workspaces(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Workspace>, DependencyError>;
    /// Deletes a workspace without members (`HasMembers`, `Missing`).
    async fn delete_workspace(&self, id: &WorkspaceId) -> Result<WorkspaceWrite, DependencyError>;
    /// Makes `user` a member (`Missing` when the workspace is not there,
    /// `Unchanged` when it is a member already).
    async fn add_member(
        &self,
        id: &WorkspaceId,
        user: &UserAccount,
    ) -> Result<WorkspaceWrite, DependencyError>;
    /// Ends `user`'s membership (`Unchanged` when it was none).
    async fn remove_member(
        &self,
        id: &WorkspaceId,
        user: &UserId,
    ) -> Result<WorkspaceWrite, DependencyError>;
    /// Up to `limit` members of `id` by user id, after `after`: one read.
    async fn members(
        &self,
        id: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Member>, DependencyError>;
    /// The workspaces a grant lets `principal` administer (sorted; none
    /// when it was emptied), or `None` when no grant names it: one read.
    async fn admin_grant(
        &self,
        principal: &AdminPrincipal,
    ) -> Result<Option<Vec<WorkspaceId>>, DependencyError>;
    /// Makes `principal`'s grant exactly `workspaces`. A grant is never
    /// deleted: emptied, it still says its principal administers nothing.
    async fn set_admin_grant(
        &self,
        principal: &AdminPrincipal,
        workspaces: &[WorkspaceId],
    ) -> Result<(), DependencyError>;
}
