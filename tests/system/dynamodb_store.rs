//! The DynamoDB store through the real SDK against the moto emulator, each
//! test on a table of its own created from `template.yaml`: the store
//! contract (the same cases the in-memory store passes), and what only the
//! table shows: what is stored, with which TTL.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use recovery_aws::DynamoDbStore;
use recovery_core::ports::Written;
use recovery_core::ports::{
    AuditLog, CodeStore, CounterChange, CounterKey, CounterUpdate, OutboxItem, ResetTokenStore,
    UserStore, WorkspaceStore,
};
use recovery_domain::{
    AccountLookup, CodeRecord, CodeSecret, LoginName, OsRandom, PhoneNumber, RateWindow,
    ResetToken, ResetTokenRecord, SmsCode, Tally, Timestamp, TokenPurpose, UserAccount,
    hit_buckets,
};
use recovery_messages::{Channel, MessageKind};
use system_tests::*;

async fn fresh_store() -> DynamoDbStore {
    let sdk = sdk_config().await;
    DynamoDbStore::from_sdk(&sdk, &fresh_table(&sdk).await)
}

recovery_testing::store_contract_tests!(fresh_store);

async fn store() -> (SdkConfig, DynamoDbStore) {
    let sdk = sdk_config().await;
    let table = fresh_table(&sdk).await;
    let store = DynamoDbStore::from_sdk(&sdk, &table);
    (sdk, store)
}

async fn created(store: &DynamoDbStore, login: &str, phone: Option<&str>) -> UserAccount {
    let mut new = account(login).hash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
    if let Some(phone) = phone {
        new = new.phone(phone);
    }
    new.create_in(store).await
}

