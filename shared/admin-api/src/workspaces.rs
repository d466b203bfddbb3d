//! Workspaces in the administrator's events and answers.

use serde::{Deserialize, Serialize};

use crate::Patch;

/// A workspace's fields as `create_workspace` and `update_workspace` give
/// them: absent keeps (or, on creation, leaves out), `null` or `""`
/// removes, a value sets.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceFields {
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub name: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub login_url: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub logo_url: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub accent_color: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub support_contact: Patch,
    #[serde(default, skip_serializing_if = "Patch::is_keep")]
    pub language: Patch,
}

/// A workspace as the administrator sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkspaceEntry {
    pub workspace: String,
    pub name: String,
    pub login_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// A workspace's member, as `list_members` lists it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub login: String,
}

/// What an administrator may act on: `deployment` (everything) or
/// `workspaces` (those listed; none when its grant was emptied).
#[derive(Debug, Serialize, Deserialize)]
pub struct Scope {
    pub principal: String,
    pub scope: String,
    pub workspaces: Vec<String>,
}
