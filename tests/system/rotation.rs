//! A rotation of both secrets on the local stack loses nothing. Links,
//! codes and a password change are made by functions warm from before the
//! rotation; both secrets are rotated through the emulator's Secrets
//! Manager (`put-secret-value`, as README's procedure does); then functions
//! started after it deliver and check what the warm ones made, the warm
//! ones deliver and check what the new ones made, and a warm function seals
//! under the new version once its keys are older than its refresh interval.

use std::time::{Duration, Instant};

use recovery_aws::{DynamoDbStore, outbox_stream_image};
use recovery_core::ports::{CodeStore, OutboxItem};
use recovery_domain::{CodeSecret, KeyId, OutboxKey, PhoneNumber, UserAccount};
use recovery_testing::token_from;
use serde_json::json;
use system_tests::*;

const OUTBOX_V1: &str = "rotation test: the outbox secret's first version";
const OUTBOX_V2: &str = "rotation test: the outbox secret's second version";
const CODE_V1: &str = "rotation test: the SMS code secret's first version";
const CODE_V2: &str = "rotation test: the SMS code secret's second version";

fn outbox_id(text: &str) -> KeyId {
    OutboxKey::derive(text.as_bytes()).unwrap().id()
}

fn code_id(text: &str) -> KeyId {
    CodeSecret::new(text.as_bytes().to_vec()).unwrap().id()
}

async fn waiting_for(table: &str, account: &UserAccount) -> Vec<OutboxItem> {
    pending_messages(table).await.into_iter().filter(|m| m.user_id == account.id).collect()
}

/// Hands `items` to `f`'s deliver as one stream batch; all must go out.
fn deliver(f: &Functions, items: &[OutboxItem]) {
    assert!(!items.is_empty());
    let images: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (format!("{}", 100 + i), outbox_stream_image(item)))
        .collect();
    let answer = f.invoke_deliver(&stream_event(&images));
    assert_eq!(answer, json!({ "batchItemFailures": [] }), "see {}", f.log.display());
}

fn forgot(f: &Functions, login: &str) {
    let answer = post_json(&f.forgot_url(), &json!({ "login": login }));
    assert_eq!(answer.status, 202, "{}", answer.text());
}

fn reset_token_mailed_to(account: &UserAccount) -> String {
    let address = account.email.as_ref().unwrap().as_str();
    let link = emails_to(address).last().and_then(|m| m.link_starting_with(RESET_PAGE_URL));
    token_from(&link.expect("a reset link")).unwrap()
}

fn set_password(f: &Functions, token: &str) {
    let password = "a passphrase after the rotation";
    let body = json!({ "token": token, "password": password, "password_confirmation": password });
    let answer = post_json(&f.reset_url(), &body);
    assert_eq!(answer.status, 200, "{}", answer.text());
}

fn verify_code(f: &Functions, phone: &str) {
    let code = texts_to(phone).last().expect("a code")[..6].to_owned();
    let answer = post_json(&f.code_url(), &json!({ "phone": phone, "code": code }));
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.json()["reset_token"].is_string());
}

async fn someone(table: &str, prefix: &str) -> UserAccount {
    create(table, account(&unique(prefix)).password("the old password 1")).await
}

async fn someone_with_a_phone(table: &str) -> (UserAccount, String) {
    let phone = unique_phone();
    let login = unique("rotated-phone");
    (create(table, account(&login).phone(&phone).password("the old password 1")).await, phone)
}

