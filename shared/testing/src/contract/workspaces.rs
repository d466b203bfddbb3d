//! Workspaces and memberships.

use std::sync::Arc;

use recovery_core::ports::{
    AccountLifecycle, CreateAccountError, Member, Store, WorkspaceWrite, Written,
};
use recovery_domain::{
    Accent, AdminPrincipal, HttpsUrl, Language, LoginName, NewAccount, Timestamp, UserAccount,
    UserId, Workspace, WorkspaceId,
};

use super::T0;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_epoch_seconds(seconds)
}

use crate::TestAccount;

fn workspace(id: &str) -> Workspace {
    Workspace {
        id: WorkspaceId::parse(id).unwrap(),
        name: format!("Company {id}"),
        login_url: HttpsUrl::parse(&format!("https://{id}.example/login")).unwrap(),
        logo_url: None,
        accent: None,
        support_contact: None,
        language: None,
    }
}

async fn member(store: &impl Store, login: &str) -> UserAccount {
    TestAccount::new(login).email(&format!("{login}@example.com")).create_in(store).await
}

/// The workspaces of account `id`, as reading the account gives them.
async fn workspaces_of(store: &impl Store, id: &UserId) -> Vec<WorkspaceId> {
    store.get(id).await.unwrap().map(|a| a.workspaces).unwrap_or_default()
}

fn listed(user: &UserAccount) -> Member {
    Member { user_id: user.id.clone(), login: user.login.as_str().to_owned() }
}

pub async fn workspaces_are_created_once_updated_listed_by_page_and_deleted_only_without_members(
    store: Arc<impl Store>,
) {
    let acme = workspace("acme");
    assert_eq!(store.create_workspace(&acme).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.create_workspace(&acme).await.unwrap(), WorkspaceWrite::Taken);
    let branded = Workspace {
        name: "Acme GmbH".into(),
        logo_url: Some(HttpsUrl::parse("https://acme.example/logo.png").unwrap()),
        accent: Some(Accent::parse("#1f5fbf").unwrap()),
        support_contact: Some("mailto:help@acme.example".into()),
        language: Some(Language::German),
        ..acme.clone()
    };
    assert_eq!(store.update_workspace(&branded).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.workspace(&acme.id).await.unwrap(), Some(branded.clone()));
    // Back to fewer details: what is left out is gone.
    assert_eq!(store.update_workspace(&acme).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.workspace(&acme.id).await.unwrap(), Some(acme.clone()));
    assert_eq!(
        store.update_workspace(&workspace("nowhere")).await.unwrap(),
        WorkspaceWrite::Missing
    );

    for id in ["beta", "gamma", "delta"] {
        store.create_workspace(&workspace(id)).await.unwrap();
    }
    let first = store.workspaces(None, 3).await.unwrap();
    let ids: Vec<&str> = first.items.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, ["acme", "beta", "delta"]);
    let rest = store.workspaces(first.next.as_deref(), 3).await.unwrap();
    assert_eq!(rest.items, [workspace("gamma")]);
    assert_eq!(rest.next, None);

    let ada = member(&*store, "ada").await;
    assert_eq!(store.add_member(&acme.id, &ada).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.delete_workspace(&acme.id).await.unwrap(), WorkspaceWrite::HasMembers);
    assert_eq!(store.remove_member(&acme.id, &ada.id).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.delete_workspace(&acme.id).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.workspace(&acme.id).await.unwrap(), None);
    assert_eq!(store.delete_workspace(&acme.id).await.unwrap(), WorkspaceWrite::Missing);
}

