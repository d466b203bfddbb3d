//! The workspace actions' fields, parsed into the domain's types; each
//! refusal names its field.

use recovery_admin_api::{
    AdminRequest, AdminResponse, Done, Member, Patch, Scope, WorkspaceEntry, WorkspaceFields,
};
use recovery_core::flows::{Administration, Change, Requester, WorkspaceChange};
use recovery_core::ports::MAX_WORKSPACE_PAGE;
use recovery_domain::{
    Accent, AdminPrincipal, AdminScope, HttpsUrl, Language, Workspace, WorkspaceError, WorkspaceId,
    workspace_name,
};

use super::{EventError, limit, lookup};

/// Workspaces and members listed when no limit is given.
const DEFAULT_PAGE: u32 = 100;

fn invalid(field: &str, err: WorkspaceError) -> EventError {
    EventError::Invalid(format!("The field `{field}` must be {err}."))
}

fn id(text: &str) -> Result<WorkspaceId, EventError> {
    WorkspaceId::parse(text.trim()).map_err(|e| invalid("workspace", e))
}

/// The ids of a `workspaces` field, each one once.
pub(super) fn ids(texts: &[String]) -> Result<Vec<WorkspaceId>, EventError> {
    let mut ids = Vec::with_capacity(texts.len());
    for text in texts {
        let id = WorkspaceId::parse(text.trim()).map_err(|e| {
            EventError::Invalid(format!(
                "The field `workspaces` holds {text:?}; an id must be {e}."
            ))
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A field of `update_workspace` (or an optional one of creation).
fn change<T>(
    field: &str,
    patch: Patch,
    parse: impl Fn(&str) -> Result<T, WorkspaceError>,
) -> Result<Change<T>, EventError> {
    Ok(match patch {
        Patch::Keep => Change::Keep,
        Patch::Clear => Change::Clear,
        Patch::Set(text) => Change::Set(parse(text.trim()).map_err(|e| invalid(field, e))?),
    })
}

/// A field creation needs and an update may not remove.
fn required<T>(
    field: &str,
    patch: Patch,
    parse: impl Fn(&str) -> Result<T, WorkspaceError>,
) -> Result<Option<T>, EventError> {
    match patch {
        Patch::Keep => Ok(None),
        Patch::Clear => Err(EventError::Invalid(format!("The field `{field}` cannot be removed."))),
        Patch::Set(text) => parse(text.trim()).map(Some).map_err(|e| invalid(field, e)),
    }
}

fn workspace_change(fields: WorkspaceFields) -> Result<WorkspaceChange, EventError> {
    Ok(WorkspaceChange {
        name: required("name", fields.name, workspace_name)?,
        login_url: required("login_url", fields.login_url, HttpsUrl::parse)?,
        logo_url: change("logo_url", fields.logo_url, HttpsUrl::parse)?,
        accent: change("accent_color", fields.accent_color, Accent::parse)?,
        support_contact: change("support_contact", fields.support_contact, |t| Ok(t.to_owned()))?,
        language: match fields.language {
            Patch::Keep => Change::Keep,
            Patch::Clear => Change::Clear,
            Patch::Set(tag) => Change::Set(Language::from_tag(tag.trim()).ok_or_else(|| {
                EventError::Invalid("The field `language` must be en, de or ru.".into())
            })?),
        },
    })
}

fn set<T>(change: Change<T>) -> Option<T> {
    match change {
        Change::Set(value) => Some(value),
        Change::Keep | Change::Clear => None,
    }
}

/// A new workspace from `create_workspace`'s fields.
fn new_workspace(workspace: WorkspaceId, fields: WorkspaceFields) -> Result<Workspace, EventError> {
    // On creation `null` is as good as absent.
    let given = |patch: Patch| if patch == Patch::Clear { Patch::Keep } else { patch };
    let fields =
        WorkspaceFields { name: given(fields.name), login_url: given(fields.login_url), ..fields };
    let change = workspace_change(fields)?;
    let missing = |f: &str| EventError::Invalid(format!("The field `{f}` is required."));
    Ok(Workspace {
        id: workspace,
        name: change.name.ok_or_else(|| missing("name"))?,
        login_url: change.login_url.ok_or_else(|| missing("login_url"))?,
        logo_url: set(change.logo_url),
        accent: set(change.accent),
        support_contact: set(change.support_contact),
        language: set(change.language),
    })
}

pub(super) fn entry(w: &Workspace) -> WorkspaceEntry {
    WorkspaceEntry {
        workspace: w.id.as_str().into(),
        name: w.name.clone(),
        login_url: w.login_url.as_str().into(),
        logo_url: w.logo_url.as_ref().map(|u| u.as_str().into()),
        accent_color: w.accent.map(|a| a.css()),
        support_contact: w.support_contact.clone(),
        language: w.language.map(|l| l.code().into()),
    }
}

/// The IAM principal a `principal` field names.
fn principal(arn: &str) -> Result<AdminPrincipal, EventError> {
    AdminPrincipal::from_arn(arn.trim())
        .map_err(|e| EventError::Invalid(format!("The field `principal` must be {e}.")))
}

fn scope_answer(principal: &AdminPrincipal, scope: &AdminScope) -> Scope {
    let (name, ids) = match scope {
        AdminScope::Deployment => ("deployment", vec![]),
        AdminScope::Workspaces(ids) => ("workspaces", ids.clone()),
    };
    Scope {
        principal: principal.as_str().into(),
        scope: name.into(),
        workspaces: ids.iter().map(|w| w.as_str().into()).collect(),
    }
}

fn page_limit(n: Option<u32>) -> Result<u32, EventError> {
    limit(n, DEFAULT_PAGE, MAX_WORKSPACE_PAGE)
}

/// Runs a workspace action.
pub(super) async fn execute(
    recovery: &Administration,
    by: &Requester,
    request: AdminRequest,
) -> Result<AdminResponse, EventError> {
    Ok(match request {
        AdminRequest::CreateWorkspace { workspace, fields } => {
            let workspace = new_workspace(id(&workspace)?, fields)?;
            let created = recovery.admin_create_workspace(by, workspace).await?;
            AdminResponse::Done(Done::WorkspaceCreated { workspace: entry(&created) })
        }
        AdminRequest::UpdateWorkspace { workspace, fields } => {
            if fields == WorkspaceFields::default() {
                return Err(EventError::Invalid("Give at least one field to change.".into()));
            }
            let change = workspace_change(fields)?;
            let updated = recovery.admin_update_workspace(by, &id(&workspace)?, change).await?;
            AdminResponse::Done(Done::WorkspaceUpdated { workspace: entry(&updated) })
        }
        AdminRequest::GetWorkspace { workspace } => AdminResponse::Workspace {
            workspace: entry(&recovery.admin_get_workspace(by, &id(&workspace)?).await?),
        },
        AdminRequest::ListWorkspaces { after, limit } => {
            let page =
                recovery.admin_list_workspaces(by, after.as_deref(), page_limit(limit)?).await?;
            AdminResponse::Workspaces {
                workspaces: page.items.iter().map(entry).collect(),
                next: page.next,
            }
        }
        AdminRequest::DeleteWorkspace { workspace } => {
            recovery.admin_delete_workspace(by, &id(&workspace)?).await?;
            AdminResponse::Done(Done::WorkspaceDeleted { workspace })
        }
        AdminRequest::AddMember { workspace, login } => {
            match recovery.admin_membership(by, &id(&workspace)?, &lookup(&login)?, true).await? {
                Some(user_id) => AdminResponse::Done(Done::MemberAdded { workspace, user_id }),
                None => AdminResponse::Done(Done::Unchanged),
            }
        }
        AdminRequest::RemoveMember { workspace, login } => {
            match recovery.admin_membership(by, &id(&workspace)?, &lookup(&login)?, false).await? {
                Some(user_id) => AdminResponse::Done(Done::MemberRemoved { workspace, user_id }),
                None => AdminResponse::Done(Done::Unchanged),
            }
        }
        AdminRequest::ListMembers { workspace, after, limit } => {
            let (w, n) = (id(&workspace)?, page_limit(limit)?);
            let page = recovery.admin_list_members(by, &w, after.as_deref(), n).await?;
            AdminResponse::Members {
                members: (page.items.iter())
                    .map(|m| Member { user_id: m.user_id.as_str().into(), login: m.login.clone() })
                    .collect(),
                next: page.next,
            }
        }
        AdminRequest::SetAdminScope { principal, workspaces } => {
            let (who, ids) = (self::principal(&principal)?, ids(&workspaces)?);
            let scope = recovery.admin_set_scope(by, &who, &ids).await?;
            AdminResponse::Done(Done::ScopeSet(scope_answer(&who, &scope)))
        }
        AdminRequest::GetAdminScope { principal } => {
            let who = self::principal(&principal)?;
            AdminResponse::Scope(scope_answer(&who, &recovery.admin_get_scope(by, &who).await?))
        }
        _ => return Err(EventError::Invalid("Not a workspace action.".into())),
    })
}
