//! Workspace administrators: a grant names the workspaces an IAM principal
//! administers, and everything outside them is as if it were not there.

use recovery_domain::AdminPrincipal;
use recovery_edges::admin_event;
use recovery_testing::{TestAccount, World, settings};
use serde_json::{Value, json};

/// The deployment's administrator (no grant names it).
const ROOT: &str = "arn:aws:iam::123456789012:user/root";
/// acme's administrators, a role: each session is the same principal.
const ACME: &str = "arn:aws:sts::123456789012:assumed-role/acme-admins/alice";
const BETA: &str = "arn:aws:iam::123456789012:user/beta-admin";

async fn as_admin(w: &World, caller: &str, event: Value) -> Value {
    w.clock.advance(1);
    admin_event::handle(&w.recovery, &event, caller, "req").await
}

/// acme and beta; ada in acme, bob in beta, cy in both, dee in neither;
/// acme's role granted acme, beta's user beta.
async fn two_workspaces(w: &World) {
    for id in ["acme", "beta"] {
        let event = json!({
            "action": "create_workspace", "workspace": id, "name": id,
            "login_url": format!("https://{id}.example/login"),
        });
        assert_eq!(as_admin(w, ROOT, event).await["status"], "workspace_created");
    }
    for (login, workspaces) in
        [("ada", &["acme"][..]), ("bob", &["beta"]), ("cy", &["acme", "beta"]), ("dee", &[])]
    {
        TestAccount::new(login).email(&format!("{login}@example.com")).create_in(&*w.store).await;
        for id in workspaces {
            let event = json!({ "action": "add_member", "workspace": id, "login": login });
            assert_eq!(as_admin(w, ROOT, event).await["status"], "member_added");
        }
    }
    for (principal, id) in [("arn:aws:iam::123456789012:role/acme-admins", "acme"), (BETA, "beta")]
    {
        let event =
            json!({ "action": "set_admin_scope", "principal": principal, "workspaces": [id] });
        let set = as_admin(w, ROOT, event).await;
        assert_eq!(set["status"], "scope_set", "{set}");
    }
}

/// `action` on `login` with `extra` fields, by `caller`.
async fn on(w: &World, caller: &str, action: &str, login: &str, extra: Value) -> Value {
    let mut event = json!({ "action": action, "login": login });
    for (name, value) in extra.as_object().into_iter().flatten() {
        event[name] = value.clone();
    }
    as_admin(w, caller, event).await
}

#[tokio::test]
async fn an_account_outside_the_administrators_workspaces_is_answered_as_no_account() {
    let w = World::new();
    two_workspaces(&w).await;
    let password = json!({ "password": "a long new passphrase", "password_confirmation": "a long new passphrase" });
    let actions = [
        ("get_user", json!({})),
        ("update_user", json!({ "locale": "de" })),
        ("disable_user", json!({})),
        ("enable_user", json!({})),
        ("delete_user", json!({})),
        ("send_recovery_link", json!({ "channel": "email" })),
        ("set_password", password),
        ("list_messages", json!({})),
        ("add_member", json!({ "workspace": "acme" })),
    ];
    for (action, extra) in actions {
        let unknown = on(&w, ACME, action, "nobody", extra.clone()).await;
        assert_eq!(unknown["error"], "user_not_found", "{action}: {unknown}");
        for login in ["bob", "dee"] {
            let answer = on(&w, ACME, action, login, extra.clone()).await;
            assert_eq!(answer, unknown, "{action} on {login}");
        }
    }
    // A trail is listed by the login named, whether an account has it or
    // not: of bob's, acme's administrator sees its own attempts only, as
    // of a login nobody has.
    for login in ["bob", "nobody"] {
        let listed = on(&w, ACME, "list_audit", login, json!({})).await;
        let records = listed["records"].as_array().unwrap();
        assert_eq!(records.len(), 9, "{login}: {listed}");
        assert!(records.iter().all(|r| r["caller"] == ACME && r.get("user_id").is_none()));
    }
    // Nothing of theirs changed, and no message went anywhere.
    assert!(w.emails().await.is_empty());
    let bob = on(&w, ROOT, "get_user", "bob", json!({})).await;
    assert_eq!(
        (bob["user"]["disabled"].as_bool(), bob["user"]["locale"].as_str()),
        (Some(false), None)
    );
    assert_eq!(bob["user"]["workspaces"], json!(["beta"]));
}

