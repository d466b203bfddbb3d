//! The test harness, shared by the system tests and the benchmark: starts
//! the moto emulator (`emulator`) and the functions under `cargo lambda
//! watch` (`functions`) once per test binary, through `infra/tether.py` so
//! they end with the run; creates tables from `template.yaml`; speaks plain
//! HTTP/1.1 (`http`); and builds accounts and the flows on the real
//! adapters.
//!
//! The tools come from `./.venv`, which `make test` fills; when they are
//! missing every test here fails with a message saying so.

mod admin_url;
mod dev_stack;
mod emulator;
mod events;
mod functions;
mod http;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use recovery_aws::{
    DynamoDbStore, EventBridgePublisher, OUTBOX_PREFIX, PK, SesMailer, SnsTexter,
    outbox_item_from_stream_image, stream_image,
};
use recovery_core::flows::{Administration, Delivered, Delivery, KeySet, Keys};
use recovery_core::ports::OutboxItem;
use recovery_domain::{Clock, CodeSecret, SystemClock, UserAccount, UserId};
use recovery_edges::config::{ForgotLimits, RecoverySettings, SupportContact};
use recovery_testing::{TestAccount, outbox_key};

pub use admin_url::*;
pub use dev_stack::*;
pub use emulator::*;
pub use events::*;
pub use functions::*;
pub use http::*;

pub const SENDER: &str = "no-reply@recovery.test";
pub const RESET_PAGE_URL: &str = "https://recovery.test/password/reset";
/// Where the notices' "This was not me" links lead (beside the reset page).
pub const LOCK_PAGE_URL: &str = "https://recovery.test/password/not-me";
pub const LOGIN_URL: &str = "https://app.recovery.test/login";
/// The support contact the functions under test show.
pub const SUPPORT_CONTACT: &str = "mailto:help@recovery.test";
/// "correct horse" hashed by Python's bcrypt (`hashpw`, cost 4), as a
/// product imports it.
pub const BCRYPT_OF_CORRECT_HORSE: &str =
    "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.";
/// "correct horse" hashed by Django 5's PBKDF2PasswordHasher (1,000
/// iterations, salt "seasalt2024").
pub const DJANGO_OF_CORRECT_HORSE: &str =
    "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=";
/// The HMAC key the functions under test hash codes with.
pub const SMS_CODE_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Waits until `done`, checking every 100 ms; fails naming `what` when it
/// has not happened within `seconds`.
pub fn eventually(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "{what} did not happen within {seconds} s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

pub fn tool(name: &str) -> PathBuf {
    let path = workspace_root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing. Run `make test` (or `make tools`), which installs moto and cargo-lambda into .venv.",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn log_dir() -> PathBuf {
    let dir = workspace_root().join("target/system-tests");
    std::fs::create_dir_all(&dir).expect("create target/system-tests");
    dir
}

/// A folder of its own under `target/system-tests/`, for what a test
/// leaves for the person reading its failure.
pub fn log_dir_for(name: &str) -> PathBuf {
    let dir = log_dir().join(name);
    std::fs::create_dir_all(&dir).expect("create a folder under target/system-tests");
    dir
}

/// A name no other test (or test run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{}-{nanos:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A valid German mobile number (`+49151` and eight digits) no other test uses.
pub fn unique_phone() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = (std::process::id() as usize % 9000 + 1000) * 10_000
        + COUNTER.fetch_add(1, Ordering::SeqCst) % 10_000;
    format!("+49151{n:08}")
}

/// `args` as a child that dies with this process (`infra/tether.py`), its
/// output in `log`.
pub fn tethered(args: &[&str], log: &Path, envs: &[(&str, String)]) -> Child {
    let python = tool("python");
    let log_file = std::fs::File::create(log).expect("create a log file");
    let mut command = Command::new(python);
    command
        .arg(workspace_root().join("infra/tether.py"))
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("clone log handle"))
        .stderr(log_file);
    for (name, value) in envs {
        command.env(name, value);
    }
    command.spawn().expect("start a tethered process")
}

/// An account with the email `<login>@recovery.test`, to build on.
pub fn account(login: &str) -> TestAccount {
    TestAccount::new(login).email(&format!("{login}@recovery.test"))
}

