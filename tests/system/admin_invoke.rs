//! The administrator's function under `cargo lambda watch`, handed its
//! function URL's requests as Lambda does once IAM has verified them, on
//! the real SDK and moto; the links it sends are redeemed over HTTP. A
//! direct invocation is refused.

use std::sync::Arc;

use recovery_aws::DynamoDbStore;
use recovery_core::ports::UserStore;
use recovery_domain::{Clock, LoginName, PasswordHasher, SystemClock, Timestamp, UserAccount};
use recovery_edges::admin_event;
use recovery_testing::{ManualClock, token_from};
use serde_json::{Value, json};
use system_tests::*;

const ADMIN: &str = "arn:aws:iam::123456789012:user/grace-admin";

async fn stored(f: &Functions, login: &str) -> Option<UserAccount> {
    DynamoDbStore::from_sdk(&sdk_config().await, &f.table)
        .find_by_login(&LoginName::parse(login).unwrap())
        .await
        .unwrap()
}

fn email_of(login: &str) -> String {
    format!("{login}@recovery.test")
}

fn token_in(text: &str) -> String {
    token_from(text).expect("a link with a token")
}

fn set_via_link(f: &Functions, token: &str, password: &str) -> HttpResponse {
    post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": password, "password_confirmation": password }),
    )
}

