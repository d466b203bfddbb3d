//! The product's sign-in check, black box: `verify-credentials` through the
//! Lambda Invoke API of `cargo lambda watch`, as a sign-in backend calls it
//! with the AWS SDK, on the real DynamoDB adapter and moto.

use recovery_aws::DynamoDbStore;
use recovery_core::ports::UserStore;
use recovery_domain::{LoginName, PasswordHash, PasswordHasher};
use recovery_testing::token_from;
use serde_json::{Value, json};
use system_tests::*;

fn check(f: &Functions, login: &str, password: &str) -> Value {
    f.invoke("verify-credentials", &json!({ "login": login, "password": password }))
}

async fn stored_hash(f: &Functions, login: &str) -> String {
    DynamoDbStore::from_sdk(&sdk_config().await, &f.table)
        .find_by_login(&LoginName::parse(login).unwrap())
        .await
        .unwrap()
        .expect("the account")
        .password_hash
        .expect("a hash")
        .expose_phc()
        .to_owned()
}

fn change(token: &str, password: &str) -> Value {
    json!({ "token": token, "password": password, "password_confirmation": password })
}

#[tokio::test(flavor = "multi_thread")]
async fn after_each_kind_of_reset_the_new_password_opens_and_the_old_one_does_not() {
    let f = functions();
    let (login, phone) = (unique("signs-in"), unique_phone());
    create(&f.table, account(&login).password("the old password 1").phone(&phone)).await;
    assert_eq!(check(f, &login, "the old password 1")["valid"], true);

    // By emailed link.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    f.settle();
    let link = emails_to(&format!("{login}@recovery.test"))
        .last()
        .and_then(|m| m.link_starting_with(RESET_PAGE_URL))
        .unwrap();
    let token = token_from(&link).unwrap();
    let done = post_json(&f.reset_url(), &change(&token, "by the link 2"));
    assert_eq!(done.status, 200, "{}", done.text());
    let valid = check(f, &login, "by the link 2");
    assert_eq!(valid["valid"], true, "{valid}");
    assert!(valid["password_changed_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(check(f, &login, "the old password 1"), json!({ "valid": false }));

    // By SMS code.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    f.settle();
    let code = texts_to(&phone).pop().unwrap()[..6].to_owned();
    let accepted = post_json(&f.code_url(), &json!({ "phone": phone, "code": code }));
    let token = accepted.json()["reset_token"].as_str().unwrap().to_owned();
    assert_eq!(post_json(&f.reset_url(), &change(&token, "by the code 3")).status, 200);
    assert_eq!(check(f, &phone, "by the code 3")["valid"], true);
    assert_eq!(check(f, &login, "by the link 2"), json!({ "valid": false }));

    // By an administrator.
    let set = f.invoke_admin(&json!({
        "action": "set_password", "login": login, "requested_by": "admin@recovery.test",
        "password": "set by admin 4", "password_confirmation": "set by admin 4",
    }));
    assert_eq!(set["status"], "password_changed", "{set}");
    assert_eq!(check(f, &format!("{login}@recovery.test"), "set by admin 4")["valid"], true);
    assert_eq!(check(f, &login, "by the code 3"), json!({ "valid": false }));

    // Each change put exactly one event on the bus, read back through a
    // rule and a queue; the sign-in checks put none.
    let events: Vec<Value> =
        f.events().into_iter().filter(|e| e["detail"]["login"] == login.as_str()).collect();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["detail-type"].as_str().unwrap(), e["detail"]["through"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("PasswordChanged", "reset_link"),
            ("PasswordChanged", "sms_code"),
            ("PasswordChanged", "administrator"),
        ],
        "{events:?}"
    );
    assert!(events.iter().all(|e| e["source"] == "password-recovery"));
    let last = check(f, &login, "set by admin 4");
    assert_eq!(events[2]["detail"]["user_id"], last["user_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn imported_bcrypt_and_django_hashes_open_and_are_stored_as_argon2id_after() {
    let f = functions();
    for hash in [BCRYPT_OF_CORRECT_HORSE, DJANGO_OF_CORRECT_HORSE] {
        let login = unique("imported");
        create(&f.table, account(&login).hash(hash)).await;
        assert_eq!(check(f, &login, "correct horse!"), json!({ "valid": false }));
        assert_eq!(stored_hash(f, &login).await, hash);
        assert_eq!(check(f, &login, "correct horse")["valid"], true);
        let upgraded = PasswordHash::from_phc(&stored_hash(f, &login).await);
        let hasher = PasswordHasher::owasp();
        assert!(hasher.is_current(&upgraded), "{hash}");
        assert!(hasher.verify("correct horse", &upgraded));
        assert_eq!(check(f, &login, "correct horse")["valid"], true);
    }
}
