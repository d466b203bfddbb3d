//! "This was not me": the link in the password-changed notice, the page
//! that asks, the lock, and the way back through an administrator.

use lambda_http::http::StatusCode;
use recovery_core::ports::{AuditLog, UserStore};
use recovery_domain::{LoginName, PhoneNumber};
use recovery_edges::admin_event;
use recovery_edges::http;
use recovery_testing::{SUPPORT, TestAccount, World};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::http::{get, html_of, post};
use recovery_testing::accounts::{change, request, token_in, world};

const LOCK_PAGE: &str = "https://id.example.com/password/not-me?token=";
const FORM: &str = "application/x-www-form-urlencoded";

/// Ada's password changed through her link; the lock token her notice
/// carries.
async fn changed_by_someone(w: &World) -> String {
    request(w, "ada").await;
    let token = token_in(w).await;
    let new = "set by someone else 1";
    w.recovery.set_password(change(&token, new, new)).await.unwrap();
    let notice = w.emails().await.pop().expect("the notice");
    assert_eq!(notice.subject, "Your Example password was changed");
    let link = notice
        .html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.starts_with(LOCK_PAGE))
        .expect("a lock link in the notice")
        .to_owned();
    assert!(notice.text.contains(&format!("This was not me: {link}")));
    link[LOCK_PAGE.len()..].to_owned()
}

async fn page(w: &World, token: &str) -> lambda_http::Response<lambda_http::Body> {
    http::lock_account(&w.recovery, get("/password/not-me", &[("token", token)], None)).await
}

async fn lock(w: &World, token: &str) -> lambda_http::Response<lambda_http::Body> {
    let body = format!("lang=en&token={token}");
    http::lock_account(&w.recovery, post("/password/not-me", FORM, &body)).await
}

async fn ada(w: &World) -> recovery_domain::UserAccount {
    let login = LoginName::parse("ada").unwrap();
    w.store.find_by_login(&login).await.unwrap().unwrap()
}

async fn signs_in(w: &World, password: &str) -> bool {
    let password = SecretString::from(password.to_owned());
    let shared = recovery_core::flows::SignInSource::SHARED;
    let check = w.recovery.verify_credentials("ada", &password, &shared).await.unwrap();
    matches!(check, recovery_core::flows::CredentialCheck::Valid { .. })
}

#[tokio::test]
async fn the_owner_locks_the_account_from_the_notice_and_the_new_password_dies() {
    let w = world().await;
    let token = changed_by_someone(&w).await;
    assert!(signs_in(&w, "set by someone else 1").await);

    // Opening the link only asks.
    let asked = page(&w, &token).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let html = html_of(&asked);
    assert!(html.contains("<h1>Lock your account?</h1>"), "{html}");
    assert!(html.contains("the account “ada” was changed"));
    assert!(html.contains("method=\"post\" action=\"not-me\""));
    assert!(ada(&w).await.locked_at.is_none(), "a GET locks nothing");

    // Confirming locks.
    let locked = lock(&w, &token).await;
    assert_eq!(locked.status(), StatusCode::OK);
    let html = html_of(&locked);
    assert!(html.contains("<h1>Your account is locked</h1>"), "{html}");
    assert!(html.contains(&format!("Contact support: <a href=\"{SUPPORT}\">")));
    let account = ada(&w).await;
    assert!(!account.disabled, "locked, which is not disabled");
    assert!(account.password_hash.is_none());
    assert!(account.locked_at.is_some());
    assert!(!signs_in(&w, "set by someone else 1").await);

    // The audit trail and the product hear of it.
    let records = AuditLog::list(&*w.store, "ada", 10).await.unwrap();
    let record = records.iter().find(|r| r.action == "lock_account").expect("audited");
    assert_eq!(record.outcome, "ok");
    assert!(record.caller.starts_with("the account's owner, from "));
    assert_eq!(record.on_behalf_of, None);
    w.deliver().await;
    let events: Vec<Value> = w
        .events
        .published()
        .iter()
        .filter(|e| e.detail_type == "AccountDisabled")
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["through"], "not_me");

    // The link again: the account is locked, nothing more happens.
    let again = page(&w, &token).await;
    assert!(html_of(&again).contains("<h1>Your account is locked</h1>"));
    assert_eq!(lock(&w, &token).await.status(), StatusCode::OK);
    let records = AuditLog::list(&*w.store, "ada", 10).await.unwrap();
    assert_eq!(records.iter().filter(|r| r.action == "lock_account").count(), 1);
    // Locked means no reset link either.
    let before = w.emails().await.len();
    request(&w, "ada").await;
    assert_eq!(w.emails().await.len(), before);
}