pub async fn an_account_in_two_workspaces_is_a_member_of_each_once(store: Arc<impl Store>) {
    let (a, b) = (workspace("a"), workspace("b"));
    for w in [&a, &b] {
        store.create_workspace(w).await.unwrap();
    }
    let ada = member(&*store, "ada").await;
    for w in [&a, &b] {
        assert_eq!(store.add_member(&w.id, &ada).await.unwrap(), WorkspaceWrite::Done);
    }
    assert_eq!(store.add_member(&a.id, &ada).await.unwrap(), WorkspaceWrite::Unchanged);
    assert_eq!(workspaces_of(&*store, &ada.id).await, [a.id.clone(), b.id.clone()]);
    for w in [&a, &b] {
        assert_eq!(store.members(&w.id, None, 10).await.unwrap().items, [listed(&ada)]);
    }
    // Nobody joins a workspace that is not there, and no account that is not.
    let nowhere = WorkspaceId::parse("nowhere").unwrap();
    assert_eq!(store.add_member(&nowhere, &ada).await.unwrap(), WorkspaceWrite::Missing);
    let ghost =
        UserAccount { id: recovery_domain::UserId::from_stored("no-such-account"), ..ada.clone() };
    assert_eq!(store.add_member(&a.id, &ghost).await.unwrap(), WorkspaceWrite::Missing);
    assert!(store.members(&nowhere, None, 10).await.unwrap().items.is_empty());

    assert_eq!(store.remove_member(&a.id, &ada.id).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.remove_member(&a.id, &ada.id).await.unwrap(), WorkspaceWrite::Unchanged);
    assert_eq!(workspaces_of(&*store, &ada.id).await, std::slice::from_ref(&b.id));
    // The count followed: the emptied workspace goes, the other stays.
    assert_eq!(store.delete_workspace(&a.id).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.delete_workspace(&b.id).await.unwrap(), WorkspaceWrite::HasMembers);
}

pub async fn members_are_listed_a_page_at_a_time(store: Arc<impl Store>) {
    let acme = workspace("acme");
    store.create_workspace(&acme).await.unwrap();
    let mut all = Vec::new();
    for n in 0..5 {
        let user = member(&*store, &format!("user{n}")).await;
        store.add_member(&acme.id, &user).await.unwrap();
        all.push(user.id.as_str().to_owned());
    }
    all.sort();
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store.members(&acme.id, after.as_deref(), 2).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|m| m.user_id.as_str().to_owned()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert!(pages <= 4, "{pages} pages for five members two at a time");
}

pub async fn deleting_an_account_ends_its_memberships(store: Arc<impl Store>) {
    let (a, b) = (workspace("a"), workspace("b"));
    for w in [&a, &b] {
        store.create_workspace(w).await.unwrap();
    }
    let ada = TestAccount::new("ada").email("ada@example.com").create_in(&*store).await;
    let bob = member(&*store, "bob").await;
    for w in [&a, &b] {
        store.add_member(&w.id, &ada).await.unwrap();
    }
    store.add_member(&b.id, &bob).await.unwrap();
    // As read before it joined: stale, nothing goes.
    assert_eq!(AccountLifecycle::delete(&*store, &ada, &[]).await.unwrap(), Written::Stale);
    let ada = store.get(&ada.id).await.unwrap().expect("still there");
    assert_eq!(ada.workspaces, [a.id.clone(), b.id.clone()]);
    assert_eq!(AccountLifecycle::delete(&*store, &ada, &[]).await.unwrap(), Written::Done);
    assert!(workspaces_of(&*store, &ada.id).await.is_empty());
    assert!(store.members(&a.id, None, 10).await.unwrap().items.is_empty());
    assert_eq!(store.members(&b.id, None, 10).await.unwrap().items, [listed(&bob)]);
    assert_eq!(store.delete_workspace(&a.id).await.unwrap(), WorkspaceWrite::Done);
    assert_eq!(store.delete_workspace(&b.id).await.unwrap(), WorkspaceWrite::HasMembers);
}

