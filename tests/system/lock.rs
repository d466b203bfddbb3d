//! "This was not me", black box: a reset through the functions under
//! `cargo lambda watch`, the link in the notice it sends, the lock through
//! `lock-account`, and what the lock leaves: no sign-in with the new
//! password, an audit record, one `AccountDisabled` event for the product.

use recovery_testing::token_from;
use serde_json::{Value, json};
use system_tests::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_locks_the_account_from_the_notice_and_the_product_hears_of_it() {
    let f = functions();
    let login = unique("not-me");
    let address = format!("{login}@recovery.test");
    create(&f.table, account(&login).password("the old password 1")).await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    f.settle();
    let link = emails_to(&address)
        .last()
        .and_then(|m| m.link_starting_with(RESET_PAGE_URL))
        .expect("a reset link");
    let password = "someone else's passphrase";
    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token_from(&link).unwrap(), "password": password, "password_confirmation": password }),
    );
    assert_eq!(changed.status, 200, "{}", changed.text());
    f.settle();
    let notice = emails_to(&address).pop().expect("the notice");
    assert!(notice.subject.contains("password was changed"));
    let lock = notice
        .link_starting_with(&format!("{LOCK_PAGE_URL}?token="))
        .expect("a lock link in the notice");
    let token = token_from(&lock).expect("its token");

    // The link only asks; the POST locks.
    let asked = http("GET", &format!("{}?token={token}", f.lock_url()), &[], b"");
    assert_eq!(asked.status, 200);
    assert!(asked.text().contains("Lock your account?"));
    let check = |password: &str| {
        f.invoke("verify-credentials", &json!({ "login": login, "password": password }))
    };
    assert_eq!(check(password)["valid"], true, "a GET locks nothing");
    let locked = post_json(&f.lock_url(), &json!({ "token": token }));
    assert_eq!(locked.status, 200, "{}", locked.text());
    assert_eq!(locked.json(), json!({ "status": "locked" }));
    assert_eq!(check(password), json!({ "valid": false }));
    assert_eq!(post_json(&f.lock_url(), &json!({ "token": token })).status, 200);

    // Audited, and told to the product once.
    let audit = f.invoke_admin(
        &json!({ "action": "list_audit", "login": login, "requested_by": "admin@recovery.test" }),
    );
    let locks: Vec<&Value> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "lock_account")
        .collect();
    assert_eq!(locks.len(), 1, "{audit}");
    assert_eq!(locks[0]["outcome"], "ok");
    let disabled: Vec<Value> = f
        .events()
        .into_iter()
        .filter(|e| e["detail"]["login"] == login.as_str() && e["detail-type"] == "AccountDisabled")
        .collect();
    assert_eq!(disabled.len(), 1, "{disabled:?}");
    assert_eq!(disabled[0]["detail"]["through"], "not_me");

    // An administrator's recovery link unlocks it; the owner sets a password.
    let sent = f.invoke_admin(&json!({
        "action": "send_recovery_link", "login": login, "channel": "email",
        "requested_by": "admin@recovery.test",
    }));
    assert_eq!(sent["status"], "queued", "{sent}");
    f.settle();
    let link = emails_to(&address)
        .last()
        .and_then(|m| m.link_starting_with(RESET_PAGE_URL))
        .expect("the administrator's link");
    let mine = "the owner's passphrase again";
    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token_from(&link).unwrap(), "password": mine, "password_confirmation": mine }),
    );
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(check(mine)["valid"], true);
}
