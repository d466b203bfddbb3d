//! Workspaces and memberships on the table:
//!
//! | item | `pk` | `sk` | other attributes |
//! |------|------|------|------------------|
//! | workspace | `WORKSPACES#` | `<id>` | `display_name`, `login_url`, `logo_url`, `accent`, `support_contact`, `default_language`, `member_count` |
//! | member | `MEMBERS#<id>` | `<user id>` | `login` (listings need no other read) |
//! | administrator's grant | `ADMINS#` | `<principal>` | `workspaces` (absent: none) |
//!
//! and on the account item, `workspaces`: the set of its workspaces' ids,
//! so that whatever reads an account (a flow, an event) has them. All
//! workspaces share one partition: a listing is one Query, and a
//! deployment has far fewer workspaces than a partition holds. A member,
//! the account's set and the workspace's `member_count` are written
//! together, so that a workspace with members is not deleted.

use aws_sdk_dynamodb::types::AttributeValue;
use recovery_core::ports::{DependencyError, Member};
use recovery_domain::{
    Accent, AdminPrincipal, HttpsUrl, Language, UserAccount, UserId, Workspace, WorkspaceId,
};

use super::*;

/// The account item's set of workspace ids.
pub(in crate::dynamodb) const WORKSPACES_ATTRIBUTE: &str = "workspaces";
const DISPLAY_NAME: &str = "display_name";
const LOGIN_URL: &str = "login_url";
const LOGO_URL: &str = "logo_url";
const ACCENT: &str = "accent";
const SUPPORT_CONTACT: &str = "support_contact";
const DEFAULT_LANGUAGE: &str = "default_language";
/// The partition of every workspace.
pub(in crate::dynamodb) const WORKSPACES: &str = "WORKSPACES#";
/// The partition of every administrator's grant.
const ADMINS: &str = "ADMINS#";

pub(in crate::dynamodb) fn grant_key(principal: &AdminPrincipal) -> Item {
    key(ADMINS.to_owned(), principal.as_str())
}

/// A grant of `ids` to `principal`, whole (a set cannot be empty: none is
/// no attribute).
pub(in crate::dynamodb) fn grant_item(principal: &AdminPrincipal, ids: &[WorkspaceId]) -> Item {
    let mut item = grant_key(principal);
    item.insert(KIND.into(), s("admin_grant"));
    if !ids.is_empty() {
        item.insert(WORKSPACES_ATTRIBUTE.into(), workspace_set(ids));
    }
    item
}

pub(in crate::dynamodb) fn workspace_key(id: &WorkspaceId) -> Item {
    key(WORKSPACES.to_owned(), id.as_str())
}

pub(in crate::dynamodb) fn member_key(id: &WorkspaceId, user: &UserId) -> Item {
    key(member_partition(id), user.as_str())
}

pub(in crate::dynamodb) fn member_partition(id: &WorkspaceId) -> String {
    format!("MEMBERS#{id}")
}

/// The member an item of a workspace's member partition names.
pub(in crate::dynamodb) fn member_of(item: &Item) -> Option<Member> {
    Some(Member {
        user_id: UserId::from_stored(get_s(item, SK)?),
        login: get_s(item, LOGIN)?.to_owned(),
    })
}

pub(in crate::dynamodb) fn member_item(id: &WorkspaceId, user: &UserAccount) -> Item {
    let mut item = member_key(id, &user.id);
    item.insert(KIND.into(), s("member"));
    item.insert(LOGIN.into(), s(user.login.as_str()));
    item
}

/// The workspace's details as an update: set what it has, remove what it
/// has not; `member_count` stays.
pub(in crate::dynamodb) fn workspace_details(
    w: &Workspace,
) -> (String, Vec<(String, AttributeValue)>) {
    let text = [
        (DISPLAY_NAME, Some(w.name.clone())),
        (LOGIN_URL, Some(w.login_url.as_str().to_owned())),
        (LOGO_URL, w.logo_url.as_ref().map(|u| u.as_str().to_owned())),
        (ACCENT, w.accent.map(|a| a.css())),
        (SUPPORT_CONTACT, w.support_contact.clone()),
        (DEFAULT_LANGUAGE, w.language.map(|l| l.code().to_owned())),
    ];
    let (mut set, mut remove, mut values) = (vec![format!("{KIND} = :kind")], vec![], vec![]);
    values.push((":kind".to_owned(), s("workspace")));
    for (name, value) in text {
        match value {
            Some(value) => {
                set.push(format!("{name} = :{name}"));
                values.push((format!(":{name}"), s(value)));
            }
            None => remove.push(name),
        }
    }
    let mut update = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    (update, values)
}