#[tokio::test]
async fn an_account_also_in_another_workspace_keeps_its_password_details_and_state() {
    let w = World::new();
    two_workspaces(&w).await;
    let password = json!({ "password": "a long new passphrase", "password_confirmation": "a long new passphrase" });
    for (action, extra) in [
        ("set_password", password.clone()),
        ("disable_user", json!({})),
        ("update_user", json!({ "email": "mallory@example.com" })),
        ("update_user", json!({ "phone": "+4915112345678" })),
    ] {
        let refused = on(&w, ACME, action, "cy", extra).await;
        assert_eq!(refused["error"], "account_in_other_workspaces", "{action}: {refused}");
    }
    // Its own members' are its own; a link to the account's own address is.
    assert_eq!(on(&w, ACME, "set_password", "ada", password).await["status"], "password_changed");
    let sent = on(&w, ACME, "send_recovery_link", "cy", json!({ "channel": "email" })).await;
    assert_eq!(sent["status"], "queued", "{sent}");
    let changed = on(&w, ACME, "update_user", "cy", json!({ "locale": "de" })).await;
    assert_eq!(changed["status"], "updated", "{changed}");
    // It sees the account's workspaces that are its own only.
    let seen = on(&w, ACME, "get_user", "cy", json!({})).await;
    assert_eq!(seen["user"]["workspaces"], json!(["acme"]), "{seen}");
    let seen = on(&w, ROOT, "get_user", "cy", json!({})).await;
    assert_eq!(seen["user"]["workspaces"], json!(["acme", "beta"]));
    assert_eq!(
        seen["user"]["email"],
        on(&w, ROOT, "get_user", "cy", json!({})).await["user"]["email"]
    );
}

#[tokio::test]
async fn deleting_takes_an_account_out_of_the_administrators_workspaces_and_goes_with_the_last() {
    let w = World::new();
    two_workspaces(&w).await;
    let left = on(&w, ACME, "delete_user", "cy", json!({})).await;
    assert_eq!(left["status"], "left_workspaces", "{left}");
    assert_eq!(left["workspaces"], json!(["acme"]));
    let cy = on(&w, ROOT, "get_user", "cy", json!({})).await;
    assert_eq!(cy["user"]["workspaces"], json!(["beta"]), "{cy}");
    assert_eq!(on(&w, ACME, "get_user", "cy", json!({})).await["error"], "user_not_found");
    // beta's administrator now has all of it: deleting deletes it.
    let deleted = on(&w, BETA, "delete_user", "cy", json!({})).await;
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    assert_eq!(on(&w, ROOT, "get_user", "cy", json!({})).await["error"], "user_not_found");
    // Removing a member's last workspace would leave it in none: that is
    // delete_user's.
    let event = json!({ "action": "remove_member", "workspace": "acme", "login": "ada" });
    assert_eq!(as_admin(&w, ACME, event).await["error"], "not_permitted");
}

#[tokio::test]
async fn the_audit_trail_shows_a_workspace_administrator_what_concerns_its_workspaces() {
    let w = World::new();
    two_workspaces(&w).await;
    on(&w, ROOT, "get_user", "cy", json!({})).await;
    on(&w, BETA, "get_user", "cy", json!({})).await;
    on(&w, ACME, "get_user", "cy", json!({})).await;
    let listed = on(&w, ACME, "list_audit", "cy", json!({})).await;
    let callers: Vec<(&str, &str)> = (listed["records"].as_array().unwrap().iter())
        .filter(|r| r["action"] == "get_user")
        .map(|r| (r["caller"].as_str().unwrap(), r["workspaces"][0].as_str().unwrap()))
        .collect();
    assert_eq!(callers, [(ACME, "acme"), (ROOT, "acme")], "{listed}");
    let all = on(&w, ROOT, "list_audit", "cy", json!({})).await;
    let gets = all["records"].as_array().unwrap().iter().filter(|r| r["action"] == "get_user");
    assert_eq!(gets.count(), 3, "{all}");
}