fn invite(f: &Functions, login: &str, email: Option<&str>, phone: Option<&str>) -> Value {
    let mut event = json!({ "action": "invite_user", "login": login, "requested_by": ADMIN });
    if let Some(email) = email {
        event["email"] = json!(email);
    }
    if let Some(phone) = phone {
        event["phone"] = json!(phone);
    }
    f.invoke_admin(&event)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invited_user_sets_a_first_password_through_their_link() {
    let f = functions();
    let login = unique("newbie");
    let result = invite(f, &login, Some(&email_of(&login)), None);
    assert_eq!(result["status"], "invited", "{result}");
    assert_eq!(result["channel"], "email");
    assert_eq!(result["destination"], format!("n***@recovery.test"));
    let created = stored(f, &login).await.expect("the account exists");
    assert!(created.password_hash.is_none());

    let mail = emails_to(&email_of(&login)).pop().expect("an invitation");
    assert!(mail.body.contains(&login), "registration details: the login");
    assert!(mail.body.contains(LOGIN_URL), "registration details: the sign-in address");
    assert!(mail.body.contains("24 hours"));
    let link = mail.link_starting_with(RESET_PAGE_URL).expect("a link to set the password");
    let token = token_in(&link);
    assert_eq!(http("GET", &format!("{}?token={token}", f.reset_url()), &[], b"").status, 200);
    assert_eq!(set_via_link(f, &token, "my first passphrase").status, 200);
    let hash = stored(f, &login).await.unwrap().password_hash.unwrap();
    assert!(PasswordHasher::owasp().verify("my first passphrase", &hash));
    assert_eq!(set_via_link(f, &token, "my second passphrase").status, 400, "used once");

    // By phone only: the invitation goes by SMS.
    let texted = unique("texted");
    let phone = unique_phone();
    let result = invite(f, &texted, None, Some(&phone));
    assert_eq!(result["channel"], "sms", "{result}");
    let sms = texts_to(&phone).pop().expect("an SMS invitation");
    assert!(sms.contains(&texted) && sms.contains(LOGIN_URL) && sms.contains(RESET_PAGE_URL));
}

#[tokio::test(flavor = "multi_thread")]
async fn recovery_links_by_email_and_sms_work_once() {
    let f = functions();
    let login = unique("ada");
    let phone = unique_phone();
    invite(f, &login, Some(&email_of(&login)), Some(&phone));

    let by_email = f.invoke_admin(&json!({
        "action": "send_recovery_link", "login": login, "channel": "email", "requested_by": ADMIN
    }));
    let message = by_email["message"].as_str().unwrap_or("").to_owned();
    assert!(message.contains('#'), "the message's key: {by_email}");
    assert_eq!(
        by_email,
        json!({ "status": "queued", "channel": "email", "destination": "a***@recovery.test", "message": message })
    );
    let mail = emails_to(&email_of(&login)).pop().unwrap();
    assert!(mail.subject.contains("Recover your"));
    assert!(mail.body.contains(&login) && mail.body.contains(LOGIN_URL));
    let email_token = token_in(&mail.link_starting_with(RESET_PAGE_URL).unwrap());

    let by_sms = f.invoke_admin(&json!({
        "action": "send_recovery_link", "login": login, "channel": "sms", "requested_by": ADMIN
    }));
    assert_eq!(by_sms["status"], "queued");
    let masked = by_sms["destination"].as_str().unwrap();
    assert!(
        masked.starts_with("+49")
            && masked.contains('*')
            && masked.ends_with(&phone[phone.len() - 2..])
    );
    let sms = texts_to(&phone).pop().unwrap();
    assert!(sms.contains(&login) && sms.contains(LOGIN_URL));
    let sms_token = token_in(&sms);

    // The SMS link superseded the emailed one; it works once.
    assert_eq!(
        set_via_link(f, &email_token, "recovered passphrase 1").json()["error"],
        "invalid_token"
    );
    assert_eq!(set_via_link(f, &sms_token, "recovered passphrase 1").status, 200);
    assert_eq!(set_via_link(f, &sms_token, "recovered passphrase 2").status, 400);

    // A fresh emailed link works too, once.
    f.invoke_admin(&json!({ "action": "send_recovery_link", "login": login, "channel": "email", "requested_by": ADMIN }));
    let token = token_in(
        &emails_to(&email_of(&login)).pop().unwrap().link_starting_with(RESET_PAGE_URL).unwrap(),
    );
    assert_eq!(set_via_link(f, &token, "recovered passphrase 3").status, 200);
    assert_eq!(set_via_link(f, &token, "recovered passphrase 4").status, 400);
    let hash = stored(f, &login).await.unwrap().password_hash.unwrap();
    assert!(PasswordHasher::owasp().verify("recovered passphrase 3", &hash));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_link_dies_after_its_lifetime() {
    let f = functions();
    let login = unique("late");
    let phone = unique_phone();
    invite(f, &login, Some(&email_of(&login)), Some(&phone));
    // Issue links 24 h + 1 s ago through the same flow and adapters.
    let sdk = sdk_config().await;
    let store = Arc::new(DynamoDbStore::from_sdk(&sdk, &f.table));
    let clock = Arc::new(ManualClock::at(Timestamp::from_epoch_seconds(
        SystemClock.now().epoch_seconds() - 86_401,
    )));
    let captured = Arc::new(CapturingTokens::new(store.clone()));
    let recovery = recovery_on_aws(&sdk, store, clock).with_tokens(captured.clone());
    for channel in ["email", "sms"] {
        let sent = admin_event::handle(
            &recovery,
            &json!({ "action": "send_recovery_link", "login": login, "channel": channel, "requested_by": ADMIN }),
            ADMIN_ARN,
            &format!("test-request-{channel}"),
        )
        .await;
        assert_eq!(sent["status"], "queued", "{sent}");
        // Expired already, the delivery never sends it: read it as sealed.
        let token = token_in(&captured.texts().pop().unwrap());
        let answer = set_via_link(f, &token, "too late passphrase");
        assert_eq!(answer.status, 400);
        assert_eq!(answer.json()["error"], "invalid_token");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn setting_a_password_directly_replaces_it_and_kills_outstanding_links() {
    let f = functions();
    let login = unique("direct");
    create(&f.table, account(&login).password("the old password 1")).await;
    let requested = post_json(&f.forgot_url(), &json!({ "login": login }));
    assert_eq!(requested.status, 202);
    let earlier = token_in(
        &emails_to(&email_of(&login)).pop().unwrap().link_starting_with(RESET_PAGE_URL).unwrap(),
    );

    let result = f.invoke_admin(&json!({
        "action": "set_password", "login": login, "password": "set by the admin 7",
        "password_confirmation": "set by the admin 7", "requested_by": ADMIN
    }));
    assert_eq!(result, json!({ "status": "password_changed" }));
    let stored = stored(f, &login).await.unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(PasswordHasher::owasp().verify("set by the admin 7", &hash));
    assert!(!PasswordHasher::owasp().verify("the old password 1", &hash));
    assert!(stored.password_changed_at.is_some());
    assert_eq!(set_via_link(f, &earlier, "sneaky passphrase 8").json()["error"], "invalid_token");
    let notice = emails_to(&email_of(&login)).pop().unwrap();
    assert!(notice.body.contains("by an administrator"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_comes_back_as_a_result() {
    let f = functions();
    let plain = unique("plain");
    invite(f, &plain, Some(&email_of(&plain)), None);
    let social = unique("social");
    create(&f.table, account(&social).provider("Google")).await;
    let off = unique("off");
    create(&f.table, account(&off).password("the old password 1").disabled()).await;
    let texter = unique("texter");
    let phone = unique_phone();
    invite(f, &texter, None, Some(&phone));

    let link = |login: &str, channel: &str| json!({ "action": "send_recovery_link", "login": login, "channel": channel, "requested_by": ADMIN });
    let set = |login: &str, p: &str, c: &str| json!({ "action": "set_password", "login": login, "password": p, "password_confirmation": c, "requested_by": ADMIN });
    let cases = [
        (link(&unique("ghost"), "email"), "user_not_found"),
        (link(&plain, "sms"), "no_phone_on_record"),
        (link(&texter, "email"), "no_email_on_record"),
        (link(&social, "email"), "social_account"),
        (link(&off, "email"), "account_disabled"),
        (set(&plain, "one long passphrase", "another long one"), "password_mismatch"),
        (set(&plain, "password", "password"), "weak_password"),
        (set(&social, "one long passphrase", "one long passphrase"), "social_account"),
        (set(&unique("ghost"), "one long passphrase", "one long passphrase"), "user_not_found"),
        (
            json!({ "action": "invite_user", "login": plain, "email": "fresh@recovery.test", "requested_by": ADMIN }),
            "login_taken",
        ),
        // The same login with a Cyrillic а (U+0430) for each Latin a: it
        // looks the same.
        (
            json!({ "action": "invite_user", "login": plain.replace('a', "\u{430}"), "email": "fresh@recovery.test", "requested_by": ADMIN }),
            "login_taken",
        ),
        (
            json!({ "action": "invite_user", "login": unique("x"), "email": email_of(&plain), "requested_by": ADMIN }),
            "email_taken",
        ),
        (
            json!({ "action": "invite_user", "login": unique("x"), "phone": phone, "requested_by": ADMIN }),
            "phone_taken",
        ),
        (
            json!({ "action": "invite_user", "login": unique("x"), "requested_by": ADMIN }),
            "invalid_event",
        ),
        (json!({ "action": "reboot", "login": plain, "requested_by": ADMIN }), "invalid_event"),
        (
            json!({ "action": "send_recovery_link", "login": plain, "channel": "fax", "requested_by": ADMIN }),
            "invalid_event",
        ),
        (json!({ "action": "send_recovery_link", "login": plain }), "invalid_event"),
        (
            json!({ "action": "set_password", "login": plain, "password": 5, "password_confirmation": 5, "requested_by": ADMIN }),
            "invalid_event",
        ),
        (json!("not an object"), "invalid_event"),
    ];
    for (event, code) in cases {
        let result = f.invoke_admin(&event);
        assert_eq!(result["error"], code, "{event} -> {result}");
        assert!(result["message"].as_str().is_some_and(|m| m.len() > 10), "{result}");
    }
    let weak = f.invoke_admin(&set(&plain, &plain, &plain));
    let codes: Vec<_> =
        weak["reasons"].as_array().unwrap().iter().map(|r| r["code"].clone()).collect();
    assert!(codes.contains(&json!("matches_login")), "{weak}");
    let unknown = f.invoke_admin(&json!({ "action": "reboot", "requested_by": ADMIN }));
    assert!(unknown["message"].as_str().unwrap().contains("reboot"), "says which action");
    // Whom the caller acts for is optional: the caller is who signed.
    let unnamed = f.invoke_admin(&json!({ "action": "get_user", "login": plain }));
    assert_eq!(unnamed["user"]["login"], plain.as_str(), "{unnamed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_lists_every_action_newest_first_without_secrets() {
    let f = functions();
    let login = unique("audited");
    let phone = unique_phone();
    invite(f, &login, Some(&email_of(&login)), Some(&phone));
    let invitation = token_in(
        &emails_to(&email_of(&login)).pop().unwrap().link_starting_with(RESET_PAGE_URL).unwrap(),
    );
    let steps = [
        json!({ "action": "send_recovery_link", "login": login, "channel": "email", "requested_by": ADMIN }),
        json!({ "action": "send_recovery_link", "login": login, "channel": "sms", "requested_by": "ops@example.com" }),
        json!({ "action": "set_password", "login": login, "password": "short", "password_confirmation": "short", "requested_by": ADMIN }),
        json!({ "action": "set_password", "login": login, "password": "audited passphrase 9", "password_confirmation": "audited passphrase 9", "requested_by": ADMIN }),
        json!({ "action": "send_recovery_link", "login": login, "channel": "fax", "requested_by": ADMIN }),
    ];
    for step in &steps {
        f.invoke_admin(step);
        // Each link out before the next action replaces it.
        f.settle();
    }
    let listed =
        f.invoke_admin(&json!({ "action": "list_audit", "login": login, "requested_by": ADMIN }));
    let records = listed["records"].as_array().expect("records");
    let summary: Vec<(String, String, String)> = records
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
                r["on_behalf_of"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = [
        ("send_recovery_link", "invalid_event", ADMIN),
        ("set_password", "ok", ADMIN),
        ("set_password", "weak_password", ADMIN),
        ("send_recovery_link", "ok", "ops@example.com"),
        ("send_recovery_link", "ok", ADMIN),
        ("invite_user", "ok", ADMIN),
    ]
    .iter()
    .map(|(a, o, r)| (a.to_string(), o.to_string(), r.to_string()))
    .collect();
    assert_eq!(summary, expected);
    for record in records {
        assert_eq!(record["caller"], ADMIN_ARN, "the signer, whatever requested_by says");
        assert_eq!(record["target"], login);
        assert!(record["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(record["at"].as_str().is_some_and(|at| at.ends_with('Z')));
    }
    let user_id = stored(f, &login).await.unwrap().id;
    assert_eq!(records[1]["user_id"], user_id.as_str(), "resolved actions name the account");
    let text = listed.to_string();
    for secret in ["audited passphrase 9", "short\"", &invitation, "$argon2id$"] {
        assert!(!text.contains(secret), "a secret in the audit trail");
    }
    let sms_token = token_in(&texts_to(&phone).pop().unwrap());
    assert!(!text.contains(&sms_token));

    let limited = f.invoke_admin(
        &json!({ "action": "list_audit", "login": login, "limit": 2, "requested_by": ADMIN }),
    );
    assert_eq!(limited["records"].as_array().unwrap().len(), 2);
    // Listing is itself recorded.
    let again = f.invoke_admin(
        &json!({ "action": "list_audit", "login": login, "limit": 1, "requested_by": ADMIN }),
    );
    assert_eq!(again["records"][0]["action"], "list_audit");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_invocation_is_refused_and_changes_nothing() {
    let f = functions();
    let login = unique("direct");
    let event = json!({ "action": "invite_user", "login": login, "email": email_of(&login), "requested_by": ADMIN });
    let refused = f.invoke_admin_directly(&event);
    assert_eq!(refused["error"], "signed_request_required", "{refused}");
    assert!(stored(f, &login).await.is_none());
    let audit = f.invoke_admin(&json!({ "action": "list_audit", "login": login }));
    assert_eq!(audit["records"], json!([]), "nothing ran, so nothing is recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_function_url_refuses_what_is_not_signed_by_a_known_key() {
    let url = &admin_url().url;
    let action = json!({ "action": "get_user", "login": "ada" }).to_string();
    let unsigned = http("POST", url, &[("content-type", "application/json")], action.as_bytes());
    assert_eq!(unsigned.status, 403);
    assert_eq!(unsigned.json(), json!({ "Message": "Forbidden" }));
    let forged = http(
        "POST",
        url,
        &[
            ("content-type", "application/json"),
            ("x-amz-date", "20261205T000000Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIATESTADMIN0000001/20261205/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ],
        action.as_bytes(),
    );
    assert_eq!(forged.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_administrators_grant_is_read_from_the_table_for_each_request() {
    let f = functions();
    let (a, b) = (
        unique("wa").to_lowercase().replace('_', "-"),
        unique("wb").to_lowercase().replace('_', "-"),
    );
    for id in [&a, &b] {
        let event = json!({ "action": "create_workspace", "workspace": id, "name": id, "login_url": "https://example.com/login" });
        assert_eq!(f.invoke_admin(&event)["status"], "workspace_created");
    }
    let (only_b, both) = (unique("onlyb"), unique("both"));
    for (login, workspaces) in [(&only_b, json!([b])), (&both, json!([a, b]))] {
        let event = json!({ "action": "invite_user", "login": login, "email": email_of(login), "workspaces": workspaces });
        assert_eq!(f.invoke_admin(&event)["status"], "invited");
    }
    let role = format!("arn:aws:iam::123456789012:role/{a}-admins");
    let session = format!("arn:aws:sts::123456789012:assumed-role/{a}-admins/alice");
    let grant = json!({ "action": "set_admin_scope", "principal": role, "workspaces": [a] });
    assert_eq!(f.invoke_admin(&grant)["status"], "scope_set");

    let unknown =
        f.invoke_admin_as(&session, &json!({ "action": "get_user", "login": unique("nobody") }));
    assert_eq!(unknown["error"], "user_not_found");
    let outside = f.invoke_admin_as(&session, &json!({ "action": "get_user", "login": only_b }));
    assert_eq!(outside, unknown);
    let password = "a long new passphrase";
    let shared = f.invoke_admin_as(
        &session,
        &json!({ "action": "set_password", "login": both, "password": password, "password_confirmation": password }),
    );
    assert_eq!(shared["error"], "account_in_other_workspaces", "{shared}");
    let seen = f.invoke_admin_as(&session, &json!({ "action": "get_user", "login": both }));
    assert_eq!(seen["user"]["workspaces"], json!([a]), "{seen}");
    let refused =
        f.invoke_admin_as(&session, &json!({ "action": "delete_workspace", "workspace": b }));
    assert_eq!(refused["error"], "not_permitted");
    // The grant emptied: the next request finds nothing.
    let emptied = json!({ "action": "set_admin_scope", "principal": role, "workspaces": [] });
    assert_eq!(f.invoke_admin(&emptied)["status"], "scope_set");
    let after = f.invoke_admin_as(&session, &json!({ "action": "get_user", "login": both }));
    assert_eq!(after["error"], "user_not_found", "{after}");
}