/// Creates `account` on `table` of the emulator, through the DynamoDB
/// adapter.
pub async fn create(table: &str, account: TestAccount) -> UserAccount {
    let store = DynamoDbStore::from_sdk(&sdk_config().await, table);
    account.create_in(&store).await
}

/// The keys the functions under test read from their secrets.
pub fn test_keys() -> KeySet {
    KeySet::new(Some(outbox_key()), CodeSecret::new(SMS_CODE_SECRET.as_bytes().to_vec()))
}

/// The settings the functions under test run with.
pub fn test_settings() -> RecoverySettings {
    RecoverySettings {
        service_name: "Recovery Test".into(),
        reset_page_url: RESET_PAGE_URL.into(),
        login_url: LOGIN_URL.into(),
        support: Some(SupportContact::Link(SUPPORT_CONTACT.into())),
        // Every test here calls from a few addresses; the per-address limit
        // has tests of its own.
        limits: ForgotLimits::new(3, 10, 100_000),
        ..recovery_testing::settings()
    }
}

/// The flows in-process on `store` (the real DynamoDB adapter) with
/// `clock`, configured like the functions under test. What they send waits
/// in the outbox: [`deliver_pending`] sends it.
pub fn recovery_on_aws(
    _sdk: &SdkConfig,
    store: Arc<DynamoDbStore>,
    clock: Arc<dyn Clock>,
) -> Administration {
    Administration::new(store, clock, test_settings(), Keys::ready(test_keys()))
}

/// The delivery in-process on `table`, SES and SNS through the SDK, with the
/// test outbox key.
pub fn delivery_on_aws(sdk: &SdkConfig, table: &str) -> Delivery {
    let store = Arc::new(DynamoDbStore::from_sdk(sdk, table));
    Delivery {
        funnel: recovery_core::flows::Funnel::new(
            store.clone(),
            Arc::new(recovery_domain::OsRandom),
            Arc::new(SystemClock),
        ),
        guard: recovery_core::flows::SmsGuard::new(store.clone()).with_audit(store.clone()),
        outbox: store,
        mailer: Arc::new(SesMailer::new(aws_sdk_sesv2::Client::new(sdk), SENDER.into())),
        texter: Arc::new(SnsTexter::new(aws_sdk_sns::Client::new(sdk), None)),
        publisher: Arc::new(EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(sdk),
            "default".into(),
        )),
        clock: Arc::new(SystemClock),
        keys: Keys::outbox(outbox_key()),
        sms: Default::default(),
    }
}

/// The secret the functions under test derive the outbox key from (the
/// text of `testing::OUTBOX_SECRET`, so tests can open what they seal),
/// created on first use; its ARN.
pub async fn outbox_secret(sdk: &SdkConfig) -> String {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    local_stack::ensure_secret(
        &secrets,
        "recovery-test-outbox",
        Some(recovery_testing::OUTBOX_SECRET),
    )
    .await
    .expect("create the outbox secret")
}

/// The secret whose value is the HMAC key of SMS codes for the functions
/// under test (the text of [`SMS_CODE_SECRET`]), created on first use; its
/// ARN.
pub async fn code_secret(sdk: &SdkConfig) -> String {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    local_stack::ensure_secret(&secrets, CODE_SECRET_NAME, Some(SMS_CODE_SECRET))
        .await
        .expect("create the SMS code secret")
}

/// The name of [`code_secret`]'s secret.
pub const CODE_SECRET_NAME: &str = "recovery-test-sms-code";

/// The outbox messages on `table` that still hold their payload, oldest
/// first, from every page of a Scan (which the service never makes: for
/// tests only).
pub async fn pending_messages(table: &str) -> Vec<OutboxItem> {
    let mut items: Vec<OutboxItem> = table_items(table)
        .await
        .iter()
        .filter(|image| image[PK]["S"].as_str().is_some_and(|pk| pk.starts_with(OUTBOX_PREFIX)))
        .filter_map(outbox_item_from_stream_image)
        .collect();
    items.sort_by(|a, b| a.key.cmp(&b.key));
    items
}