#[tokio::test]
async fn the_deployment_and_its_grants_are_the_deployment_administrators_only() {
    let w = World::new();
    two_workspaces(&w).await;
    for event in [
        json!({ "action": "create_workspace", "workspace": "gamma", "name": "G", "login_url": "https://g.example/" }),
        json!({ "action": "delete_workspace", "workspace": "acme" }),
        json!({ "action": "set_admin_scope", "principal": ACME, "workspaces": ["acme", "beta"] }),
        json!({ "action": "get_admin_scope", "principal": BETA }),
    ] {
        let refused = as_admin(&w, ACME, event.clone()).await;
        assert_eq!(refused["error"], "not_permitted", "{event}: {refused}");
    }
    let listed = as_admin(&w, ACME, json!({ "action": "list_workspaces" })).await;
    assert_eq!(listed["workspaces"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["workspaces"][0]["workspace"], "acme");
    let unknown =
        as_admin(&w, ACME, json!({ "action": "get_workspace", "workspace": "zeta" })).await;
    for action in ["get_workspace", "list_members"] {
        let other = as_admin(&w, ACME, json!({ "action": action, "workspace": "beta" })).await;
        assert_eq!(other, unknown, "{action}");
    }
    let event =
        json!({ "action": "update_workspace", "workspace": "acme", "accent_color": "#1f5fbf" });
    assert_eq!(as_admin(&w, ACME, event).await["status"], "workspace_updated");
    let members =
        as_admin(&w, ACME, json!({ "action": "list_members", "workspace": "acme" })).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 2, "{members}");

    // A grant names a role whoever assumed it; emptied, it grants nothing.
    let scope = as_admin(&w, ROOT, json!({ "action": "get_admin_scope", "principal": ACME })).await;
    assert_eq!(
        scope,
        json!({ "principal": "arn:aws:sts::123456789012:assumed-role/acme-admins",
                "scope": "workspaces", "workspaces": ["acme"] })
    );
    let unknown_workspace =
        json!({ "action": "set_admin_scope", "principal": BETA, "workspaces": ["zeta"] });
    assert_eq!(as_admin(&w, ROOT, unknown_workspace).await["error"], "workspace_not_found");
    let emptied = json!({ "action": "set_admin_scope", "principal": BETA, "workspaces": [] });
    assert_eq!(as_admin(&w, ROOT, emptied).await["status"], "scope_set");
    assert_eq!(on(&w, BETA, "get_user", "bob", json!({})).await["error"], "user_not_found");
    let own = json!({ "action": "set_admin_scope", "principal": ROOT, "workspaces": ["acme"] });
    assert_eq!(as_admin(&w, ROOT, own).await["error"], "not_permitted", "not its own");
    let bad = json!({ "action": "get_admin_scope", "principal": "ops" });
    assert_eq!(as_admin(&w, ROOT, bad).await["error"], "invalid_event");
}

#[tokio::test]
async fn with_deployment_administrators_listed_a_principal_without_a_grant_administers_nothing() {
    let mut settings = settings();
    settings.admin.deployment_administrators =
        vec![AdminPrincipal::from_arn("arn:aws:iam::123456789012:role/platform").unwrap()];
    let w = World::with_settings(settings);
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    let platform = "arn:aws:sts::123456789012:assumed-role/platform/ops";
    assert_eq!(on(&w, platform, "get_user", "ada", json!({})).await["user"]["login"], "ada");
    assert_eq!(on(&w, ROOT, "get_user", "ada", json!({})).await["error"], "user_not_found");
    let scope =
        as_admin(&w, platform, json!({ "action": "get_admin_scope", "principal": ROOT })).await;
    assert_eq!(
        (scope["scope"].as_str(), scope["workspaces"].as_array().map(Vec::len)),
        (Some("workspaces"), Some(0))
    );
}

#[tokio::test]
async fn a_workspace_administrator_invites_and_imports_into_its_own_workspaces() {
    let w = World::new();
    two_workspaces(&w).await;
    let invited = as_admin(
        &w,
        ACME,
        json!({ "action": "invite_user", "login": "eve", "email": "eve@example.com" }),
    )
    .await;
    assert_eq!(invited["status"], "invited", "{invited}");
    assert_eq!(
        on(&w, ROOT, "get_user", "eve", json!({})).await["user"]["workspaces"],
        json!(["acme"])
    );
    let elsewhere = json!({ "action": "invite_user", "login": "fay", "email": "fay@example.com", "workspaces": ["beta"] });
    assert_eq!(as_admin(&w, ACME, elsewhere).await["error"], "workspace_not_found");
    let rows = json!({ "action": "import_users", "users": [
        { "login": "bob", "email": "bob@example.com" },
        { "login": "gus", "email": "gus@example.com" },
        { "login": "hal", "email": "hal@example.com", "workspaces": ["beta"] },
    ]});
    let imported = as_admin(&w, ACME, rows).await;
    let results: Vec<(&str, &str)> = (imported["results"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["reason"].as_str().or(r["field"].as_str()).unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        results,
        [("conflict", "login_taken"), ("created", ""), ("invalid", "workspaces")],
        "{imported}"
    );
    assert_eq!(
        on(&w, ROOT, "get_user", "gus", json!({})).await["user"]["workspaces"],
        json!(["acme"])
    );
}

#[tokio::test]
async fn a_workspace_administrator_lists_the_messages_that_spoke_for_its_workspaces() {
    let w = World::new();
    two_workspaces(&w).await;
    for (caller, channel) in [(BETA, "email"), (ACME, "email")] {
        let sent = on(&w, caller, "send_recovery_link", "cy", json!({ "channel": channel })).await;
        assert_eq!(sent["status"], "queued", "{sent}");
    }
    let spoke_for = |listed: &Value| -> Vec<String> {
        (listed["messages"].as_array().unwrap().iter())
            .map(|m| m["workspace"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    let all = on(&w, ROOT, "list_messages", "cy", json!({})).await;
    assert_eq!(spoke_for(&all), ["acme", "beta"], "{all}");
    let own = on(&w, ACME, "list_messages", "cy", json!({})).await;
    assert_eq!(spoke_for(&own), ["acme"], "{own}");
}
