//! Workspaces and memberships on the table:
//!
//! | item | `pk` | `sk` | other attributes |
//! |------|------|------|------------------|
//! | workspace | `WORKSPACES#` | `<id>` | `display_name`, `login_url`, `logo_url`, `accent`, `support_contact`, `default_language`, `member_count` |
//! | member, by workspace | `MEMBERS#<id>` | `<user id>` | `login` (listings need no other read) |
//! | membership, by account | `USER#<user id>` | `MEMBER#<id>` | |
//!
//! All workspaces share one partition: a listing is one Query, and a
//! deployment has far fewer workspaces than a partition holds. A member
//! and its membership are written together, with the workspace's
//! `member_count`, so that a workspace with members is not deleted.

use aws_sdk_dynamodb::types::AttributeValue;
use recovery_core::ports::{DependencyError, Member};
use recovery_domain::{Accent, HttpsUrl, Language, UserAccount, UserId, Workspace, WorkspaceId};

use super::*;

const DISPLAY_NAME: &str = "display_name";
const LOGIN_URL: &str = "login_url";
const LOGO_URL: &str = "logo_url";
const ACCENT: &str = "accent";
const SUPPORT_CONTACT: &str = "support_contact";
const DEFAULT_LANGUAGE: &str = "default_language";
/// The partition of every workspace.
pub(in crate::dynamodb) const WORKSPACES: &str = "WORKSPACES#";
/// The sort-key prefix of an account's memberships.
pub(in crate::dynamodb) const MEMBERSHIP_PREFIX: &str = "MEMBER#";

pub(in crate::dynamodb) fn workspace_key(id: &WorkspaceId) -> Item {
    key(WORKSPACES.to_owned(), id.as_str())
}

pub(in crate::dynamodb) fn member_key(id: &WorkspaceId, user: &UserId) -> Item {
    key(member_partition(id), user.as_str())
}

pub(in crate::dynamodb) fn member_partition(id: &WorkspaceId) -> String {
    format!("MEMBERS#{id}")
}

pub(in crate::dynamodb) fn membership_key(id: &WorkspaceId, user: &UserId) -> Item {
    key(format!("USER#{user}"), &format!("{MEMBERSHIP_PREFIX}{id}"))
}

pub(in crate::dynamodb) fn user_partition(user: &UserId) -> String {
    format!("USER#{user}")
}

/// The workspace a membership item names.
pub(in crate::dynamodb) fn membership_of(item: &Item) -> Option<WorkspaceId> {
    get_s(item, SK)?.strip_prefix(MEMBERSHIP_PREFIX).and_then(|id| WorkspaceId::parse(id).ok())
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

pub(in crate::dynamodb) fn membership_item(id: &WorkspaceId, user: &UserId) -> Item {
    let mut item = membership_key(id, user);
    item.insert(KIND.into(), s("membership"));
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

/// Conditions and updates of the workspace item.
pub(in crate::dynamodb) mod workspace_expr {
    /// No members (a count never written is none).
    pub const NO_MEMBERS: &str =
        "attribute_exists(pk) AND (attribute_not_exists(member_count) OR member_count = :zero)";
    pub const COUNT_MEMBER: &str = "ADD member_count :change";
    /// The sort keys of one account's memberships.
    pub const MEMBERSHIPS: &str = "pk = :pk AND begins_with(sk, :prefix)";
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
