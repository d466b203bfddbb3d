//! The flows on the real adapters (DynamoDB and SES through the SDK, against
//! moto): how many DynamoDB calls each request makes, and that the number does
//! not grow with the table.

use std::sync::Arc;

use recovery_aws::DynamoDbStore;
use recovery_core::flows::{
    Administration, CredentialCheck, FlowError, PasswordChange, Recovery, ResetRequestOutcome,
    VerifyCodeError,
};
use recovery_domain::{AccountLookup, Clock, Language, PhoneNumber, SystemClock, Timestamp};
use recovery_testing::{ManualClock, token_from};
use secrecy::SecretString;
use system_tests::*;

async fn recovery(calls: &SentRequests) -> (Administration, String) {
    recovery_with_clock(calls, Arc::new(SystemClock)).await
}

async fn recovery_with_clock(
    calls: &SentRequests,
    clock: Arc<dyn Clock>,
) -> (Administration, String) {
    let sdk = sdk_config().await;
    let table = fresh_table(&sdk).await;
    verified_sender(&sdk, SENDER).await;
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(calls.clone()).build(),
    );
    let store = Arc::new(DynamoDbStore::new(dynamodb, table.clone()));
    let recovery = recovery_on_aws(&sdk, store, clock);
    (recovery, table)
}

async fn last_token(table: &str, login: &str) -> String {
    deliver_pending(table).await;
    let email = emails_to(&format!("{login}@recovery.test")).pop().expect("an email");
    let link = email.link_starting_with(RESET_PAGE_URL).expect("a link");
    token_from(&link).unwrap()
}

/// The DynamoDB calls of one reset request and one password change for a
/// fresh account.
async fn calls_for_one_reset(
    recovery: &Recovery,
    table: &str,
    calls: &SentRequests,
) -> (Vec<String>, Vec<String>) {
    let login = unique("ada");
    create(table, account(&login).password("the old password 1")).await;
    calls.take_operations();
    let outcome =
        recovery.request_reset(&AccountLookup::parse(&login).unwrap(), "192.0.2.1").await.unwrap();
    assert!(matches!(outcome, ResetRequestOutcome::LinkSent(_)));
    let request_calls = calls.take_operations();
    let change = PasswordChange {
        token: last_token(table, &login).await,
        login: None,
        password: SecretString::from("a new passphrase 2".to_owned()),
        confirmation: SecretString::from("a new passphrase 2".to_owned()),
        language: Language::English,
        workspace: None,
    };
    recovery.set_password(change).await.unwrap();
    (request_calls, calls.take_operations())
}

#[tokio::test(flavor = "multi_thread")]
async fn each_request_makes_a_few_key_lookups_whatever_the_table_holds() {
    let calls = SentRequests::default();
    let (recovery, table) = recovery(&calls).await;

    let (request, change) = calls_for_one_reset(&recovery, &table, &calls).await;
    // The lookup item with the counters, the account with its counter,
    // then token, link, counters and the account's pointer in one
    // transaction; then the step in the funnel's day (a shard's ADD).
    assert_eq!(request, ["BatchGetItem", "BatchGetItem", "TransactWriteItems", "UpdateItem"]);
    assert_eq!(change, ["GetItem", "GetItem", "TransactWriteItems", "UpdateItem"]);

    recovery
        .request_reset(&AccountLookup::parse(&unique("nobody")).unwrap(), "192.0.2.1")
        .await
        .unwrap();
    assert_eq!(
        calls.take_operations(),
        ["BatchGetItem", "TransactWriteItems"],
        "an unknown login costs one lookup and the counters' write"
    );

    // Forty more accounts, each with an outstanding token.
    for _ in 0..40 {
        let login = unique("bulk");
        create(&table, account(&login)).await;
        recovery.request_reset(&AccountLookup::parse(&login).unwrap(), "192.0.2.1").await.unwrap();
    }
    calls.take_operations();
    let (request_after, change_after) = calls_for_one_reset(&recovery, &table, &calls).await;
    assert_eq!(request_after, request, "no growth with the table");
    assert_eq!(change_after, change, "no growth with the table");
}

const IP: &str = "192.0.2.1";

