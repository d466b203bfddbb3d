//! The DynamoDB adapter through the real SDK against the moto emulator, each
//! test on a table of its own created from `template.yaml`.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use password_recovery::account::{
    EmailAddress, LoginName, NewAccount, PhoneNumber, UserAccount, UserId,
};
use password_recovery::aws::DynamoDbStore;
use password_recovery::clock::Timestamp;
use password_recovery::code::{CodeRecord, CodeSecret, SmsCode};
use password_recovery::password::{Password, PasswordHash, PasswordHasher};
use password_recovery::ports::{
    CodeRequestState, CodeStore, CounterUpdate, CreateAccountError, RedeemOutcome, Redemption,
    ResetTokenStore, UserStore, WrongAttempt,
};
use password_recovery::random::OsRandom;
use password_recovery::token::{ResetToken, ResetTokenRecord, TokenPurpose};
use system_tests::*;

async fn store() -> (SdkConfig, DynamoDbStore) {
    let sdk = sdk_config().await;
    let table = fresh_table(&sdk).await;
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    (sdk, store)
}

fn new_account(login: &str, email: &str) -> NewAccount {
    NewAccount {
        login: LoginName::parse(login).unwrap(),
        email: Some(EmailAddress::parse(email).unwrap()),
        phone: None,
        password_hash: Some(PasswordHash::from_phc(
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        )),
        social_provider: None,
        disabled: false,
    }
}

async fn created(store: &DynamoDbStore, login: &str) -> UserAccount {
    store
        .create(
            new_account(login, &format!("{login}@recovery.test")),
            UserId::generate(&OsRandom).unwrap(),
        )
        .await
        .unwrap()
}

fn record(user: &UserAccount, issued_at: i64, lifetime: i64) -> (ResetToken, ResetTokenRecord) {
    let token = ResetToken::generate(&OsRandom).unwrap();
    let record = ResetTokenRecord {
        digest: token.digest(),
        user_id: user.id.clone(),
        purpose: TokenPurpose::SelfService,
        issued_at: Timestamp::from_epoch_seconds(issued_at),
        expires_at: Timestamp::from_epoch_seconds(issued_at + lifetime),
    };
    (token, record)
}