async fn code_key_of(table: &str, phone: &str) -> Option<KeyId> {
    let store = DynamoDbStore::from_sdk(&sdk_config().await, table);
    let record = store.find_code(&PhoneNumber::parse(phone).unwrap()).await.unwrap();
    record.expect("a stored code").mac.key_id()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_of_both_secrets_loses_no_message_code_or_lock_link() {
    let sdk = sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let outbox_arn =
        local_stack::ensure_secret(&secrets, &unique("rotated-outbox"), Some(OUTBOX_V1)).await;
    let code_arn =
        local_stack::ensure_secret(&secrets, &unique("rotated-code"), Some(CODE_V1)).await;
    let (outbox_arn, code_arn) = (outbox_arn.unwrap(), code_arn.unwrap());
    let with = |refresh: &'static str, table: Option<&str>| {
        let mut env = vec![
            ("OUTBOX_SECRET_ARN", outbox_arn.clone()),
            ("SMS_CODE_SECRET_ARN", code_arn.clone()),
            ("KEY_REFRESH_SECONDS", refresh.to_owned()),
        ];
        env.extend(table.map(|t| ("TABLE_NAME", t.to_owned())));
        env
    };
    let start = |env: Vec<(&'static str, String)>| {
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
        Functions::start_with(&env, Stream::Off)
    };
    // Warm from before the rotation: `warm` reads its keys again only for a
    // version it does not hold (within the test), `ticking` also every 10 s.
    let warm = start(with("3600", None));
    let table = warm.table.clone();
    let ticking = start(with("10", Some(&table)));

    // Before: a link, a code, and a password change whose notice holds a
    // lock link, all waiting in the outbox, sealed and MACed under the
    // first versions.
    let ada = someone(&table, "rotated-ada").await;
    forgot(&warm, ada.login.as_str());
    let (bob, bob_phone) = someone_with_a_phone(&table).await;
    forgot(&warm, &bob_phone);
    let cy = someone(&table, "rotated-cy").await;
    forgot(&warm, cy.login.as_str());
    deliver(&warm, &waiting_for(&table, &cy).await);
    set_password(&warm, &reset_token_mailed_to(&cy));
    let mut before = Vec::new();
    for someone in [&ada, &bob, &cy] {
        before.extend(waiting_for(&table, someone).await);
    }
    assert_eq!(before.len(), 4, "a link, a code, a notice and its event: {before:?}");
    for item in &before {
        assert_eq!(OutboxKey::sealed_by(&item.sealed), Some(outbox_id(OUTBOX_V1)));
    }
    assert_eq!(code_key_of(&table, &bob_phone).await, Some(code_id(CODE_V1)));
    let dan = someone(&table, "rotated-dan").await;
    forgot(&ticking, dan.login.as_str());
    let sealed = &waiting_for(&table, &dan).await[0].sealed;
    assert_eq!(OutboxKey::sealed_by(sealed), Some(outbox_id(OUTBOX_V1)));

    // The rotation of both secrets.
    for (arn, text) in [(&outbox_arn, OUTBOX_V2), (&code_arn, CODE_V2)] {
        secrets.put_secret_value().secret_id(arn).secret_string(text).send().await.unwrap();
    }
    let rotated_at = Instant::now();

    // Functions started after it deliver and check what the warm ones made.
    let fresh = start(with("3600", Some(&table)));
    deliver(&fresh, &before);
    set_password(&fresh, &reset_token_mailed_to(&ada));
    verify_code(&fresh, &bob_phone);
    let cy_address = cy.email.as_ref().unwrap().as_str();
    let notice = emails_to(cy_address).pop().expect("the notice");
    let lock = notice.link_starting_with(&format!("{LOCK_PAGE_URL}?token=")).expect("lock link");
    let locked = post_json(&fresh.lock_url(), &json!({ "token": token_from(&lock).unwrap() }));
    assert_eq!(locked.json(), json!({ "status": "locked" }), "{}", locked.text());

    // What they make is sealed and MACed under the new versions, and the
    // warm ones, meeting versions they do not hold, read them and deliver
    // and check it.
    let eve = someone(&table, "rotated-eve").await;
    forgot(&fresh, eve.login.as_str());
    let (fay, fay_phone) = someone_with_a_phone(&table).await;
    forgot(&fresh, &fay_phone);
    let mut after = waiting_for(&table, &eve).await;
    after.extend(waiting_for(&table, &fay).await);
    assert_eq!(after.len(), 2, "a link and a code: {after:?}");
    for item in &after {
        assert_eq!(OutboxKey::sealed_by(&item.sealed), Some(outbox_id(OUTBOX_V2)));
    }
    assert_eq!(code_key_of(&table, &fay_phone).await, Some(code_id(CODE_V2)));
    deliver(&warm, &after);
    set_password(&warm, &reset_token_mailed_to(&eve));
    verify_code(&warm, &fay_phone);

    // A warm function seals under the new version once its keys are older
    // than its interval: each try a new account, one link each.
    loop {
        let gus = someone(&table, "rotated-gus").await;
        forgot(&ticking, gus.login.as_str());
        let sealed = &waiting_for(&table, &gus).await[0].sealed;
        if OutboxKey::sealed_by(sealed) == Some(outbox_id(OUTBOX_V2)) {
            break;
        }
        assert!(rotated_at.elapsed() < Duration::from_secs(60), "still the old version");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