/// A new account with a password and a number of its own; the number.
async fn account_with_a_phone(table: &str) -> String {
    let phone = unique_phone();
    let new = account(&unique("ada")).phone(&phone).password("old password 1");
    create(table, new).await;
    phone
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_request_makes_three_calls_rate_counters_included_one_count_and_reads_the_hold_on_texts_once_a_second()
 {
    let calls = SentRequests::default();
    let (recovery, table) = recovery(&calls).await;
    let phone = account_with_a_phone(&table).await;
    calls.take_operations();
    let outcome = recovery.request_reset(&AccountLookup::parse(&phone).unwrap(), IP).await.unwrap();
    assert!(matches!(outcome, ResetRequestOutcome::CodeSent(_)));
    // Whether texts are held (read at most once a second by an instance);
    // the counters and the phone lookup together; the account; the
    // counters and the code together; the step in the funnel's day.
    assert_eq!(
        calls.take_operations(),
        ["GetItem", "BatchGetItem", "GetItem", "TransactWriteItems", "UpdateItem"]
    );
    let unknown = unique_phone();
    recovery.request_reset(&AccountLookup::parse(&unknown).unwrap(), IP).await.unwrap();
    let operations = calls.take_operations();
    // The hold was read within the second, or is read again.
    let rest = match operations.first().map(String::as_str) {
        Some("GetItem") => &operations[1..],
        _ => &operations[..],
    };
    assert_eq!(
        rest,
        ["BatchGetItem", "TransactWriteItems"],
        "an unknown number stores a stand-in code too"
    );
    deliver_pending(&table).await;
    assert!(texts_to(&unknown).is_empty());

    // Checking the code: the code, its attempt taken before it is compared,
    // then, when it is right, one transaction.
    let number = PhoneNumber::parse(&phone).unwrap();
    deliver_pending(&table).await;
    let code = texts_to(&phone).pop().unwrap()[..6].to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    calls.take_operations();
    assert!(recovery.verify_code(&number, wrong).await.is_err());
    // And the code refused in the funnel's day.
    assert_eq!(calls.take_operations(), ["GetItem", "UpdateItem", "UpdateItem"]);
    recovery.verify_code(&number, &code).await.unwrap();
    // And the code entered counted for its country (a shard's ADD), and
    // accepted in the funnel's day.
    assert_eq!(
        calls.take_operations(),
        ["GetItem", "UpdateItem", "TransactWriteItems", "UpdateItem", "UpdateItem"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_phone_requests_get_exactly_the_allowed_number_of_codes() {
    let calls = SentRequests::default();
    let (recovery, table) = recovery(&calls).await;
    let phone = account_with_a_phone(&table).await;
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (recovery, phone) = (recovery.clone(), phone.clone());
            tokio::spawn(async move {
                recovery
                    .request_reset(
                        &AccountLookup::parse(&phone).unwrap(),
                        &format!("192.0.2.{}", 10 + i),
                    )
                    .await
            })
        })
        .collect();
    let (mut sent, mut limited) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(ResetRequestOutcome::CodeSent(_)) => sent += 1,
            Err(FlowError::RateLimited { retry_after_seconds }) => {
                assert!(retry_after_seconds >= 1);
                limited += 1;
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((sent, limited), (3, 9), "three per number per 15 minutes");
    deliver_pending(&table).await;
    // Each code replaced the one before it before any went out: only the
    // live one is texted, the two before it are superseded.
    assert_eq!(texts_to(&phone).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_one_second_past_its_lifetime_is_refused() {
    let calls = SentRequests::default();
    let clock = Arc::new(ManualClock::at(SystemClock.now()));
    let (recovery, table) = recovery_with_clock(&calls, clock.clone()).await;
    let phone = account_with_a_phone(&table).await;
    let number = PhoneNumber::parse(&phone).unwrap();

    recovery.request_reset(&AccountLookup::parse(&phone).unwrap(), IP).await.unwrap();
    deliver_pending(&table).await;
    let code = texts_to(&phone).pop().unwrap()[..6].to_owned();
    clock.advance(60);
    assert!(matches!(
        recovery.verify_code(&number, &code).await,
        Err(VerifyCodeError::InvalidCode)
    ));

    // A new code, entered in its last second, works.
    clock.set(Timestamp::from_epoch_seconds(clock.now().epoch_seconds() + 1));
    recovery.request_reset(&AccountLookup::parse(&phone).unwrap(), IP).await.unwrap();
    deliver_pending(&table).await;
    let code = texts_to(&phone).pop().unwrap()[..6].to_owned();
    clock.advance(59);
    let accepted = recovery.verify_code(&number, &code).await.unwrap();
    assert_eq!(accepted.expires_in, 600);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_failed_sign_in_check_makes_the_calls_of_a_wrong_password() {
    let calls = SentRequests::default();
    let (recovery, table) = recovery(&calls).await;
    let (plain, off, social) = (unique("plain"), unique("off"), unique("social"));
    create(&table, account(&plain).password("the right one 1")).await;
    create(&table, account(&off).password("the right one 1").disabled()).await;
    create(&table, account(&social).provider("Google")).await;
    let password = SecretString::from("the right one 1".to_owned());
    let mut seen = Vec::new();
    for (typed, what) in [
        (plain.as_str(), "wrong password"),
        ("nobody-at-all", "unknown login"),
        (off.as_str(), "disabled"),
        (social.as_str(), "provider only"),
    ] {
        let password = if what == "wrong password" {
            SecretString::from("the wrong one 1".to_owned())
        } else {
            password.clone()
        };
        calls.take_operations();
        let source = recovery_core::flows::SignInSource::new(Some("192.0.2.1"), None);
        let answer = recovery.verify_credentials(typed, &password, &source).await.unwrap();
        assert_eq!(answer, CredentialCheck::Invalid, "{what}");
        seen.push((what, calls.take_operations()));
    }
    // The typed login's counters with its lookup item; the account (a
    // stand-in's when there is none) with its guesses and whether the
    // source is familiar; the attempt counted.
    for (what, operations) in seen {
        assert_eq!(operations, ["BatchGetItem", "BatchGetItem", "TransactWriteItems"], "{what}");
    }
}