pub async fn an_account_created_with_workspaces_joins_them_or_is_not_created(
    store: Arc<impl Store>,
) {
    let (a, b) = (workspace("a"), workspace("b"));
    for w in [&a, &b] {
        store.create_workspace(w).await.unwrap();
    }
    let new = |login: &str, workspaces: &[&Workspace]| NewAccount {
        workspaces: workspaces.iter().map(|w| w.id.clone()).collect(),
        ..TestAccount::new(login).email(&format!("{login}@example.com")).new_account()
    };
    let id = |n: &str| UserId::from_stored(n);
    let ada = store.create(new("ada", &[&a, &b]), id("u-ada"), at(T0)).await.unwrap();
    assert_eq!(workspaces_of(&*store, &ada.id).await, [a.id.clone(), b.id.clone()]);
    assert_eq!(store.members(&b.id, None, 10).await.unwrap().items, [listed(&ada)]);

    // A workspace that is not there: no account, no membership, no count.
    let nowhere = workspace("nowhere");
    let refused = store.create(new("bob", &[&a, &nowhere]), id("u-bob"), at(T0)).await;
    assert!(matches!(refused, Err(CreateAccountError::WorkspaceMissing)), "{refused:?}");
    assert!(store.find_by_login(&LoginName::parse("bob").unwrap()).await.unwrap().is_none());
    assert_eq!(store.members(&a.id, None, 10).await.unwrap().items, [listed(&ada)]);
    assert_eq!(AccountLifecycle::delete(&*store, &ada, &[]).await.unwrap(), Written::Done);
    assert_eq!(store.delete_workspace(&a.id).await.unwrap(), WorkspaceWrite::Done);
}

/// A workspace's administrator deleting a member: its membership of the
/// administrator's workspace ends; with the last one, the account goes, as
/// read (one that joined another meanwhile stays).
pub async fn the_last_memberships_removal_deletes_the_account(store: Arc<impl Store>) {
    let (a, b) = (workspace("a"), workspace("b"));
    for w in [&a, &b] {
        store.create_workspace(w).await.unwrap();
    }
    let ada = member(&*store, "ada").await;
    for w in [&a, &b] {
        store.add_member(&w.id, &ada).await.unwrap();
    }
    let ada = store.get(&ada.id).await.unwrap().unwrap();
    assert_eq!(store.remove_member(&a.id, &ada.id).await.unwrap(), WorkspaceWrite::Done);
    let left = store.get(&ada.id).await.unwrap().expect("a member of b still");
    assert_eq!(left.workspaces, std::slice::from_ref(&b.id));
    assert!(store.members(&a.id, None, 10).await.unwrap().items.is_empty());
    // Read in b only, and in b only still: the last membership goes with it.
    assert_eq!(AccountLifecycle::delete(&*store, &ada, &[]).await.unwrap(), Written::Stale);
    assert_eq!(AccountLifecycle::delete(&*store, &left, &[]).await.unwrap(), Written::Done);
    assert!(store.get(&ada.id).await.unwrap().is_none());
    assert!(store.members(&b.id, None, 10).await.unwrap().items.is_empty());
    for w in [&a, &b] {
        assert_eq!(store.delete_workspace(&w.id).await.unwrap(), WorkspaceWrite::Done);
    }
}

/// An administrator's grant: none until set, exactly what was set after
/// (sorted, once each), and emptied rather than gone.
pub async fn administrators_grants_are_set_exactly_and_emptied_not_deleted(store: Arc<impl Store>) {
    let role = AdminPrincipal::from_arn("arn:aws:iam::123456789012:role/acme-admins").unwrap();
    let user = AdminPrincipal::from_arn("arn:aws:iam::123456789012:user/ops").unwrap();
    assert_eq!(store.admin_grant(&role).await.unwrap(), None);
    let (a, b) = (WorkspaceId::parse("a").unwrap(), WorkspaceId::parse("b").unwrap());
    store.set_admin_grant(&role, &[b.clone(), a.clone(), b.clone()]).await.unwrap();
    assert_eq!(store.admin_grant(&role).await.unwrap(), Some(vec![a.clone(), b.clone()]));
    assert_eq!(store.admin_grant(&user).await.unwrap(), None);
    store.set_admin_grant(&role, std::slice::from_ref(&b)).await.unwrap();
    assert_eq!(store.admin_grant(&role).await.unwrap(), Some(vec![b]));
    store.set_admin_grant(&role, &[]).await.unwrap();
    assert_eq!(store.admin_grant(&role).await.unwrap(), Some(vec![]));
}
