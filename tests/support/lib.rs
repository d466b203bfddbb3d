//! The test harness, shared by the system tests and the benchmark: starts
//! the moto emulator (`emulator`) and the functions under `cargo lambda
//! watch` (`functions`) once per test binary, through `infra/tether.py` so
//! they end with the run; creates tables from `template.yaml`; speaks plain
//! HTTP/1.1 (`http`); and builds accounts and the flows on the real
//! adapters.
//!
//! The tools come from `./.venv`, which `make test` fills; when they are
//! missing every test here fails with a message saying so.

mod emulator;
mod functions;
mod http;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use password_recovery::aws::{DynamoDbStore, SesMailer, SnsTexter};
use password_recovery::config::{RecoverySettings, SmsSettings};
use password_recovery::domain::{Clock, CodeSecret, UserAccount};
use password_recovery::flows::Recovery;
use password_recovery::testing::TestAccount;

pub use emulator::*;
pub use functions::*;
pub use http::*;

pub const SENDER: &str = "no-reply@recovery.test";
pub const RESET_PAGE_URL: &str = "https://recovery.test/password/reset";
pub const LOGIN_URL: &str = "https://app.recovery.test/login";
/// The HMAC key the functions under test hash codes with.
pub const SMS_CODE_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

fn tool(name: &str) -> PathBuf {
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

/// A name no other test (or test run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A valid German mobile number (`+49151` and eight digits) no other test uses.
pub fn unique_phone() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = (std::process::id() as usize % 9000 + 1000) * 10_000
        + COUNTER.fetch_add(1, Ordering::SeqCst) % 10_000;
    format!("+49151{n:08}")
}

fn tethered(args: &[&str], log: &Path, envs: &[(&str, String)]) -> Child {
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

/// The settings the functions under test run with.
pub fn test_settings() -> RecoverySettings {
    RecoverySettings {
        service_name: "Recovery Test".into(),
        reset_page_url: RESET_PAGE_URL.into(),
        login_url: LOGIN_URL.into(),
        sms: SmsSettings::shipped(CodeSecret::new(SMS_CODE_SECRET.as_bytes().to_vec())),
        ..password_recovery::testing::settings()
    }
}

/// The flows in-process on `store` (the real DynamoDB adapter), SES and SNS
/// through the SDK, with `clock`, configured like the functions under test.
pub fn recovery_on_aws(
    sdk: &SdkConfig,
    store: Arc<DynamoDbStore>,
    clock: Arc<dyn Clock>,
) -> Recovery {
    Recovery::new(
        store,
        Arc::new(SesMailer::new(
            aws_sdk_sesv2::Client::new(sdk),
            SENDER.into(),
        )),
        Arc::new(SnsTexter::new(aws_sdk_sns::Client::new(sdk), None)),
        clock,
        test_settings(),
    )
}