pub(in crate::dynamodb) fn workspace_from_item(item: &Item) -> Result<Workspace, DependencyError> {
    const OP: &str = "read_workspace";
    let text = |name: &str| get_s(item, name);
    let id = text(SK).and_then(|id| WorkspaceId::parse(id).ok()).ok_or(corrupt(OP))?;
    let login_url = text(LOGIN_URL).and_then(|u| HttpsUrl::parse(u).ok()).ok_or(corrupt(OP))?;
    Ok(Workspace {
        id,
        name: text(DISPLAY_NAME).ok_or(corrupt(OP))?.to_owned(),
        login_url,
        logo_url: text(LOGO_URL).and_then(|u| HttpsUrl::parse(u).ok()),
        accent: text(ACCENT).and_then(|a| Accent::parse(a).ok()),
        support_contact: text(SUPPORT_CONTACT).map(str::to_owned),
        language: text(DEFAULT_LANGUAGE).and_then(Language::from_tag),
    })
}

/// `ids` as a set (each once: DynamoDB refuses a set with repeats).
pub(in crate::dynamodb) fn workspace_set(ids: &[WorkspaceId]) -> AttributeValue {
    let ids: std::collections::BTreeSet<&str> = ids.iter().map(WorkspaceId::as_str).collect();
    AttributeValue::Ss(ids.into_iter().map(str::to_owned).collect())
}

/// The account item's workspaces, by id.
pub(in crate::dynamodb) fn workspaces_of(item: &Item) -> Vec<WorkspaceId> {
    let mut ids: Vec<WorkspaceId> = (item.get(WORKSPACES_ATTRIBUTE).and_then(|v| v.as_ss().ok()))
        .into_iter()
        .flatten()
        .filter_map(|id| WorkspaceId::parse(id).ok())
        .collect();
    ids.sort();
    ids
}

/// Conditions and updates of the workspace item.
pub(in crate::dynamodb) mod workspace_expr {
    /// No members (a count never written is none).
    pub const NO_MEMBERS: &str =
        "attribute_exists(pk) AND (attribute_not_exists(member_count) OR member_count = :zero)";
    pub const COUNT_MEMBER: &str = "ADD member_count :change";
    /// The account joins, or leaves, the workspaces in `:set`.
    pub const JOIN: &str = "ADD workspaces :set";
    /// An account in no workspace, or in exactly `:set`.
    pub const IN_NO_WORKSPACE: &str = "attribute_exists(pk) AND attribute_not_exists(workspaces)";
    pub const IN_WORKSPACES: &str = "attribute_exists(pk) AND workspaces = :set";
    pub const LEAVE: &str = "DELETE workspaces :set";
    pub const AFTER: &str = "pk = :pk AND sk > :after";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_round_trips_and_its_absent_fields_are_removed() {
        let workspace = Workspace {
            id: WorkspaceId::parse("acme").unwrap(),
            name: "Acme".into(),
            login_url: HttpsUrl::parse("https://acme.example/login").unwrap(),
            logo_url: None,
            accent: Some(Accent::parse("#1f5fbf").unwrap()),
            support_contact: Some("mailto:help@acme.example".into()),
            language: Some(Language::German),
        };
        let (update, values) = workspace_details(&workspace);
        assert!(update.ends_with(" REMOVE logo_url"), "{update}");
        let mut item = workspace_key(&workspace.id);
        for (name, value) in values {
            item.insert(name.trim_start_matches(':').to_owned(), value);
        }
        assert_eq!(workspace_from_item(&item).unwrap(), workspace);
    }
}
