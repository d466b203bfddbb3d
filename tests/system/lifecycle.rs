//! The account lifecycle and the import, black box: `admin-reset` through
//! the Lambda Invoke API of `cargo lambda watch`, the pages over HTTP, the
//! table read back from moto, and the product's events read through a rule
//! and a queue on the emulator's bus.

use recovery_testing::token_from;
use serde_json::{Value, json};
use system_tests::*;

const ADMIN: &str = "lifecycle@recovery.test";
// "correct horse" as Python's bcrypt (cost 4) and Django 5 hold it.
const BCRYPT: &str = "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.";
const DJANGO: &str = "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=";

fn admin(f: &Functions, mut event: Value) -> Value {
    event["requested_by"] = json!(ADMIN);
    f.invoke_admin(&event)
}

fn events_about(f: &Functions, user_id: &str) -> Vec<String> {
    f.events()
        .into_iter()
        .filter(|e| e["detail"]["user_id"] == user_id)
        .map(|e| e["detail-type"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The items of the table that name any of `needles`, by their key.
async fn items_naming(table: &str, needles: &[&str]) -> Vec<String> {
    table_items(table)
        .await
        .into_iter()
        .filter(|item| {
            let text = item.to_string();
            needles.iter().any(|n| text.contains(n))
        })
        .map(|item| format!("{} {}", item["pk"]["S"], item["sk"]["S"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_accounts_outstanding_link_stops_working_until_it_is_enabled() {
    let f = functions();
    let login = unique("disabled");
    let user = create(&f.table, account(&login).password("the old password 1")).await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    f.settle();
    let link = emails_to(&format!("{login}@recovery.test"))
        .last()
        .and_then(|m| m.link_starting_with(RESET_PAGE_URL))
        .expect("a link");
    let token = token_from(&link).unwrap();

    let disabled = admin(f, json!({ "action": "disable_user", "login": login }));
    assert_eq!(disabled["status"], "disabled", "{disabled}");
    let page = http("GET", &format!("{}?token={token}", f.reset_url()), &[], b"");
    assert_eq!(page.status, 400, "the link's page says it is no longer valid");
    let set = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" }),
    );
    assert_eq!(set.status, 400, "{}", set.text());
    assert_eq!(set.json()["error"], "invalid_token");
    let check = f
        .invoke("verify-credentials", &json!({ "login": login, "password": "the old password 1" }));
    assert_eq!(check, json!({ "valid": false }));

    let enabled = admin(f, json!({ "action": "enable_user", "login": login }));
    assert_eq!(enabled["user"]["disabled"], false, "{enabled}");
    let check = f
        .invoke("verify-credentials", &json!({ "login": login, "password": "the old password 1" }));
    assert_eq!(check["valid"], true);
    assert_eq!(events_about(f, user.id.as_str()), ["AccountDisabled", "AccountEnabled"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_account_leaves_no_item_behind_but_its_audit_records() {
    let f = functions();
    let (login, phone) = (unique("deleted"), unique_phone());
    let email = format!("{login}@recovery.test");
    let user = create(&f.table, account(&login).password("the old password 1").phone(&phone)).await;
    // Leave what a life leaves: a link, a code, counters of what was
    // typed on forgot and at sign-in, messages, an update and its audit.
    for typed in [login.as_str(), email.as_str(), phone.as_str()] {
        assert_eq!(post_json(&f.forgot_url(), &json!({ "login": typed })).status, 202);
        f.invoke("verify-credentials", &json!({ "login": typed, "password": "wrong" }));
    }
    f.settle();
    let updated = admin(f, json!({ "action": "update_user", "login": login, "locale": "de" }));
    assert_eq!(updated["status"], "updated", "{updated}");
    let id = user.id.as_str();
    assert!(!items_naming(&f.table, &[id, &login, &email, &phone]).await.is_empty());

    let deleted = admin(f, json!({ "action": "delete_user", "login": login }));
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    assert_eq!(deleted["user_id"], id);
    assert_eq!(events_about(f, id), ["AccountDeleted"]);
    let left = items_naming(&f.table, &[id, &login, &email, &phone]).await;
    assert!(!left.is_empty(), "the audit records stay");
    assert!(
        left.iter().all(|key| key.starts_with("\"AUDIT#")),
        "only audit records are left: {left:#?}"
    );
    let audit = admin(f, json!({ "action": "list_audit", "login": login }));
    let record = &audit["records"][0];
    assert_eq!(record["action"], "delete_user", "{audit}");
    assert_eq!(record["outcome"], "ok");
    let text = record.to_string();
    assert!(!text.contains(&email) && !text.contains(&phone), "{record}");
    let again = admin(f, json!({ "action": "get_user", "login": login }));
    assert_eq!(again["error"], "user_not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_run_twice_changes_nothing_the_second_time_and_its_hashes_sign_in() {
    let f = functions();
    let (bcrypt, django, social) = (unique("bcrypt"), unique("django"), unique("social"));
    let phone = unique_phone();
    let users = json!([
        { "login": bcrypt, "email": format!("{bcrypt}@recovery.test"), "password_hash": BCRYPT, "locale": "de" },
        { "login": django, "phone": phone, "password_hash": DJANGO },
        { "login": social, "email": format!("{social}@recovery.test"), "social_provider": "Google", "disabled": true },
        { "login": unique("broken"), "email": "broken@recovery.test", "password_hash": "$2b$04$short" },
    ]);
    let first = admin(f, json!({ "action": "import_users", "users": users }));
    assert_eq!(
        first["counts"],
        json!({ "created": 3, "unchanged": 0, "updated": 0, "conflict": 0, "invalid": 1 }),
        "{first}"
    );
    assert_eq!(first["results"][3]["field"], "password_hash");
    let logins = [bcrypt.as_str(), django.as_str(), social.as_str()];
    // What names the imported accounts (other tests share the table).
    let ids: Vec<String> =
        (0..3).map(|n| first["results"][n]["user_id"].as_str().unwrap().to_owned()).collect();
    let naming = |items: Vec<Value>| -> Vec<Value> {
        items
            .into_iter()
            .filter(|i| !i["pk"]["S"].as_str().unwrap_or("").starts_with("AUDIT#"))
            .filter(|i| {
                let text = i.to_string();
                logins.iter().any(|l| text.contains(l)) || ids.iter().any(|id| text.contains(id))
            })
            .collect()
    };
    let snapshot = naming(table_items(&f.table).await);
    assert_eq!(
        snapshot.len(),
        3 * 3 + 3,
        "each account, its login and look-alike items, three lookups"
    );
    let audit_before = items_naming(&f.table, &logins).await.len();

    let second = admin(f, json!({ "action": "import_users", "users": users }));
    assert_eq!(
        second["counts"],
        json!({ "created": 0, "unchanged": 3, "updated": 0, "conflict": 0, "invalid": 1 }),
        "{second}"
    );
    assert_eq!(second["results"][0]["user_id"], first["results"][0]["user_id"]);
    assert_eq!(naming(table_items(&f.table).await), snapshot, "the second run wrote nothing");
    assert_eq!(
        items_naming(&f.table, &logins).await.len(),
        audit_before,
        "and audited only the batch (under `*import*`)"
    );

    let get = admin(f, json!({ "action": "get_user", "login": social }));
    assert_eq!(get["user"]["social_provider"], "Google", "{get}");
    assert_eq!(get["user"]["disabled"], true);
    assert_eq!(get["user"]["has_password"], false);
    for typed in [bcrypt.as_str(), phone.as_str()] {
        let check =
            f.invoke("verify-credentials", &json!({ "login": typed, "password": "correct horse" }));
        assert_eq!(check["valid"], true, "{typed}: {check}");
    }
    let get = admin(f, json!({ "action": "get_user", "login": bcrypt }));
    assert_eq!(get["user"]["locale"], "de");
    for login in [&bcrypt, &django] {
        let stored = table_items(&f.table)
            .await
            .into_iter()
            .find(|i| {
                i["login"]["S"] == login.as_str()
                    && i["pk"]["S"].as_str().unwrap_or("").starts_with("USER#")
            })
            .expect("the account");
        assert!(
            stored["password_hash"]["S"]
                .as_str()
                .is_some_and(|h| h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")),
            "{login}: upgraded to Argon2id"
        );
    }
}
