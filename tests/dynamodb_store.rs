//! The DynamoDB adapter through the real SDK against the moto emulator, each
//! test on a table of its own created from `template.yaml`.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use password_recovery::account::{EmailAddress, LoginName, NewAccount, UserAccount, UserId};
use password_recovery::aws::DynamoDbStore;
use password_recovery::clock::Timestamp;
use password_recovery::password::{Password, PasswordHash, PasswordHasher};
use password_recovery::ports::{
    CreateAccountError, RedeemOutcome, Redemption, ResetTokenStore, UserStore,
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