async fn raw_item(
    sdk: &SdkConfig,
    table: &str,
    pk: String,
    sk: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    aws_sdk_dynamodb::Client::new(sdk)
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S(sk.into()))
        .send()
        .await
        .unwrap()
        .item
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_from_the_template_has_ttl_on_expires_at() {
    let (sdk, store) = store().await;
    let ttl = aws_sdk_dynamodb::Client::new(&sdk)
        .describe_time_to_live()
        .table_name(store.table_name())
        .send()
        .await
        .unwrap();
    let spec = ttl.time_to_live_description().unwrap();
    assert_eq!(spec.attribute_name(), Some("expires_at"));
    assert_eq!(spec.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_are_found_by_login_email_and_id() {
    let (_, store) = store().await;
    let login = unique("ada");
    let made = created(&store, &login).await;
    let by_login = store
        .find_by_login(&LoginName::parse(&login).unwrap())
        .await
        .unwrap()
        .unwrap();
    let email = EmailAddress::parse(&format!("{login}@recovery.test")).unwrap();
    let by_email = store.find_by_email(&email).await.unwrap().unwrap();
    let by_id = store.get(&made.id).await.unwrap().unwrap();
    for found in [&by_login, &by_email, &by_id] {
        assert_eq!(found.id, made.id);
        assert_eq!(found.login.as_str(), login);
        assert_eq!(found.email.as_ref(), Some(&email));
        assert!(found.password_hash.is_some());
        assert!(!found.disabled);
    }
    assert!(
        store
            .find_by_login(&LoginName::parse("nobody").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_by_email(&EmailAddress::parse("nobody@recovery.test").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_and_emails_stay_unique_and_a_refused_create_writes_nothing() {
    let (_, store) = store().await;
    created(&store, "ada").await;
    let taken_login = store
        .create(
            new_account("ada", "other@recovery.test"),
            UserId::generate(&OsRandom).unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(taken_login, CreateAccountError::LoginTaken);
    let taken_email = store
        .create(
            new_account("bob", "ada@recovery.test"),
            UserId::generate(&OsRandom).unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(taken_email, CreateAccountError::EmailTaken);
    // Neither refusal left a login or email behind.
    assert!(
        store
            .find_by_login(&LoginName::parse("bob").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_by_email(&EmailAddress::parse("other@recovery.test").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    store
        .create(
            new_account("bob", "other@recovery.test"),
            UserId::generate(&OsRandom).unwrap(),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn issuing_stores_only_the_digest_with_an_epoch_seconds_ttl() {
    let (sdk, store) = store().await;
    let user = created(&store, "ada").await;
    let (token, record) = record(&user, 1_800_000_000, 3600);
    store.issue(&user, &record).await.unwrap();
    let item = raw_item(
        &sdk,
        store.table_name(),
        format!("RESET#{}", token.digest().to_hex()),
        "RESET",
    )
    .await
    .expect("the token item, keyed by digest");
    assert_eq!(item["expires_at"].as_n().unwrap(), "1800003600");
    let text = format!("{item:?}");
    assert!(
        !text.contains(&token.expose_for_link()),
        "the token itself is not stored"
    );
    assert_eq!(
        store.find(&token.digest()).await.unwrap(),
        Some(record.clone())
    );
    let user = store.get(&user.id).await.unwrap().unwrap();
    assert_eq!(user.active_reset, Some(token.digest()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_token_supersedes_and_removes_the_previous_one() {
    let (sdk, store) = store().await;
    let user = created(&store, "ada").await;
    let (first, first_record) = record(&user, 1_800_000_000, 3600);
    store.issue(&user, &first_record).await.unwrap();
    let user = store.get(&user.id).await.unwrap().unwrap();
    let (second, second_record) = record(&user, 1_800_000_010, 3600);
    store.issue(&user, &second_record).await.unwrap();
    assert!(
        raw_item(
            &sdk,
            store.table_name(),
            format!("RESET#{}", first.digest().to_hex()),
            "RESET"
        )
        .await
        .is_none()
    );
    let hash = PasswordHash::from_phc("$argon2id$new");
    let redeem = |digest| Redemption {
        digest,
        user_id: &user.id,
        phone: None,
        new_hash: &hash,
        now: Timestamp::from_epoch_seconds(1_800_000_020),
    };
    let (first, second) = (first.digest(), second.digest());
    assert_eq!(
        store.redeem(redeem(&first)).await.unwrap(),
        RedeemOutcome::Rejected
    );
    assert_eq!(
        store.redeem(redeem(&second)).await.unwrap(),
        RedeemOutcome::Redeemed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redeeming_consumes_the_token_and_stores_the_hash_together() {
    let (sdk, store) = store().await;
    let user = created(&store, "ada").await;
    let (token, record) = record(&user, 1_800_000_000, 3600);
    store.issue(&user, &record).await.unwrap();
    let hash = PasswordHasher::owasp()
        .hash(&Password::new("a new passphrase"), &OsRandom)
        .unwrap();
    let now = Timestamp::from_epoch_seconds(1_800_000_100);
    let redemption = || Redemption {
        digest: &record.digest,
        user_id: &user.id,
        phone: None,
        new_hash: &hash,
        now,
    };
    assert_eq!(
        store.redeem(redemption()).await.unwrap(),
        RedeemOutcome::Redeemed
    );
    let after = store.get(&user.id).await.unwrap().unwrap();
    assert_eq!(after.password_hash.unwrap().expose_phc(), hash.expose_phc());
    assert_eq!(after.password_changed_at, Some(now));
    assert_eq!(after.active_reset, None);
    assert!(
        raw_item(
            &sdk,
            store.table_name(),
            format!("RESET#{}", token.digest().to_hex()),
            "RESET"
        )
        .await
        .is_none()
    );
    assert_eq!(
        store.redeem(redemption()).await.unwrap(),
        RedeemOutcome::Rejected,
        "single use"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_rejected_and_changes_nothing() {
    let (_, store) = store().await;
    let user = created(&store, "ada").await;
    let old_hash = user.password_hash.clone().unwrap();
    let (_, record) = record(&user, 1_800_000_000, 60);
    store.issue(&user, &record).await.unwrap();
    let hash = PasswordHash::from_phc("$argon2id$new");
    let at = |seconds| Redemption {
        digest: &record.digest,
        user_id: &user.id,
        phone: None,
        new_hash: &hash,
        now: Timestamp::from_epoch_seconds(seconds),
    };
    // One second past the lifetime: refused by the condition, whatever the
    // caller checked before.
    assert_eq!(
        store.redeem(at(1_800_000_060)).await.unwrap(),
        RedeemOutcome::Rejected
    );
    let after = store.get(&user.id).await.unwrap().unwrap();
    assert_eq!(
        after.password_hash.unwrap().expose_phc(),
        old_hash.expose_phc()
    );
    assert!(
        store.find(&record.digest).await.unwrap().is_some(),
        "the item is still there"
    );
    assert_eq!(
        store.redeem(at(1_800_000_059)).await.unwrap(),
        RedeemOutcome::Redeemed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_redemptions_of_one_token_succeed_once() {
    let (_, store) = store().await;
    let store = Arc::new(store);
    let user = created(&store, "ada").await;
    let (_, record) = record(&user, 1_800_000_000, 3600);
    store.issue(&user, &record).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, record, user) = (store.clone(), record.clone(), user.clone());
            tokio::spawn(async move {
                let hash = PasswordHash::from_phc(&format!("$argon2id$attempt{i}"));
                store
                    .redeem(Redemption {
                        digest: &record.digest,
                        user_id: &user.id,
                        phone: None,
                        new_hash: &hash,
                        now: Timestamp::from_epoch_seconds(1_800_000_100),
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut redeemed = 0;
    for task in tasks {
        if task.await.unwrap() == RedeemOutcome::Redeemed {
            redeemed += 1;
        }
    }
    assert_eq!(redeemed, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_table_is_a_dependency_error_not_a_panic() {
    let sdk = sdk_config().await;
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(&sdk), unique("missing-table"));
    let err = store
        .find_by_login(&LoginName::parse("ada").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code, "ResourceNotFoundException");
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_are_found_by_phone_and_phones_stay_unique() {
    let (_, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let mut account = new_account("ada", "ada@recovery.test");
    account.phone = Some(phone.clone());
    let made = store
        .create(account, UserId::generate(&OsRandom).unwrap())
        .await
        .unwrap();
    let found = store.find_by_phone(&phone).await.unwrap().unwrap();
    assert_eq!(found.id, made.id);
    assert_eq!(found.phone.as_ref(), Some(&phone));
    let mut other = new_account("bob", "bob@recovery.test");
    other.phone = Some(phone.clone());
    let err = store
        .create(other, UserId::generate(&OsRandom).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err, CreateAccountError::PhoneTaken);
    assert!(
        store
            .find_by_login(&LoginName::parse("bob").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

fn code_record(
    user: Option<&UserAccount>,
    phone: &PhoneNumber,
    code: &str,
    issued_at: i64,
) -> CodeRecord {
    let secret = CodeSecret::new(vec![3u8; 32]).unwrap();
    CodeRecord {
        phone: phone.clone(),
        user_id: user.map(|u| u.id.clone()),
        mac: secret.mac(phone, &SmsCode::parse(code).unwrap()),
        attempts_left: 5,
        issued_at: Timestamp::from_epoch_seconds(issued_at),
        expires_at: Timestamp::from_epoch_seconds(issued_at + 60),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_are_stored_as_macs_and_replaced_by_newer_ones() {
    let (sdk, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let first = code_record(None, &phone, "123456", 1_800_000_000);
    assert!(store.store_code(&first, &[]).await.unwrap());
    assert_eq!(store.find_code(&phone).await.unwrap(), Some(first.clone()));
    let item = raw_item(
        &sdk,
        store.table_name(),
        format!("CODE#{}", phone.as_e164()),
        "CODE",
    )
    .await
    .unwrap();
    assert!(
        !format!("{item:?}").contains("123456"),
        "only the MAC is stored"
    );
    assert_eq!(item["expires_at"].as_n().unwrap(), "1800000060");
    let second = code_record(None, &phone, "654321", 1_800_000_030);
    assert!(store.store_code(&second, &[]).await.unwrap());
    assert_eq!(store.find_code(&phone).await.unwrap(), Some(second));
    assert_eq!(
        store.record_wrong_attempt(&first).await.unwrap(),
        WrongAttempt::Stale
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_attempts_count_down_to_a_burned_code() {
    let (_, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let record = code_record(None, &phone, "123456", 1_800_000_000);
    assert!(store.store_code(&record, &[]).await.unwrap());
    for left in (0..5).rev() {
        assert_eq!(
            store.record_wrong_attempt(&record).await.unwrap(),
            WrongAttempt::Counted {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        store.record_wrong_attempt(&record).await.unwrap(),
        WrongAttempt::Stale
    );
    assert_eq!(
        store
            .find_code(&phone)
            .await
            .unwrap()
            .unwrap()
            .attempts_left,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_is_exchanged_once_for_the_only_live_token() {
    let (_, store) = store().await;
    let store = Arc::new(store);
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let mut account = new_account("ada", "ada@recovery.test");
    account.phone = Some(phone.clone());
    let user = store
        .create(account, UserId::generate(&OsRandom).unwrap())
        .await
        .unwrap();
    // An emailed link outstanding before the code.
    let (link, link_record) = record(&user, 1_800_000_000, 3600);
    store.issue(&user, &link_record).await.unwrap();
    let user = store.get(&user.id).await.unwrap().unwrap();
    let code = code_record(Some(&user), &phone, "123456", 1_800_000_000);
    assert!(store.store_code(&code, &[]).await.unwrap());
    let now = Timestamp::from_epoch_seconds(1_800_000_010);

    // Expired: refused, nothing changes.
    let late = Timestamp::from_epoch_seconds(1_800_000_060);
    let (_, token_record) = record(&user, 1_800_000_060, 600);
    assert!(
        !store
            .exchange_code(&code, late, &token_record)
            .await
            .unwrap()
    );
    assert!(store.find_code(&phone).await.unwrap().is_some());

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (store, code, user) = (store.clone(), code.clone(), user.clone());
            tokio::spawn(async move {
                let (token, token_record) = record(&user, 1_800_000_010, 600);
                let exchanged = store
                    .exchange_code(&code, now, &token_record)
                    .await
                    .unwrap();
                (exchanged, token)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (exchanged, token) = task.await.unwrap();
        if exchanged {
            winners.push(token);
        }
    }
    assert_eq!(winners.len(), 1, "a code is exchanged once");
    assert!(store.find_code(&phone).await.unwrap().is_none());
    let user = store.get(&user.id).await.unwrap().unwrap();
    assert_eq!(
        user.active_reset,
        Some(winners[0].digest()),
        "the new token is the only live one"
    );
    let hash = PasswordHash::from_phc("$argon2id$new");
    let outcome = store
        .redeem(Redemption {
            digest: &link.digest(),
            user_id: &user.id,
            phone: Some(&phone),
            new_hash: &hash,
            now,
        })
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RedeemOutcome::Rejected,
        "the emailed link no longer works"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_is_not_exchanged_for_an_account_that_was_disabled_or_lost_the_number() {
    let (sdk, store) = store().await;
    for change in ["SET disabled = :yes", "REMOVE phone"] {
        let phone = PhoneNumber::parse(&unique_phone()).unwrap();
        let mut account = new_account(&format!("ada{}", change.len()), "ada@recovery.test");
        account.email = None;
        account.phone = Some(phone.clone());
        let user = store
            .create(account, UserId::generate(&OsRandom).unwrap())
            .await
            .unwrap();
        let code = code_record(Some(&user), &phone, "123456", 1_800_000_000);
        assert!(store.store_code(&code, &[]).await.unwrap());
        let mut update = aws_sdk_dynamodb::Client::new(&sdk)
            .update_item()
            .table_name(store.table_name())
            .key(
                "pk",
                AttributeValue::S(format!("USER#{}", user.id.as_str())),
            )
            .key("sk", AttributeValue::S("USER".into()))
            .update_expression(change);
        if change.contains(":yes") {
            update = update.expression_attribute_values(":yes", AttributeValue::Bool(true));
        }
        update.send().await.unwrap();
        let (_, token_record) = record(&user, 1_800_000_010, 600);
        let now = Timestamp::from_epoch_seconds(1_800_000_010);
        assert!(
            !store
                .exchange_code(&code, now, &token_record)
                .await
                .unwrap(),
            "{change}: refused"
        );
        assert!(
            store.find_code(&phone).await.unwrap().is_some(),
            "{change}: code kept"
        );
        assert!(store.find(&token_record.digest).await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn redeeming_a_token_kills_the_outstanding_code() {
    let (_, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let mut account = new_account("ada", "ada@recovery.test");
    account.phone = Some(phone.clone());
    let user = store
        .create(account, UserId::generate(&OsRandom).unwrap())
        .await
        .unwrap();
    let (_, link_record) = record(&user, 1_800_000_000, 3600);
    store.issue(&user, &link_record).await.unwrap();
    let code = code_record(Some(&user), &phone, "123456", 1_800_000_000);
    assert!(store.store_code(&code, &[]).await.unwrap());
    let hash = PasswordHash::from_phc("$argon2id$new");
    let outcome = store
        .redeem(Redemption {
            digest: &link_record.digest,
            user_id: &user.id,
            phone: Some(&phone),
            new_hash: &hash,
            now: Timestamp::from_epoch_seconds(1_800_000_010),
        })
        .await
        .unwrap();
    assert_eq!(outcome, RedeemOutcome::Redeemed);
    assert!(store.find_code(&phone).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn counters_and_code_are_written_together_or_not_at_all() {
    let (sdk, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let keys = vec![
        format!("ip#{}", unique_phone()),
        format!("phone#{}", phone.as_e164()),
    ];
    let first = store.load_code_request(&phone, &keys).await.unwrap();
    let stale = store.load_code_request(&phone, &keys).await.unwrap();
    assert!(first.account.is_none());
    assert_eq!(first.counters.len(), 2);
    assert!(
        first
            .counters
            .iter()
            .all(|c| c.version == 0 && c.hits.is_empty())
    );
    fn updates(state: &CodeRequestState, at: i64) -> Vec<CounterUpdate<'_>> {
        state
            .counters
            .iter()
            .map(|counter| CounterUpdate {
                counter,
                hits: vec![at],
                expires_at: Timestamp::from_epoch_seconds(at + 86_400),
            })
            .collect()
    }
    let code = code_record(None, &phone, "111111", 1_800_000_000);
    assert!(
        store
            .store_code(&code, &updates(&first, 1_800_000_000))
            .await
            .unwrap()
    );
    let late = code_record(None, &phone, "222222", 1_800_000_001);
    assert!(
        !store
            .store_code(&late, &updates(&stale, 1_800_000_001))
            .await
            .unwrap(),
        "a write from a stale read is refused"
    );
    assert_eq!(
        store.find_code(&phone).await.unwrap().unwrap().mac,
        code.mac,
        "and writes nothing, not even the code"
    );
    let now = store.load_code_request(&phone, &keys).await.unwrap();
    for counter in &now.counters {
        assert_eq!(counter.hits, vec![1_800_000_000]);
        assert_eq!(counter.version, 1);
    }
    let item = raw_item(
        &sdk,
        store.table_name(),
        format!("RATE#phone#{}", phone.as_e164()),
        "RATE",
    )
    .await
    .unwrap();
    assert_eq!(
        *item["expires_at"].as_n().unwrap(),
        (1_800_000_000 + 86_400).to_string()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_request_reads_the_account_with_the_number() {
    let (_, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let mut account = new_account("grace", "grace@recovery.test");
    account.phone = Some(phone.clone());
    let user = store
        .create(account, UserId::generate(&OsRandom).unwrap())
        .await
        .unwrap();
    let state = store.load_code_request(&phone, &[]).await.unwrap();
    assert_eq!(state.account.map(|a| a.id), Some(user.id));
    assert!(state.counters.is_empty());
}
