//! The administrator's workspace actions through their JSON event over the
//! in-memory ports.

use recovery_core::ports::AuditLog;
use recovery_edges::admin_event;
use recovery_testing::{TestAccount, World};
use serde_json::{Value, json};

const ADMIN: &str = "arn:aws:iam::123456789012:user/root";

async fn run(w: &World, event: Value) -> Value {
    w.clock.advance(1);
    admin_event::handle(&w.recovery, &event, ADMIN, "req").await
}

/// Creates workspace `id`, with acme's details.
async fn create(w: &World, id: &str) {
    let mut event = acme();
    event["workspace"] = json!(id);
    assert_eq!(run(w, event).await["status"], "workspace_created");
}

fn acme() -> Value {
    json!({
        "action": "create_workspace", "workspace": "acme", "name": " Acme GmbH ",
        "login_url": "https://acme.example/login", "accent_color": "#1F5FBF",
        "logo_url": "https://acme.example/logo.png", "language": "de",
    })
}

#[tokio::test]
async fn a_workspace_is_created_read_changed_listed_and_deleted_once_empty() {
    let w = World::new();
    let created = run(&w, acme()).await;
    assert_eq!(created["status"], "workspace_created", "{created}");
    assert_eq!(created["workspace"]["name"], "Acme GmbH");
    assert_eq!(created["workspace"]["accent_color"], "#1f5fbf");
    assert_eq!(run(&w, acme()).await["error"], "workspace_taken");

    let changed = run(
        &w,
        json!({ "action": "update_workspace", "workspace": "acme", "logo_url": null, "support_contact": "mailto:it@acme.example" }),
    )
    .await;
    assert_eq!(changed["status"], "workspace_updated", "{changed}");
    let read = run(&w, json!({ "action": "get_workspace", "workspace": "acme" })).await;
    let shown = &read["workspace"];
    assert_eq!(
        (shown["name"].as_str(), shown["language"].as_str()),
        (Some("Acme GmbH"), Some("de"))
    );
    assert!(shown.get("logo_url").is_none(), "{read}");
    assert_eq!(shown["support_contact"], "mailto:it@acme.example");

    for id in ["beta", "gamma"] {
        create(&w, id).await;
    }
    let first = run(&w, json!({ "action": "list_workspaces", "limit": 2 })).await;
    let ids: Vec<&str> = first["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workspace"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "beta"]);
    let next = first["next"].as_str().expect("a next page");
    let rest = run(&w, json!({ "action": "list_workspaces", "after": next })).await;
    assert_eq!(rest["workspaces"][0]["workspace"], "gamma");
    assert!(rest.get("next").is_none());

    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    let added =
        run(&w, json!({ "action": "add_member", "workspace": "acme", "login": "ada@example.com" }))
            .await;
    assert_eq!(added["status"], "member_added", "{added}");
    let again =
        run(&w, json!({ "action": "add_member", "workspace": "acme", "login": "ada" })).await;
    assert_eq!(again["status"], "unchanged");
    let refused = run(&w, json!({ "action": "delete_workspace", "workspace": "acme" })).await;
    assert_eq!(refused["error"], "workspace_has_members");
    let members = run(&w, json!({ "action": "list_members", "workspace": "acme" })).await;
    assert_eq!(members["members"][0]["login"], "ada", "{members}");
    let user = run(&w, json!({ "action": "get_user", "login": "ada" })).await;
    assert_eq!(user["user"]["workspaces"], json!(["acme"]));
    let removed =
        run(&w, json!({ "action": "remove_member", "workspace": "acme", "login": "ada" })).await;
    assert_eq!(removed["status"], "member_removed");
    let deleted = run(&w, json!({ "action": "delete_workspace", "workspace": "acme" })).await;
    assert_eq!(deleted, json!({ "status": "workspace_deleted", "workspace": "acme" }));
    let gone = run(&w, json!({ "action": "get_workspace", "workspace": "acme" })).await;
    assert_eq!(gone["error"], "workspace_not_found");
    let user = run(&w, json!({ "action": "get_user", "login": "ada" })).await;
    assert!(user["user"].get("workspaces").is_none(), "{user}");

    // Audited under the workspace, and the memberships under the login.
    let records = AuditLog::list(&*w.store, "*workspace:acme*", 20).await.unwrap();
    let actions: Vec<&str> = records.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create_workspace",
            "create_workspace",
            "update_workspace",
            "get_workspace",
            "delete_workspace",
            "list_members",
            "delete_workspace",
            "get_workspace"
        ]
    );
    let ada = AuditLog::list(&*w.store, "ada", 20).await.unwrap();
    assert!(
        ada.iter()
            .any(|r| r.action == "add_member" && r.detail.as_deref() == Some("workspace acme"))
    );
}