/// The messages about `user` on `table` that still hold their payload,
/// oldest first: the pages of one Query of the account's outbox partition.
pub async fn pending_messages_of(table: &str, user: &UserId) -> Vec<OutboxItem> {
    let sdk = sdk_config().await;
    let pages = aws_sdk_dynamodb::Client::new(&sdk)
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_values(":pk", AttributeValue::S(format!("{OUTBOX_PREFIX}{user}")))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("query the outbox");
    let mut items: Vec<OutboxItem> = pages
        .iter()
        .filter_map(|item| outbox_item_from_stream_image(&stream_image(item)))
        .collect();
    items.sort_by(|a, b| a.key.cmp(&b.key));
    items
}

/// Every item of `table`, as its stream image (JSON), from every page of a
/// Scan (which the service never makes: for tests only).
pub async fn table_items(table: &str) -> Vec<serde_json::Value> {
    let sdk = sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let (mut items, mut start) = (Vec::new(), None);
    loop {
        let output = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan the table");
        items.extend(output.items().iter().map(stream_image));
        start = output.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// A stream event as Lambda hands the deliver function a batch: one
/// `INSERT` record per `(sequence number, new image)`.
pub fn stream_event(records: &[(String, serde_json::Value)]) -> serde_json::Value {
    let records: Vec<serde_json::Value> = records
        .iter()
        .map(|(sequence, image)| {
            serde_json::json!({
                "eventID": sequence,
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "eventVersion": "1.1",
                "awsRegion": "us-east-1",
                "dynamodb": { "NewImage": image, "SequenceNumber": sequence, "StreamViewType": "NEW_IMAGE" },
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}

/// Sends, in-process, every message on `table` not sent yet; the number
/// sent.
pub async fn deliver_pending(table: &str) -> usize {
    let sdk = sdk_config().await;
    let delivery = delivery_on_aws(&sdk, table);
    let mut sent = 0;
    for item in pending_messages(table).await {
        if let Ok(Delivered::Sent { .. }) = delivery.deliver(&item).await {
            sent += 1;
        }
    }
    sent
}

/// The reset-token store of a table that also keeps every message issued
/// with a token, for tests that need a link the delivery will never send
/// (issued already expired).
pub struct CapturingTokens {
    inner: Arc<DynamoDbStore>,
    items: std::sync::Mutex<Vec<OutboxItem>>,
}

impl CapturingTokens {
    pub fn new(inner: Arc<DynamoDbStore>) -> Self {
        Self { inner, items: std::sync::Mutex::new(Vec::new()) }
    }

    /// The text of every message issued so far, opened with the test key.
    pub fn texts(&self) -> Vec<String> {
        let items = self.items.lock().unwrap_or_else(|p| p.into_inner()).clone();
        items
            .iter()
            .map(|item| {
                let plain = outbox_key().open(&item.id(), &item.sealed).expect("a sealed message");
                match recovery_messages::Message::decode(&plain).expect("a message") {
                    recovery_messages::Message::Email(email) => email.text,
                    recovery_messages::Message::Sms(sms) => sms.text,
                    recovery_messages::Message::Event(event) => event.detail,
                }
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl recovery_core::ports::ResetTokenStore for CapturingTokens {
    async fn issue_counted(
        &self,
        user: &UserAccount,
        record: &recovery_domain::ResetTokenRecord,
        message: &OutboxItem,
        counters: &[recovery_core::ports::CounterUpdate<'_>],
    ) -> Result<recovery_core::ports::IssueOutcome, recovery_core::ports::DependencyError> {
        self.items.lock().unwrap_or_else(|p| p.into_inner()).push(message.clone());
        self.inner.issue_counted(user, record, message, counters).await
    }

    async fn find(
        &self,
        digest: &recovery_domain::TokenDigest,
    ) -> Result<Option<recovery_domain::ResetTokenRecord>, recovery_core::ports::DependencyError>
    {
        self.inner.find(digest).await
    }

    async fn record_wrong_login(
        &self,
        digest: &recovery_domain::TokenDigest,
        max: u32,
    ) -> Result<u32, recovery_core::ports::DependencyError> {
        self.inner.record_wrong_login(digest, max).await
    }

    async fn redeem(
        &self,
        redemption: recovery_core::ports::Redemption<'_>,
    ) -> Result<recovery_core::ports::RedeemOutcome, recovery_core::ports::DependencyError> {
        self.inner.redeem(redemption).await
    }
}
