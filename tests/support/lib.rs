//! The test harness: starts the moto emulator and `cargo lambda watch` once
//! per test binary (through `infra/tether.py`, so they end with the run),
//! creates tables from `template.yaml`, and speaks plain HTTP/1.1.
//!
//! The tools come from `./.venv`, which `make test` fills; when they are
//! missing every test here fails with a message saying so.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use local_stack::TableDefinition;
use password_recovery::account::{
    EmailAddress, LoginName, NewAccount, PhoneNumber, UserAccount, UserId,
};
use password_recovery::aws::DynamoDbStore;
use password_recovery::password::{Password, PasswordHasher};
use password_recovery::ports::UserStore;
use password_recovery::random::OsRandom;
use serde_json::Value;

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

// ---------------------------------------------------------------- HTTP --

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    /// Status, headers and body, without the headers that differ on every
    /// answer of any server (`date`).
    pub fn comparable(&self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("date"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.sort();
        (self.status, headers, self.body.clone())
    }
}

/// One HTTP/1.1 request to `url` (`http://host:port/path`).
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream =
        TcpStream::connect(authority).unwrap_or_else(|e| panic!("connect {authority}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(600))).ok();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {authority}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    stream.write_all(body).expect("send body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}

pub fn post_json(url: &str, body: &Value) -> HttpResponse {
    http(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

pub fn post_form(url: &str, body: &str) -> HttpResponse {
    http(
        "POST",
        url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

fn wait_until_answering(url: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("")
        .to_owned();
    while TcpStream::connect(&authority).is_err() {
        assert!(
            Instant::now() < deadline,
            "{url} did not start within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ------------------------------------------------------------ emulator --

pub struct Emulator {
    pub endpoint: String,
    /// One JSON line per AWS request: `app`, `service`, `action`, `items`.
    pub calls: PathBuf,
    _process: Child,
}

impl Emulator {
    /// Every AWS request the emulator has served so far.
    pub fn aws_calls(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

/// The moto server of this test binary (started on first use).
pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        let port = free_port();
        let python = tool("python");
        let calls = log_dir().join(format!("aws-calls-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&calls);
        let process = tethered(
            &[
                python.to_str().unwrap_or("python"),
                "infra/emulator.py",
                "--port",
                &port.to_string(),
                "--call-log",
                calls.to_str().unwrap_or("aws-calls.jsonl"),
            ],
            &log_dir().join(format!("moto-{}.log", std::process::id())),
            &[],
        );
        let endpoint = format!("http://127.0.0.1:{port}");
        let data = format!("{endpoint}/moto-api/data.json");
        wait_until_answering(&data, Duration::from_secs(60));
        let deadline = Instant::now() + Duration::from_secs(60);
        while http("GET", &data, &[], b"").status != 200 {
            assert!(Instant::now() < deadline, "moto did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        Emulator {
            endpoint,
            calls,
            _process: process,
        }
    })
}

/// An SDK interceptor that keeps each request it sees: the operation (from
/// `X-Amz-Target`, for JSON protocols) and the body.
#[derive(Debug, Default, Clone)]
pub struct SentRequests(std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>);

impl SentRequests {
    /// The operations of the requests since the last call.
    pub fn take_operations(&self) -> Vec<String> {
        self.take()
            .into_iter()
            .map(|(operation, _)| operation)
            .collect()
    }

    /// The bodies of the requests since the last call.
    pub fn take_bodies(&self) -> Vec<String> {
        self.take().into_iter().map(|(_, body)| body).collect()
    }

    fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl aws_sdk_dynamodb::config::Intercept for SentRequests {
    fn name(&self) -> &'static str {
        "SentRequests"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let request = context.request();
        let operation = request.headers().get("x-amz-target").unwrap_or("");
        let operation = operation.rsplit('.').next().unwrap_or("").to_owned();
        let body = String::from_utf8_lossy(request.body().bytes().unwrap_or_default());
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((operation, body.into_owned()));
        Ok(())
    }
}

/// SDK configuration pointed at the emulator, as `AWS_ENDPOINT_URL` would.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(password_recovery::aws::https_client(
            password_recovery::aws::Roots::Aws,
        ))
        .region(Region::new("us-east-1"))
        .endpoint_url(&emulator().endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await
}

/// A new table, created from the definition in `template.yaml`.
pub async fn fresh_table(sdk: &SdkConfig) -> String {
    let name = unique("recovery");
    TableDefinition::from_template(&local_stack::template_path())
        .expect("the template's table")
        .create(&aws_sdk_dynamodb::Client::new(sdk), &name)
        .await
        .expect("create a table on the emulator");
    name
}

pub async fn verified_sender(sdk: &SdkConfig, address: &str) {
    local_stack::ensure_sender(&aws_sdk_sesv2::Client::new(sdk), address)
        .await
        .expect("create the SES identity");
}

/// An email moto recorded (moto keeps only the HTML part when both are sent).
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl SentEmail {
    /// The first `href` that starts with `prefix`, unescaped.
    pub fn link_starting_with(&self, prefix: &str) -> Option<String> {
        self.body
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(|href| href.replace("&amp;", "&").replace("&#38;", "&"))
            .find(|href| href.starts_with(prefix))
    }
}

/// Everything moto holds (sent emails and SMS among it).
pub fn emulator_data() -> Value {
    http(
        "GET",
        &format!("{}/moto-api/data.json", emulator().endpoint),
        &[],
        b"",
    )
    .json()
}

pub fn sent_emails() -> Vec<SentEmail> {
    let data = emulator_data();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| SentEmail {
            from: m["source"].as_str().unwrap_or("").to_owned(),
            to: m["destinations"]["ToAddresses"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            subject: m["subject"].as_str().unwrap_or("").to_owned(),
            body: m["body"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

/// Text messages moto recorded for `e164`, oldest first.
pub fn texts_to(e164: &str) -> Vec<String> {
    let data = emulator_data();
    let mut found = Vec::new();
    collect_sms(&data["sns"], e164, &mut found);
    found
}

fn collect_sms(value: &Value, e164: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let number = map.get("phone_number").and_then(Value::as_str);
            if let (Some(number), Some(message)) =
                (number, map.get("message").and_then(Value::as_str))
            {
                if number == e164 || number.trim_start_matches('+') == e164.trim_start_matches('+')
                {
                    found.push(message.to_owned());
                }
                return;
            }
            map.values().for_each(|v| collect_sms(v, e164, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_sms(v, e164, found)),
        _ => {}
    }
}

pub fn emails_to(address: &str) -> Vec<SentEmail> {
    sent_emails()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

/// Creates an account on `table` through the DynamoDB adapter, with the
/// email `<login>@recovery.test`.
pub async fn create_account(
    sdk: &SdkConfig,
    table: &str,
    login: &str,
    password: Option<&str>,
    social_provider: Option<&str>,
    disabled: bool,
) -> UserAccount {
    create_account_with_phone(sdk, table, login, None, password, social_provider, disabled).await
}

/// As [`create_account`], with a phone number too.
pub async fn create_account_with_phone(
    sdk: &SdkConfig,
    table: &str,
    login: &str,
    phone: Option<&str>,
    password: Option<&str>,
    social_provider: Option<&str>,
    disabled: bool,
) -> UserAccount {
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(sdk), table.to_owned());
    let account = NewAccount {
        login: LoginName::parse(login).expect("a valid login"),
        email: Some(EmailAddress::parse(&format!("{login}@recovery.test")).expect("a valid email")),
        phone: phone.map(|p| PhoneNumber::parse(p).expect("a valid phone number")),
        password_hash: password.map(|p| {
            PasswordHasher::owasp()
                .hash(&Password::new(p), &OsRandom)
                .expect("hash")
        }),
        social_provider: social_provider.map(str::to_owned),
        disabled,
    };
    store
        .create(account, UserId::generate(&OsRandom).expect("random"))
        .await
        .expect("create an account")
}

// ----------------------------------------------------------- functions --

/// The functions under `cargo lambda watch`, on a table of their own.
pub struct Functions {
    pub base: String,
    pub table: String,
    pub log: PathBuf,
    process: Child,
}

impl Functions {
    pub fn forgot_url(&self) -> String {
        format!("{}/lambda-url/request-reset/password/forgot", self.base)
    }

    pub fn code_url(&self) -> String {
        format!("{}/lambda-url/verify-code/password/code", self.base)
    }

    pub fn reset_url(&self) -> String {
        format!("{}/lambda-url/set-password/password/reset", self.base)
    }

    /// Invokes `admin-reset` the way `aws lambda invoke` does, through the
    /// Lambda Invoke API of `cargo lambda watch`.
    pub fn invoke_admin(&self, event: &Value) -> Value {
        let url = format!("{}/2015-03-31/functions/admin-reset/invocations", self.base);
        let answer = post_json(&url, event);
        assert_eq!(answer.status, 200, "invoke failed: {}", answer.text());
        answer.json()
    }

    /// Everything the functions have logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Starts the functions with the test configuration plus `extra`
    /// variables. They compile in debug on their first call, which
    /// `make test` has already done.
    pub fn start(extra: &[(&str, &str)]) -> Functions {
        let endpoint = emulator().endpoint.clone();
        let table = std::thread::spawn(|| {
            let runtime = tokio::runtime::Runtime::new().expect("a runtime");
            runtime.block_on(async {
                let sdk = sdk_config().await;
                verified_sender(&sdk, SENDER).await;
                fresh_table(&sdk).await
            })
        })
        .join()
        .expect("set up the functions' table");
        let port = free_port();
        let log = log_dir().join(format!("{}.log", unique("functions")));
        let cargo_lambda = tool("cargo-lambda");
        let mut env: Vec<(&str, String)> = vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("TABLE_NAME", table.clone()),
            ("MAIL_FROM", SENDER.into()),
            ("RESET_PAGE_URL", RESET_PAGE_URL.into()),
            ("LOGIN_URL", LOGIN_URL.into()),
            ("SERVICE_NAME", "Recovery Test".into()),
            ("SMS_CODE_SECRET", SMS_CODE_SECRET.into()),
            ("SMS_SENDER_ID", "RecoveryT".into()),
            // Every test here calls from 127.0.0.1; the per-address limit has
            // tests of its own.
            ("SMS_LIMIT_PER_IP_HOUR", "100000".into()),
            ("FORGOT_RESPONSE_FLOOR_MS", "100".into()),
            ("AWS_LAMBDA_LOG_LEVEL", "debug".into()),
        ];
        for (name, value) in extra {
            env.retain(|(n, _)| n != name);
            env.push((name, (*value).to_owned()));
        }
        let process = tethered(
            &[
                cargo_lambda.to_str().unwrap_or("cargo-lambda"),
                "lambda",
                "watch",
                "--ignore-changes",
                "--disable-cors",
                "--concurrency",
                "4",
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
            ],
            &log,
            &env,
        );
        let base = format!("http://127.0.0.1:{port}");
        wait_until_answering(&base, Duration::from_secs(120));
        let functions = Functions {
            base,
            table,
            log,
            process,
        };
        // First calls compile and start each function.
        let code_form = format!("{}?phone=%2B4915112345678", functions.code_url());
        for url in [functions.forgot_url(), functions.reset_url(), code_form] {
            let status = http("GET", &url, &[], b"").status;
            assert!(
                status == 200 || status == 400,
                "warm-up of {url} answered {status}; see {}",
                functions.log.display()
            );
        }
        let warm = functions.invoke_admin(&serde_json::json!({}));
        assert_eq!(
            warm["error"], "invalid_event",
            "admin-reset warm-up: {warm}"
        );
        functions
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        // SIGTERM lets the tether stop `cargo lambda watch` and its functions.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.process.id().to_string())
            .status();
        let _ = self.process.wait();
    }
}

/// The functions shared by the tests of one binary (started on first use).
pub fn functions() -> &'static Functions {
    static FUNCTIONS: OnceLock<Functions> = OnceLock::new();
    FUNCTIONS.get_or_init(|| Functions::start(&[]))
}

/// The SMS settings the functions under test run with (limits as shipped).
pub fn test_sms_settings() -> password_recovery::config::SmsSettings {
    password_recovery::config::SmsSettings::shipped(password_recovery::code::CodeSecret::new(
        SMS_CODE_SECRET.as_bytes().to_vec(),
    ))
}

/// The flows in-process on `store` (the real DynamoDB adapter), SES and SNS
/// through the SDK, with `clock`, configured like the functions under test.
pub fn recovery_on_aws(
    sdk: &SdkConfig,
    store: std::sync::Arc<DynamoDbStore>,
    clock: std::sync::Arc<dyn password_recovery::clock::Clock>,
) -> password_recovery::flows::Recovery {
    use std::sync::Arc;
    password_recovery::flows::Recovery {
        users: store.clone(),
        tokens: store.clone(),
        codes: store.clone(),
        mailer: Arc::new(password_recovery::aws::SesMailer::new(
            aws_sdk_sesv2::Client::new(sdk),
            SENDER.into(),
        )),
        texter: Arc::new(password_recovery::aws::SnsTexter::new(
            aws_sdk_sns::Client::new(sdk),
            None,
        )),
        clock,
        random: Arc::new(OsRandom),
        hasher: PasswordHasher::owasp(),
        settings: password_recovery::config::RecoverySettings {
            service_name: "Recovery Test".into(),
            reset_page_url: RESET_PAGE_URL.into(),
            login_url: LOGIN_URL.into(),
            reset_token_lifetime_seconds: 3600,
            password_policy: password_recovery::policy::PasswordPolicy::default(),
            sms: test_sms_settings(),
        },
    }
}