#[tokio::test]
async fn a_link_that_is_not_one_or_whose_change_is_past_locks_nothing() {
    let w = world().await;
    let first = changed_by_someone(&w).await;
    for token in ["", "nonsense", &first[..first.len() - 2]] {
        let shown = page(&w, token).await;
        assert_eq!(shown.status(), StatusCode::BAD_REQUEST);
        let html = html_of(&shown);
        assert!(html.contains("This link no longer locks the account"), "{html}");
        assert!(html.contains("class=\"support\""));
        assert_eq!(lock(&w, token).await.status(), StatusCode::BAD_REQUEST);
    }
    // A later change: the first notice's link no longer locks.
    w.clock.advance(3600);
    let second = changed_by_someone(&w).await;
    assert_eq!(page(&w, &first).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(lock(&w, &first).await.status(), StatusCode::BAD_REQUEST);
    assert!(ada(&w).await.locked_at.is_none());
    // Eight days on, neither does the second.
    w.clock.advance(8 * 86_400);
    assert_eq!(lock(&w, &second).await.status(), StatusCode::BAD_REQUEST);
    assert!(ada(&w).await.locked_at.is_none());
    // In JSON, the documented error.
    let json = http::lock_account(
        &w.recovery,
        post("/password/not-me", "application/json", &json!({ "token": second }).to_string()),
    )
    .await;
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(json.body().as_ref()).unwrap();
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn an_administrator_unlocks_with_a_recovery_link_and_the_owner_sets_a_password() {
    let w = world().await;
    let token = changed_by_someone(&w).await;
    assert_eq!(lock(&w, &token).await.status(), StatusCode::OK);
    let answer = admin_event::handle(
        &w.recovery,
        &json!({ "action": "send_recovery_link", "login": "ada", "channel": "email", "requested_by": "root" }), "arn:aws:iam::123456789012:user/root",
        "req-1",
    )
    .await;
    assert_eq!(answer["status"], "queued", "{answer}");
    let account = ada(&w).await;
    assert!(!account.blocked() && account.password_hash.is_none());
    let link = token_in(&w).await;
    let mine = "my own passphrase again";
    w.recovery.set_password(change(&link, mine, mine)).await.unwrap();
    assert!(signs_in(&w, mine).await);
    // An account an administrator disabled is not unlocked by a link.
    let disabled = admin_event::handle(
        &w.recovery,
        &json!({ "action": "send_recovery_link", "login": "linus", "channel": "email", "requested_by": "root" }), "arn:aws:iam::123456789012:user/root",
        "req-2",
    )
    .await;
    assert_eq!(disabled["error"], "account_disabled");
}

/// An administrator disabled the account; its owner's "This was not me"
/// still takes the password, is audited and announced. `get_user` shows
/// both states; `enable_user` clears the disable only, and a recovery link
/// (refused while disabled) clears the lock only.
#[tokio::test]
async fn a_lock_lands_on_a_disabled_account_and_each_way_back_clears_its_own() {
    let w = world().await;
    let token = changed_by_someone(&w).await;
    let requests = std::sync::atomic::AtomicUsize::new(0);
    let admin = |event: Value| {
        let (w, n) = (&w, requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        async move {
            admin_event::handle(
                &w.recovery,
                &event,
                "arn:aws:iam::123456789012:user/root",
                &format!("req-{n}"),
            )
            .await
        }
    };
    let action = |name: &str| json!({ "action": name, "login": "ada", "requested_by": "root" });
    assert_eq!(admin(action("disable_user")).await["status"], "disabled");
    assert_eq!(lock(&w, &token).await.status(), StatusCode::OK);
    let account = ada(&w).await;
    assert!(account.disabled && account.locked_at.is_some() && account.password_hash.is_none());
    let records = AuditLog::list(&*w.store, "ada", 10).await.unwrap();
    assert_eq!(records.iter().filter(|r| r.action == "lock_account").count(), 1);
    w.deliver().await;
    let not_me = w.events.published().iter().filter(|e| e.detail.contains("not_me")).count();
    assert_eq!(not_me, 1, "announced");

    let user = admin(action("get_user")).await;
    let shown = (&user["user"]["disabled"], &user["user"]["locked"]);
    assert_eq!(shown, (&json!(true), &json!(true)), "{user}");
    assert!(user["user"]["locked_at"].is_string(), "{user}");
    let mut link = action("send_recovery_link");
    link["channel"] = json!("email");
    assert_eq!(admin(link.clone()).await["error"], "account_disabled");

    let enabled = admin(action("enable_user")).await;
    assert_eq!(enabled["user"]["disabled"], false, "{enabled}");
    assert_eq!(enabled["user"]["locked"], true, "the lock stays");
    let before = w.emails().await.len();
    request(&w, "ada").await;
    assert_eq!(w.emails().await.len(), before, "locked: no self-service link");

    assert_eq!(admin(link).await["status"], "queued");
    let account = ada(&w).await;
    assert!(!account.blocked());
    let reset = token_in(&w).await;
    let mine = "my own passphrase again";
    w.recovery.set_password(change(&reset, mine, mine)).await.unwrap();
    assert!(signs_in(&w, mine).await);
}

#[tokio::test]
async fn a_phone_only_notice_carries_the_link_and_the_page_speaks_its_language() {
    let w = world().await;
    let token = changed_by_someone(&w).await;
    let german = http::lock_account(
        &w.recovery,
        get("/password/not-me", &[("token", &token), ("lang", "de")], None),
    )
    .await;
    let html = html_of(&german);
    assert!(html.contains("<h1>Konto sperren?</h1>"), "{html}");
    assert!(html.contains("hreflang=\"ru\""), "the language switch keeps the token");

    // A phone-only account is told by SMS, with the link.
    TestAccount::new("pat")
        .phone("+4915199999999")
        .password("old password 1")
        .create_in(&*w.store)
        .await;
    request(&w, "+4915199999999").await;
    let code = w.texts().await.pop().expect("the code").text[..6].to_owned();
    let phone = PhoneNumber::parse("+4915199999999").unwrap();
    let accepted = w.recovery.verify_code(&phone, &code).await.unwrap();
    let new = "a phone's new passphrase";
    w.recovery.set_password(change(&accepted.reset_token, new, new)).await.unwrap();
    let notice = w.texts().await.pop().expect("the notice");
    assert!(
        notice.text.contains(&format!("Not you? Lock the account: {LOCK_PAGE}")),
        "{}",
        notice.text
    );
}