async fn raw_item(
    sdk: &SdkConfig,
    table: &str,
    pk: String,
    sk: &str,
) -> Option<HashMap<String, AttributeValue>> {
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
async fn issuing_stores_only_the_digest_with_an_epoch_seconds_ttl() {
    let (sdk, store) = store().await;
    let user = created(&store, "ada", None).await;
    let token = ResetToken::generate(&OsRandom).unwrap();
    let record = ResetTokenRecord::issue(
        &token,
        &user.id,
        TokenPurpose::SelfService,
        Timestamp::from_epoch_seconds(1_800_000_000),
        3600,
    );
    store.issue(&user, &record, &message_to(&user, &record)).await.unwrap();
    let item =
        raw_item(&sdk, store.table_name(), format!("RESET#{}", token.digest().to_hex()), "RESET")
            .await
            .expect("the token item, keyed by digest");
    assert_eq!(item["expires_at"].as_n().unwrap(), "1800003600");
    let text = format!("{item:?}");
    assert!(!text.contains(&token.expose_for_link()), "the token itself is not stored");
    assert_eq!(store.find(&token.digest()).await.unwrap(), Some(record.clone()));
    let user = store.get(&user.id).await.unwrap().unwrap();
    assert_eq!(user.active_reset, Some(token.digest()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_table_is_a_dependency_error_not_a_panic() {
    let sdk = sdk_config().await;
    let store = DynamoDbStore::from_sdk(&sdk, &unique("missing-table"));
    let err = store.find_by_login(&LoginName::parse("ada").unwrap()).await.unwrap_err();
    assert_eq!(err.code, "ResourceNotFoundException");
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_are_stored_as_macs_with_an_epoch_seconds_ttl() {
    let (sdk, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let first = code_record(None, &phone, "123456", 1_800_000_000);
    assert_eq!(store.store_code(&first, &[], None).await.unwrap(), Written::Done);
    let item = raw_item(&sdk, store.table_name(), format!("CODE#{}", phone.as_e164()), "CODE")
        .await
        .unwrap();
    assert!(!format!("{item:?}").contains("123456"), "only the MAC is stored");
    assert_eq!(item["expires_at"].as_n().unwrap(), "1800000060");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_is_not_exchanged_for_an_account_that_was_disabled_or_lost_the_number() {
    let (sdk, store) = store().await;
    for change in ["SET disabled = :yes", "REMOVE phone"] {
        let phone = PhoneNumber::parse(&unique_phone()).unwrap();
        let login = format!("ada{}", change.len());
        let user = created(&store, &login, Some(phone.as_e164())).await;
        let code = code_record(Some(&user), &phone, "123456", 1_800_000_000);
        assert_eq!(store.store_code(&code, &[], None).await.unwrap(), Written::Done);
        let mut update = aws_sdk_dynamodb::Client::new(&sdk)
            .update_item()
            .table_name(store.table_name())
            .key("pk", AttributeValue::S(format!("USER#{}", user.id.as_str())))
            .key("sk", AttributeValue::S("USER".into()))
            .update_expression(change);
        if change.contains(":yes") {
            update = update.expression_attribute_values(":yes", AttributeValue::Bool(true));
        }
        update.send().await.unwrap();
        let token = ResetToken::generate(&OsRandom).unwrap();
        let now = Timestamp::from_epoch_seconds(1_800_000_010);
        let token_record =
            ResetTokenRecord::issue(&token, &user.id, TokenPurpose::SmsCode, now, 600);
        assert_eq!(
            store.exchange_code(&code, now, &token_record).await.unwrap(),
            Written::Stale,
            "{change}: refused"
        );
        assert!(store.find_code(&phone).await.unwrap().is_some(), "{change}: code kept");
        assert!(store.find(&token_record.digest).await.unwrap().is_none());
    }
}

/// The windows the counters below count in.
const WINDOWS: [RateWindow; 2] =
    [RateWindow { seconds: 900, max: 3 }, RateWindow { seconds: 86_400, max: 10 }];

#[tokio::test(flavor = "multi_thread")]
async fn rate_counters_are_stored_as_intervals_with_the_ttl_of_their_longest_window() {
    let (sdk, store) = store().await;
    let phone = PhoneNumber::parse(&unique_phone()).unwrap();
    let lookup = AccountLookup::Phone(phone.clone());
    let keys = vec![CounterKey::typed(&lookup)];
    let first = store.load_request(&lookup, &keys, &[]).await.unwrap();
    let t0 = 1_800_000_000;
    let tally = Tally::of(&WINDOWS, &[t0]);
    let updates: Vec<_> = first
        .counters
        .iter()
        .map(|counter| {
            CounterUpdate::replace(
                counter,
                tally.clone(),
                Timestamp::from_epoch_seconds(t0 + 86_400),
            )
        })
        .collect();
    let code = code_record(None, &phone, "111111", t0);
    assert_eq!(store.store_code(&code, &updates, None).await.unwrap(), Written::Done);
    let raw =
        || raw_item(&sdk, store.table_name(), format!("RATE#phone#{}", phone.as_e164()), "RATE");
    let item = raw().await.unwrap();
    assert_eq!(*item["expires_at"].as_n().unwrap(), (t0 + 86_400).to_string());
    assert_eq!(item["kind"].as_s().unwrap(), "rate_counter");
    // One hit: in the quarter hour's 15-second interval and the day's
    // 24-minute one.
    let n = |name: &str| item.get(name).map(|v| v.as_n().unwrap().clone());
    assert_eq!(n(&format!("b900_{}", t0 / 15)).as_deref(), Some("1"));
    assert_eq!(n(&format!("b86400_{}", t0 / 1440)).as_deref(), Some("1"));
    assert_eq!((n("hit_count").as_deref(), n("last_hit")), (Some("1"), Some(t0.to_string())));
    // A hit added in an update moves the TTL with it, not the version.
    let second = store.load_request(&lookup, &keys, &[]).await.unwrap();
    assert_eq!(second.counters[0].hits, tally);
    let added = CounterUpdate {
        counter: &second.counters[0],
        change: CounterChange::Add { hit: t0 + 60, into: hit_buckets(&WINDOWS, t0 + 60), most: 5 },
        expires_at: Timestamp::from_epoch_seconds(t0 + 60 + 86_400),
    };
    assert_eq!(store.record_hits(&[added], None).await.unwrap(), Written::Done);
    let item = raw().await.unwrap();
    assert_eq!(*item["expires_at"].as_n().unwrap(), (t0 + 60 + 86_400).to_string());
    assert_eq!(*item["hit_count"].as_n().unwrap(), "2");
    assert_eq!(*item[&format!("b86400_{}", t0 / 1440)].as_n().unwrap(), "2");
    assert_eq!(*item["version"].as_n().unwrap(), "1");
    let third = store.load_request(&lookup, &keys, &[]).await.unwrap();
    assert_eq!(third.counters[0].hits, Tally::of(&WINDOWS, &[t0, t0 + 60]));
}

/// A counter written when counters kept one timestamp per hit reads as
/// empty at its version, and both kinds of write land on it.
#[tokio::test(flavor = "multi_thread")]
async fn a_counter_of_timestamps_is_taken_over_by_either_write() {
    let (sdk, store) = store().await;
    let t0 = 1_800_000_000;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    for (address, add) in [("192.0.2.10", false), ("192.0.2.11", true)] {
        let key = CounterKey::address(address);
        client
            .put_item()
            .table_name(store.table_name())
            .item("pk", AttributeValue::S(format!("RATE#{key}")))
            .item("sk", AttributeValue::S("RATE".into()))
            .item("kind", AttributeValue::S("rate_counter".into()))
            .item("hits", AttributeValue::L(vec![AttributeValue::N(t0.to_string()); 3]))
            .item("version", AttributeValue::N("3".into()))
            .item("expires_at", AttributeValue::N((t0 + 3600).to_string()))
            .send()
            .await
            .unwrap();
        let lookup = AccountLookup::parse("nobody").unwrap();
        let read = store.load_request(&lookup, std::slice::from_ref(&key), &[]).await.unwrap();
        let counter = &read.counters[0];
        assert_eq!((counter.hits.is_empty(), counter.version), (true, 3));
        let hit = t0 + 10;
        let expires_at = Timestamp::from_epoch_seconds(hit + 3600);
        let update = if add {
            let into = hit_buckets(&WINDOWS, hit);
            CounterUpdate { counter, change: CounterChange::Add { hit, into, most: 2 }, expires_at }
        } else {
            CounterUpdate::replace(counter, Tally::of(&WINDOWS, &[hit]), expires_at)
        };
        assert_eq!(store.record_hits(&[update], None).await.unwrap(), Written::Done, "{address}");
        let after = store.load_request(&lookup, std::slice::from_ref(&key), &[]).await.unwrap();
        assert_eq!(after.counters[0].hits, Tally::of(&WINDOWS, &[hit]), "{address}");
    }
}

/// A message about `user`'s link `record`, its payload opaque bytes.
fn message_to(user: &UserAccount, record: &ResetTokenRecord) -> OutboxItem {
    OutboxItem {
        user_id: user.id.clone(),
        key: format!("{:013}#00000000000000ab", record.issued_at.epoch_seconds() * 1000),
        channel: Channel::Email,
        kind: MessageKind::ResetLink,
        created_at: record.issued_at,
        send_before: record.expires_at,
        sealed: b"sealed bytes".to_vec(),
        carries: None,
        workspace: None,
    }
}

/// An item DynamoDB will never take (past its 400 KB limit) is refused for
/// good, so a caller (an import row) fails that one request, not its batch.
#[tokio::test(flavor = "multi_thread")]
async fn an_account_past_the_item_limit_is_refused_for_good() {
    let store = fresh_store().await;
    let mut huge = account(&unique("huge")).email("huge@recovery.test").new_account();
    huge.social_provider = Some("p".repeat(450 * 1024));
    let id = recovery_domain::UserId::generate(&OsRandom).unwrap();
    let refused = store.create(huge, id, Timestamp::from_epoch_seconds(1_800_000_000)).await;
    match refused {
        Err(recovery_core::ports::CreateAccountError::Store(err)) => {
            assert_eq!(err.code, "ValidationException");
            assert_eq!(err.retry, recovery_core::ports::Retry::Never);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_audit_record_from_before_verified_callers_reads_as_unverified() {
    let (sdk, store) = store().await;
    let at_millis: i64 = 1_800_000_000_000;
    aws_sdk_dynamodb::Client::new(&sdk)
        .put_item()
        .table_name(store.table_name())
        .item("pk", AttributeValue::S("AUDIT#old-record".into()))
        .item("sk", AttributeValue::S(format!("{at_millis}#request-1")))
        .item("kind", AttributeValue::S("audit".into()))
        .item("target", AttributeValue::S("old-record".into()))
        .item("action", AttributeValue::S("set_password".into()))
        .item("requested_by", AttributeValue::S("someone@example.com".into()))
        .item("outcome", AttributeValue::S("ok".into()))
        .item("at_millis", AttributeValue::N(at_millis.to_string()))
        .item("request_id", AttributeValue::S("request-1".into()))
        .send()
        .await
        .unwrap();
    let records = AuditLog::list(&store, "old-record", 5).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].caller, "unverified", "what it wrote is no caller IAM verified");
    assert_eq!(records[0].on_behalf_of.as_deref(), Some("someone@example.com"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_accounts_workspaces_are_one_get_and_a_page_of_members_one_query() {
    let (_, store) = store().await;
    let acme = recovery_domain::Workspace {
        id: recovery_domain::WorkspaceId::parse("acme").unwrap(),
        name: "Acme".into(),
        login_url: recovery_domain::HttpsUrl::parse("https://acme.example/login").unwrap(),
        logo_url: None,
        accent: None,
        support_contact: None,
        language: None,
    };
    store.create_workspace(&acme).await.unwrap();
    let ada = create(store.table_name(), account("ada")).await;
    for n in 0..30 {
        let user = create(store.table_name(), account(&format!("user{n}"))).await;
        store.add_member(&acme.id, &user).await.unwrap();
    }
    store.add_member(&acme.id, &ada).await.unwrap();
    let calls = || -> Vec<serde_json::Value> {
        (emulator().aws_calls().into_iter())
            .filter(|c| {
                c["tables"]
                    .as_array()
                    .is_some_and(|t| t.contains(&serde_json::json!(store.table_name())))
            })
            .collect()
    };
    let before = calls().len();
    let read = store.get(&ada.id).await.unwrap().expect("the account");
    assert_eq!(read.workspaces, std::slice::from_ref(&acme.id));
    let page = store.members(&acme.id, None, 20).await.unwrap();
    assert_eq!(page.items.len(), 20);
    let made: Vec<String> =
        calls()[before..].iter().map(|c| c["action"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(made, ["GetItem", "Query"]);
}