#[tokio::test]
async fn each_refused_field_is_named() {
    let w = World::new();
    let with = |field: &str, value: Value| {
        let mut event = acme();
        event[field] = value;
        event
    };
    let cases = [
        (with("workspace", json!("Acme")), "`workspace`"),
        (with("login_url", json!("http://acme.example/login")), "`login_url`"),
        (with("logo_url", json!("javascript:alert(1)")), "`logo_url`"),
        (with("accent_color", json!("#ffff00")), "contrast of at least 4.5:1"),
        (with("language", json!("fr")), "`language`"),
        (with("name", json!(null)), "`name` is required"),
    ];
    for (event, says) in cases {
        let answer = run(&w, event.clone()).await;
        assert_eq!(answer["error"], "invalid_event", "{event} -> {answer}");
        assert!(answer["message"].as_str().unwrap().contains(says), "{answer}");
    }
    let nothing = run(&w, json!({ "action": "update_workspace", "workspace": "acme" })).await;
    assert_eq!(nothing["error"], "invalid_event");
    let unknown =
        run(&w, json!({ "action": "add_member", "workspace": "nowhere", "login": "ada" })).await;
    assert_eq!(unknown["error"], "user_not_found");
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    let unknown =
        run(&w, json!({ "action": "add_member", "workspace": "nowhere", "login": "ada" })).await;
    assert_eq!(unknown["error"], "workspace_not_found");
    let unknown = run(&w, json!({ "action": "list_members", "workspace": "nowhere" })).await;
    assert_eq!(unknown["error"], "workspace_not_found");
}

#[tokio::test]
async fn invitations_and_imports_join_their_workspaces() {
    let w = World::new();
    run(&w, acme()).await;
    let invited = run(
        &w,
        json!({ "action": "invite_user", "login": "ada", "email": "ada@example.com", "workspaces": ["acme", "acme"] }),
    )
    .await;
    assert_eq!(invited["status"], "invited", "{invited}");
    let user = run(&w, json!({ "action": "get_user", "login": "ada" })).await;
    assert_eq!(user["user"]["workspaces"], json!(["acme"]));
    let nowhere = run(
        &w,
        json!({ "action": "invite_user", "login": "bob", "email": "bob@example.com", "workspaces": ["nowhere"] }),
    )
    .await;
    assert_eq!(nowhere["error"], "workspace_not_found");
    assert_eq!(
        run(&w, json!({ "action": "get_user", "login": "bob" })).await["error"],
        "user_not_found"
    );
    let bad = run(
        &w,
        json!({ "action": "invite_user", "login": "bob", "email": "bob@example.com", "workspaces": ["Acme"] }),
    )
    .await;
    assert!(bad["message"].as_str().unwrap().contains("`workspaces`"), "{bad}");

    let imported = run(
        &w,
        json!({ "action": "import_users", "users": [
            { "login": "carol", "email": "carol@example.com", "workspaces": ["acme"] },
            { "login": "dave", "email": "dave@example.com", "workspaces": ["nowhere"] },
            { "login": "erin", "email": "erin@example.com", "workspaces": "acme" },
        ]}),
    )
    .await;
    let statuses: Vec<&str> = imported["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "invalid", "invalid"], "{imported}");
    assert_eq!(imported["results"][1]["field"], "workspaces");
    assert_eq!(imported["results"][2]["field"], "workspaces");
    let members = run(&w, json!({ "action": "list_members", "workspace": "acme" })).await;
    let mut logins: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["login"].as_str().unwrap())
        .collect();
    logins.sort();
    assert_eq!(logins, ["ada", "carol"]);

    // Imported again into a second workspace: it joins, nothing else moves.
    create(&w, "beta").await;
    let again = run(
        &w,
        json!({ "action": "import_users", "users": [
            { "login": "carol", "email": "carol@example.com", "workspaces": ["acme", "beta"] },
        ]}),
    )
    .await;
    assert_eq!(again["results"][0]["status"], "unchanged", "{again}");
    let user = run(&w, json!({ "action": "get_user", "login": "carol" })).await;
    assert_eq!(user["user"]["workspaces"], json!(["acme", "beta"]));
}

