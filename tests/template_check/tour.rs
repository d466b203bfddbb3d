//! The policy check against the code: every flow run through the
//! functions, each AWS call and each item it names recorded at the
//! emulator, then compared with the template's policies.

use std::collections::{BTreeMap, BTreeSet};

use recovery_core::ports::MessageRef;
use recovery_edges::config::Function;
use recovery_testing::token_from;
use serde_json::json;
use system_tests::*;

use super::{Template, iam_actions, template_text};

/// Runs every flow through the functions so that each makes every kind of
/// AWS call it can, then compares the calls with the policies; also sends
/// every route of the template to its function.
#[tokio::test(flavor = "multi_thread")]
async fn every_call_is_allowed_every_permission_is_used_and_every_route_is_served() {
    let f = Functions::start(&[]);
    let template = Template::parse(&template_text());

    // Routes: each template route reaches code that serves it; others do not.
    for resource in template.functions() {
        for (method, path) in template.routes(&resource) {
            let url = format!("{}/lambda-url/{}{path}", f.base, resource.binary);
            let status = http(&method, &url, &[("Content-Type", "application/json")], b"{}").status;
            assert!(
                status != 404 && status != 405,
                "{method} {path} on {}: {status}",
                resource.binary
            );
        }
    }
    let stray =
        http("GET", &format!("{}/lambda-url/request-reset/password/elsewhere", f.base), &[], b"");
    assert_eq!(stray.status, 404);

    // A tour of every flow.
    let login = unique("tour");
    let phone = unique_phone();
    let tourist = account(&login).phone(&phone).password("the old password 1");
    let tourist = create(&f.table, tourist).await;
    let email = format!("{login}@recovery.test");
    for _ in 0..2 {
        assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    }
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    let code = texts_to(&phone).pop().unwrap()[..6].to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(post_json(&f.code_url(), &json!({ "phone": phone, "code": wrong })).status, 400);
    let accepted = post_json(&f.code_url(), &json!({ "phone": phone, "code": code }));
    let token = accepted.json()["reset_token"].as_str().unwrap().to_owned();
    assert_eq!(http("GET", &format!("{}?token={token}", f.reset_url()), &[], b"").status, 200);
    assert_eq!(
        post_json(&f.forgot_url(), &json!({ "login": phone })).status,
        202,
        "an outstanding code"
    );
    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "toured passphrase 1", "password_confirmation": "toured passphrase 1" }),
    );
    assert_eq!(changed.status, 200);
    // The product's sign-in check: a wrong password, the new one, and an
    // imported bcrypt hash upgraded on success.
    let check = |login: &str, password: &str| {
        f.invoke("verify-credentials", &json!({ "login": login, "password": password }))
    };
    assert_eq!(check(&login, "the old password 1")["valid"], false);
    assert_eq!(check(&login, "toured passphrase 1")["valid"], true);
    // By email and by phone: their lookups.
    for typed in [&email, &phone] {
        assert_eq!(check(typed, "toured passphrase 1")["valid"], true, "{typed}");
    }
    // The forgotten login, by email and by phone.
    let forgot_login = format!("{}/lambda-url/request-reset/password/forgot-login", f.base);
    for contact in [&email, &phone] {
        let asked = post_json(&forgot_login, &json!({ "contact": contact }));
        assert_eq!(asked.status, 202, "{}", asked.text());
    }
    // SES reports on the tourist's newest reset link.
    f.settle();
    let listed = f.invoke_admin(&json!({ "action": "list_messages", "login": login }));
    let sent = (listed["messages"].as_array().into_iter().flatten())
        .find(|m| m["kind"] == "reset_link" && m["provider_id"].is_string())
        .expect("a reset link SES took");
    let reference = MessageRef {
        user_id: tourist.id.clone(),
        key: sent["message"].as_str().unwrap().to_owned(),
        kind: recovery_messages::MessageKind::from_name(sent["kind"].as_str().unwrap()),
    };
    let provider_id = sent["provider_id"].as_str().unwrap();
    // Delivered, then bounced, then a complaint: each says more.
    for report in ["delivery", "bounce", "complaint"] {
        let notification = ses_notification(report, &reference, provider_id, &email);
        assert_eq!(f.invoke_deliver(&notification), json!({ "recorded": 1 }), "{report}");
    }
    // What was typed meets its limit: the fourth request in a quarter of
    // an hour is a 429.
    let limited = unique("limited");
    create(&f.table, account(&limited)).await;
    let statuses: Vec<u16> =
        (0..4).map(|_| post_json(&f.forgot_url(), &json!({ "login": limited })).status).collect();
    assert_eq!(statuses, [202, 202, 202, 429]);
    let imported = unique("imported");
    create(&f.table, account(&imported).hash(BCRYPT_OF_CORRECT_HORSE)).await;
    assert_eq!(check(&imported, "correct horse")["valid"], true);
    let admin = "tour@example.com";
    let invited = unique("invited");
    let invited_phone = unique_phone();
    let result = f.invoke_admin(&json!({ "action": "invite_user", "login": invited, "email": format!("{invited}@recovery.test"), "phone": invited_phone, "requested_by": admin }));
    assert_eq!(result["status"], "invited");
    let result = f.invoke_admin(&json!({ "action": "send_recovery_link", "login": invited, "channel": "sms", "requested_by": admin }));
    assert_eq!(result["status"], "queued");
    let result = f.invoke_admin(&json!({ "action": "set_password", "login": invited, "password": "toured passphrase 2", "password_confirmation": "toured passphrase 2", "requested_by": admin }));
    assert_eq!(result["status"], "password_changed");
    let result =
        f.invoke_admin(&json!({ "action": "list_audit", "login": invited, "requested_by": admin }));
    assert!(result["records"].is_array());
    let result = f.invoke_admin(&json!({ "action": "recovery_stats" }));
    assert_eq!(result["stats"]["ways"]["invitation"]["requested"], 1, "{result}");
    // The account lifecycle and the import.
    for by in [invited.clone(), format!("{invited}@recovery.test"), invited_phone.clone()] {
        let result =
            f.invoke_admin(&json!({ "action": "get_user", "login": by, "requested_by": admin }));
        assert_eq!(result["user"]["login"], invited.as_str(), "{result}");
    }
    let result = f.invoke_admin(&json!({ "action": "update_user", "login": invited, "email": format!("{invited}.new@recovery.test"), "phone": null, "locale": "de", "requested_by": admin }));
    assert_eq!(result["status"], "updated", "{result}");
    // Workspaces: the invited account a member until it is deleted.
    let workspace = unique("ws").to_lowercase().replace('_', "-");
    let steps = [
        json!({ "action": "create_workspace", "workspace": workspace, "name": "Tour", "login_url": "https://tour.example/login" }),
        json!({ "action": "update_workspace", "workspace": workspace, "accent_color": "#1f5fbf" }),
        json!({ "action": "get_workspace", "workspace": workspace }),
        json!({ "action": "list_workspaces", "limit": 5 }),
        json!({ "action": "add_member", "workspace": workspace, "login": invited }),
        json!({ "action": "add_member", "workspace": workspace, "login": login }),
        json!({ "action": "remove_member", "workspace": workspace, "login": login }),
        json!({ "action": "list_members", "workspace": workspace }),
        json!({ "action": "set_admin_scope", "principal": format!("arn:aws:iam::123456789012:role/{workspace}"), "workspaces": [workspace] }),
        json!({ "action": "get_admin_scope", "principal": format!("arn:aws:iam::123456789012:role/{workspace}") }),
        json!({ "action": "get_user", "login": invited }),
    ];
    for step in steps {
        let result = f.invoke_admin(&step);
        assert!(result.get("error").is_none(), "{step}: {result}");
    }
    // Self-service in the workspace: each function reads it for its pages,
    // and a reset lists where to log in.
    for url in [f.forgot_url(), f.code_url(), f.reset_url(), f.lock_url()] {
        let page = http("GET", &format!("{url}?workspace={workspace}&token=x&phone=x"), &[], b"");
        assert!(page.text().contains("Tour"), "{url}: {}", page.text());
    }
    let asked = post_json(&f.forgot_url(), &json!({ "login": invited, "workspace": workspace }));
    assert_eq!(asked.status, 202);
    f.settle();
    let link = emails_to(&format!("{invited}.new@recovery.test")).pop().expect("a link");
    let token = token_from(&link.link_starting_with(RESET_PAGE_URL).unwrap()).unwrap();
    let done = post_json(
        &f.reset_url(),
        &json!({ "token": token, "workspace": workspace, "password": "toured passphrase 4", "password_confirmation": "toured passphrase 4" }),
    );
    assert_eq!(done.json()["log_in"][0]["workspace"], workspace.as_str(), "{}", done.text());
    for action in ["disable_user", "enable_user", "delete_user"] {
        let result =
            f.invoke_admin(&json!({ "action": action, "login": invited, "requested_by": admin }));
        assert!(result.get("error").is_none(), "{action}: {result}");
    }
    let result = f.invoke_admin(&json!({ "action": "delete_workspace", "workspace": workspace }));
    assert_eq!(result["status"], "workspace_deleted", "its last member went with the account");
    let imported_too = unique("imported");
    let users = json!([{ "login": imported_too, "email": format!("{imported_too}@recovery.test"), "password_hash": BCRYPT_OF_CORRECT_HORSE }]);
    let result =
        f.invoke_admin(&json!({ "action": "import_users", "users": users, "requested_by": admin }));
    assert_eq!(result["counts"]["created"], 1, "{result}");
    // "This was not me", from the notice of the tourist's new password,
    // while a link asked by email is outstanding.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": email })).status, 202);
    f.settle();
    let lock = emails_to(&format!("{login}@recovery.test"))
        .into_iter()
        .rev()
        .find_map(|m| m.link_starting_with(&format!("{LOCK_PAGE_URL}?token=")))
        .expect("a lock link in the notice");
    let lock_token = token_from(&lock).expect("its token");
    let asked = http("GET", &format!("{}?token={lock_token}", f.lock_url()), &[], b"");
    assert_eq!(asked.status, 200);
    let locked = post_json(&f.lock_url(), &json!({ "token": lock_token }));
    assert_eq!(locked.status, 200, "{}", locked.text());
    // The events of all this, published by deliver.
    assert!(!f.events().is_empty());

    // On-Premise, with an SMS budget of 0.16 USD a day and a country
    // suspended after one code not entered: a German code (0.10 USD)
    // suspends Germany (audited), a British one (0.04 USD) the United
    // Kingdom and passes 80% of the budget, and an Austrian one reaches it.
    // Every code by SMS is challenged there, and each is solved.
    let on_premise = Functions::start(&[
        ("EDITION", "on_premise"),
        ("SMS_DAILY_BUDGET_USD", "0.16"),
        ("SMS_PUMPING_MIN_CODES", "1"),
        ("CHALLENGE_SMS", "always"),
        ("CHALLENGE_DIFFICULTY", "8"),
        ("CHALLENGE_ROUTE_MULTIPLE", "5"),
        ("METRICS_NAMESPACE", "Tour/OnPremise"),
    ]);
    let german = unique_phone();
    let british = format!("+447400{}", &german[german.len() - 6..]);
    let austrian = format!("+43664{}", &german[german.len() - 7..]);
    for phone in [german, british, austrian] {
        create(&on_premise.table, account(&unique("texted")).phone(&phone)).await;
        let asked = post_json(&on_premise.forgot_url(), &json!({ "login": phone }));
        assert_eq!(asked.status, 428, "{}", asked.text());
        let token = asked.json()["challenge"]["token"].as_str().unwrap().to_owned();
        let solution = recovery_domain::solve(&token, 8);
        let solved = json!({ "login": phone, "challenge": token, "solution": solution });
        assert_eq!(post_json(&on_premise.forgot_url(), &solved).status, 202);
        on_premise.settle();
    }
    eventually("texts held at the budget", 30, || {
        let asked = post_json(&on_premise.forgot_url(), &json!({ "login": unique_phone() }));
        asked.json()["next"] == "use_email"
    });
    let listed = on_premise.invoke_admin(&json!({ "action": "list_sms_suspensions" }));
    assert_eq!(listed["suspensions"].as_array().map(Vec::len), Some(3), "{listed}");
    let lifted = on_premise.invoke_admin(&json!({ "action": "lift_sms_suspension", "on": "+44" }));
    assert_eq!(lifted["status"], "suspension_lifted", "{lifted}");
    // A wrong login counts against the link.
    let there = unique("onprem");
    create(&on_premise.table, account(&there).password("the old password 1")).await;
    assert_eq!(post_json(&on_premise.forgot_url(), &json!({ "login": there })).status, 202);
    on_premise.settle();
    let link = emails_to(&format!("{there}@recovery.test")).pop().expect("a link");
    let token = token_from(&link.link_starting_with(RESET_PAGE_URL).unwrap()).unwrap();
    let wrong = post_json(
        &on_premise.reset_url(),
        &json!({ "token": token, "login": "somebody-else", "password": "toured passphrase 3", "password_confirmation": "toured passphrase 3" }),
    );
    assert_eq!(wrong.json()["error"], "invalid_token");

    let mut observed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut items: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for call in emulator().aws_calls() {
        let Some(app) = call["app"].as_str() else {
            continue;
        };
        observed.entry(app.to_owned()).or_default().extend(iam_actions(&call));
        let named = (call["keys"].as_array().into_iter().flatten())
            .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())));
        items.entry(app.to_owned()).or_default().extend(named);
    }
    for function in Function::ALL {
        assert!(
            observed.contains_key(function.name()),
            "no call observed from {}: {observed:?}",
            function.name()
        );
    }
    let mut problems = template.check_policies(&observed);
    problems.extend(template.check_items(&items));
    // The metrics the dashboard and the alarms name: every one written,
    // each record valid EMF, in its stack's namespace.
    problems.extend(super::metrics::emitted_in_the_tour(&[
        (f.logs(), "PasswordRecovery"),
        (on_premise.logs(), "Tour/OnPremise"),
    ]));
    assert!(problems.is_empty(), "template.yaml policies:\n{}", problems.join("\n"));
}