#[tokio::test]
async fn events_carry_the_accounts_workspaces() {
    let w = World::new();
    run(&w, acme()).await;
    create(&w, "beta").await;
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    TestAccount::new("bob").email("bob@example.com").create_in(&*w.store).await;
    for workspace in ["beta", "acme"] {
        run(&w, json!({ "action": "add_member", "workspace": workspace, "login": "ada" })).await;
    }
    for login in ["ada", "bob"] {
        run(&w, json!({ "action": "disable_user", "login": login })).await;
    }
    w.deliver().await;
    let details: Vec<Value> =
        w.events.published().iter().map(|e| serde_json::from_str(&e.detail).unwrap()).collect();
    assert_eq!(details.len(), 2);
    assert_eq!(details[0]["login"], "ada");
    assert_eq!(details[0]["workspaces"], json!(["acme", "beta"]));
    // An account in none: the event as it always was.
    assert_eq!(details[1]["login"], "bob");
    assert!(details[1].get("workspaces").is_none(), "{}", details[1]);
}

#[tokio::test]
async fn update_user_sets_the_workspaces_exactly() {
    let w = World::new();
    for id in ["acme", "beta", "gamma"] {
        create(&w, id).await;
    }
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    run(&w, json!({ "action": "add_member", "workspace": "acme", "login": "ada" })).await;
    let set = run(
        &w,
        json!({ "action": "update_user", "login": "ada", "workspaces": ["gamma", "beta"] }),
    )
    .await;
    assert_eq!(set["status"], "updated", "{set}");
    assert_eq!(set["user"]["workspaces"], json!(["beta", "gamma"]));
    let acme_members = run(&w, json!({ "action": "list_members", "workspace": "acme" })).await;
    assert_eq!(acme_members["members"], json!([]));
    // A workspace that is not there: nothing moves.
    let refused = run(
        &w,
        json!({ "action": "update_user", "login": "ada", "email": "new@example.com", "workspaces": ["acme", "nowhere"] }),
    )
    .await;
    assert_eq!(refused["error"], "workspace_not_found");
    let user = run(&w, json!({ "action": "get_user", "login": "ada" })).await;
    assert_eq!(user["user"]["workspaces"], json!(["beta", "gamma"]));
    assert_eq!(user["user"]["email"], "a***@example.com");
    let none = run(&w, json!({ "action": "update_user", "login": "ada", "workspaces": [] })).await;
    assert!(none["user"].get("workspaces").is_none(), "{none}");
}

#[tokio::test]
async fn an_account_that_joins_a_workspace_while_it_is_deleted_is_deleted_with_it() {
    let w = World::new();
    run(&w, acme()).await;
    create(&w, "beta").await;
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    run(&w, json!({ "action": "add_member", "workspace": "acme", "login": "ada" })).await;
    w.store.join_before_next_delete(recovery_domain::WorkspaceId::parse("beta").unwrap());
    let deleted = run(&w, json!({ "action": "delete_user", "login": "ada" })).await;
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    for workspace in ["acme", "beta"] {
        let members = run(&w, json!({ "action": "list_members", "workspace": workspace })).await;
        assert_eq!(members["members"], json!([]), "{workspace}");
        let gone = run(&w, json!({ "action": "delete_workspace", "workspace": workspace })).await;
        assert_eq!(gone["status"], "workspace_deleted", "{workspace}");
    }
}
