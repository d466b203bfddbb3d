//! `make bench`: what decides this service's speed and cost, measured on the
//! release binaries against the emulator, printed and written into
//! `BENCHMARKS.md` (between its `figures` markers) with the date and the
//! machine.
//!
//! 1. cold start of each function (and of a hello-world `lambda_runtime`
//!    binary, the baseline): process start to first poll of the Runtime API
//!    (Lambda's Init Duration), and to the first answer;
//! 2. warm latency of each flow over 200 events, next to one emulator GetItem;
//! 3. the zipped arm64 packages built by `cargo lambda build`;
//! 4. one Argon2id hash, and the password change over in-memory parts;
//! 5. AWS calls per flow on a table of 10 users and one of 10,000;
//! 6. peak RSS of each function over its 200 warm events.
//!
//! Usage: `benchmark [--runs N] [--warm N] [--users N] [--out FILE]`.

mod runtime_api;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use password_recovery::account::{EmailAddress, LoginName, NewAccount, PhoneNumber, UserId};
use password_recovery::aws::DynamoDbStore;
use password_recovery::clock::{Clock, ManualClock, SystemClock, Timestamp};
use password_recovery::code::{CodeRecord, CodeSecret, SmsCode};
use password_recovery::config::{Function, RecoverySettings, SmsSettings, VARIABLES};
use password_recovery::flows::PasswordChange;
use password_recovery::in_memory::{self, InMemoryStore, Outbox, SmsOutbox};
use password_recovery::password::{Password, PasswordHasher};
use password_recovery::policy::PasswordPolicy;
use password_recovery::ports::{CodeStore, ResetTokenStore, UserStore};
use password_recovery::random::OsRandom;
use password_recovery::token::{ResetToken, ResetTokenRecord, TokenPurpose};
use runtime_api::{Answer, RuntimeApi};
use serde_json::{Value, json};
use system_tests::{
    SENDER, SMS_CODE_SECRET, emulator, fresh_table, sdk_config, texts_to, unique, verified_sender,
    workspace_root,
};

type Error = Box<dyn std::error::Error + Send + Sync>;

const HELLO: &str = "hello-world";
const PASSWORD: &str = "correct horse battery staple";
const TIMEOUT: Duration = Duration::from_secs(30);

struct Options {
    runs: usize,
    warm: usize,
    users: usize,
    out: PathBuf,
}

fn options() -> Result<Options, Error> {
    let mut options = Options {
        runs: 20,
        warm: 200,
        users: 10_000,
        out: workspace_root().join("BENCHMARKS.md"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--runs" => options.runs = value.parse()?,
            "--warm" => options.warm = value.parse()?,
            "--users" => options.users = value.parse()?,
            "--out" => options.out = value.into(),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    Ok(options)
}

// ------------------------------------------------------------ figures --

/// Durations, summarised.
struct Sample(Vec<Duration>);

impl Sample {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted
            .get(rank.saturating_sub(1).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    }

    fn median(&self) -> Duration {
        self.percentile(50.0)
    }

    fn p95(&self) -> Duration {
        self.percentile(95.0)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

// ---------------------------------------------------------- processes --

/// A release binary under our Runtime API, with the environment Lambda
/// gives a `provided.al2023` function plus the function's own variables.
struct Running {
    child: Child,
    api: RuntimeApi,
    started: Instant,
    name: &'static str,
}

fn binary(name: &str) -> PathBuf {
    workspace_root().join("target/release").join(name)
}

fn memory_size(name: &str) -> &'static str {
    // As in template.yaml: the two functions that hash get a full vCPU.
    match name {
        "set-password" | "admin-reset" => "1769",
        _ => "256",
    }
}

fn lambda_environment(name: &str, api: &str) -> Vec<(String, String)> {
    let endpoint = emulator().endpoint.clone();
    [
        ("AWS_LAMBDA_RUNTIME_API", api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", format!("recovery-{name}")),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_size(name).into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/recovery-{name}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]bench".into(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("AWS_ENDPOINT_URL", endpoint),
        ("_HANDLER", "bootstrap".into()),
        ("LAMBDA_TASK_ROOT", "/var/task".into()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
        ("LANG", "en_US.UTF-8".into()),
        ("TZ", ":UTC".into()),
        ("PATH", "/usr/local/bin:/usr/bin/:/bin".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The function's own variables, as the template sets them (only those it
/// reads), pointed at `table`.
fn function_variables(function: Function, table: &str) -> Vec<(String, String)> {
    let value = |name: &str| -> Option<&str> {
        Some(match name {
            "TABLE_NAME" => table,
            "SERVICE_NAME" => "Recovery Bench",
            "MAIL_FROM" => SENDER,
            "RESET_PAGE_URL" => "https://recovery.test/password/reset",
            "LOGIN_URL" => "https://app.recovery.test/login",
            "SMS_CODE_SECRET" => SMS_CODE_SECRET,
            // The floor pads every answer to hide whether an account exists;
            // measured without it, the work itself shows.
            "FORGOT_RESPONSE_FLOOR_MS" => "0",
            _ => return None,
        })
    };
    VARIABLES
        .iter()
        .filter(|(_, functions)| functions.contains(&function))
        .filter_map(|(name, _)| Some(((*name).to_owned(), value(name)?.to_owned())))
        .collect()
}

fn function_named(name: &str) -> Option<Function> {
    Function::ALL.into_iter().find(|f| f.name() == name)
}

impl Running {
    fn start(name: &'static str, table: &str) -> Result<Self, Error> {
        let path = binary(name);
        if !path.exists() {
            return Err(format!(
                "{} is missing: `make bench` builds it (cargo build --release -p {name})",
                path.display()
            )
            .into());
        }
        let api = RuntimeApi::start()?;
        let mut env = lambda_environment(name, &api.address);
        if let Some(function) = function_named(name) {
            env.extend(function_variables(function, table));
        }
        let log_dir = workspace_root().join("target/bench");
        std::fs::create_dir_all(&log_dir)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_dir.join(format!("{name}.log")))?;
        let started = Instant::now();
        let child = Command::new(&path)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        Ok(Self {
            child,
            api,
            started,
            name,
        })
    }

    fn invoke(&mut self, event: &Value) -> Result<Answer, Error> {
        let answer = self.api.invoke(event, TIMEOUT)?;
        if answer.error {
            return Err(self.unexpected("an error", &answer));
        }
        Ok(answer)
    }

    /// Invokes and checks the HTTP status (API Gateway events), or for
    /// administrator events that there is no `error` (200) or there is (400).
    fn expect(&mut self, event: &Value, status: u16) -> Result<Answer, Error> {
        let answer = self.invoke(event)?;
        let body = answer.json();
        let got = match body["statusCode"].as_u64() {
            Some(code) => code as u16,
            None if body.get("error").is_some() => 400,
            None => 200,
        };
        if got != status {
            return Err(self.unexpected(&format!("{got}, not {status}"), &answer));
        }
        Ok(answer)
    }

    fn unexpected(&self, what: &str, answer: &Answer) -> Error {
        let body = String::from_utf8_lossy(&answer.body);
        format!("{} answered {what}: {body}", self.name).into()
    }

    /// Peak resident set size so far, in KiB (`VmHWM`).
    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------- events --

/// An API Gateway HTTP API (payload 2.0) event, as the functions get it.
fn http_event(method: &str, path: &str, query: &str, body: Option<Value>, ip: &str) -> Value {
    let headers = if body.is_some() {
        json!({"content-type": "application/json", "accept": "application/json", "host": "recovery.test", "user-agent": "bench"})
    } else {
        json!({"accept": "application/json", "host": "recovery.test", "user-agent": "bench"})
    };
    let mut query_parameters = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query_parameters.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query_parameters) },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "recovery.test",
            "domainPrefix": "recovery",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": "bench"},
            "requestId": "bench",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpochMillis": 1_767_225_600_000i64
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false
    })
}

fn forgot(identifier: &str, ip: &str) -> Value {
    http_event(
        "POST",
        "/password/forgot",
        "",
        Some(json!({ "login": identifier })),
        ip,
    )
}

fn check_code(phone: &str, code: &str) -> Value {
    http_event(
        "POST",
        "/password/code",
        "",
        Some(json!({ "phone": phone, "code": code })),
        "192.0.2.1",
    )
}

fn new_password(token: &str, password: &str) -> Value {
    http_event(
        "POST",
        "/password/reset",
        "",
        Some(json!({ "token": token, "password": password, "password_confirmation": password })),
        "192.0.2.1",
    )
}

fn admin(action: &str, login: &str, extra: Value) -> Value {
    let mut event = json!({ "action": action, "login": login, "requested_by": "bench-admin" });
    if let (Some(event), Value::Object(extra)) = (event.as_object_mut(), extra) {
        event.extend(extra);
    }
    event
}

/// A German mobile number no other call of this run gets (the test
/// harness's numbers repeat after 10,000, fewer than a large table holds).
fn next_phone() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("+49170{n:08}")
}

/// The IP addresses of the warm phone requests: one each, so the per-address
/// limit is exercised but never reached.
fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

// --------------------------------------------------------------- data --

struct Actor {
    login: String,
    phone: String,
    id: UserId,
}

/// A new account through the adapter, with a login made from `name`, an
/// email, a number of its own and, if asked, a password.
async fn create(store: &DynamoDbStore, name: &str, password: bool) -> Result<Actor, Error> {
    let (login, phone) = (unique(name), next_phone());
    let account = NewAccount {
        login: LoginName::parse(&login).map_err(|e| format!("{e:?}"))?,
        email: EmailAddress::parse(&format!("{login}@recovery.test")).ok(),
        phone: Some(PhoneNumber::parse(&phone).map_err(|e| format!("{phone}: {e:?}"))?),
        password_hash: if password {
            Some(PasswordHasher::owasp().hash(&Password::new("old password 1"), &OsRandom)?)
        } else {
            None
        },
        social_provider: None,
        disabled: false,
    };
    let id = store
        .create(account, UserId::generate(&OsRandom)?)
        .await
        .map_err(|e| format!("create {login}: {e}"))?
        .id;
    Ok(Actor { login, phone, id })
}

/// A table with `actors` accounts, each with a password (only the first)
/// and a phone number, made through the adapter.
async fn table_with_actors(sdk: &SdkConfig, actors: usize) -> Result<(String, Vec<Actor>), Error> {
    let table = fresh_table(sdk).await;
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(sdk), table.clone());
    let mut cast = Vec::new();
    for i in 0..actors {
        cast.push(create(&store, &format!("actor{i}"), i == 0).await?);
    }
    Ok((table, cast))
}

/// A table of `users` accounts, one of them the actor the flows use. The
/// others are copies of one account the adapter made, each with its own id,
/// login, email and phone number, written with BatchWriteItem: through the
/// adapter, each would be a transaction, for which the emulator copies the
/// whole table.
async fn table_with_users(sdk: &SdkConfig, users: usize) -> Result<(String, Actor), Error> {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    let table = fresh_table(sdk).await;
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let store = DynamoDbStore::new(client.clone(), table.clone());
    let Actor { login, phone, id } = create(&store, "user", false).await?;
    let template = client
        .scan()
        .table_name(&table)
        .send()
        .await?
        .items
        .unwrap_or_default();
    let mut requests = Vec::new();
    for _ in 2..users {
        let (new_id, new_login, new_phone) =
            (UserId::generate(&OsRandom)?, unique("user"), next_phone());
        for item in &template {
            let copy = item
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        AttributeValue::S(text) => AttributeValue::S(
                            text.replace(id.as_str(), new_id.as_str())
                                .replace(&phone, &new_phone)
                                .replace(&login, &new_login),
                        ),
                        other => other.clone(),
                    };
                    (name.clone(), value)
                })
                .collect();
            requests.push(
                WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(copy)).build()?)
                    .build(),
            );
        }
    }
    for batch in requests.chunks(25) {
        let mut pending = Some(std::collections::HashMap::from([(
            table.clone(),
            batch.to_vec(),
        )]));
        while let Some(items) = pending.filter(|p| !p.is_empty()) {
            let output = client
                .batch_write_item()
                .set_request_items(Some(items))
                .send()
                .await?;
            pending = output.unprocessed_items;
        }
    }
    Ok((table, create(&store, "actor", true).await?))
}

fn latest_code(phone: &str) -> Result<String, Error> {
    let text = texts_to(phone)
        .pop()
        .ok_or(format!("no SMS reached {phone}"))?;
    Ok(text.chars().take(6).collect())
}

/// The code each actor after the first will type: stored directly, with ten
/// minutes to live, so the 200 checks do not race the 60-second lifetime of
/// the codes the warm phone requests sent.
const WARM_CODE: &str = "123456";

async fn store_codes(sdk: &SdkConfig, table: &str, actors: &[Actor]) -> Result<(), Error> {
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(sdk), table.to_owned());
    let secret = CodeSecret::new(SMS_CODE_SECRET.as_bytes().to_vec()).ok_or("a short secret")?;
    let code = SmsCode::parse(WARM_CODE).ok_or("a bad code")?;
    let now = SystemClock.now();
    for actor in actors {
        let phone = PhoneNumber::parse(&actor.phone).map_err(|e| format!("{e:?}"))?;
        let record = CodeRecord {
            mac: secret.mac(&phone, &code),
            phone,
            user_id: Some(actor.id.clone()),
            attempts_left: 5,
            issued_at: now,
            expires_at: now.plus_seconds(600),
        };
        store.store_code(&record, &[]).await?;
    }
    Ok(())
}

// -------------------------------------------------------- AWS calls --

#[derive(Debug, Default, Clone)]
struct Calls {
    dynamodb: usize,
    ses: usize,
    sns: usize,
    dynamodb_actions: Vec<String>,
    /// Time spent inside the emulator.
    emulator_ms: f64,
}

impl Calls {
    /// Whether two flows made the same calls (whatever they took).
    fn same_as(&self, other: &Calls) -> bool {
        (self.dynamodb, self.ses, self.sns, &self.dynamodb_actions)
            == (
                other.dynamodb,
                other.ses,
                other.sns,
                &other.dynamodb_actions,
            )
    }

    fn summary(&self) -> String {
        format!("{} / {} / {}", self.dynamodb, self.ses, self.sns)
    }
}

/// The emulator's call log, read on from where the last read stopped.
struct CallLog {
    offset: usize,
}

impl CallLog {
    fn from_now() -> Self {
        let offset = std::fs::metadata(&emulator().calls).map_or(0, |m| m.len() as usize);
        Self { offset }
    }

    /// The calls `app` made since the last read.
    fn calls_of(&mut self, app: &str) -> Calls {
        use std::io::{Read, Seek, SeekFrom};
        let mut new = Vec::new();
        if let Ok(mut file) = std::fs::File::open(&emulator().calls) {
            let _ = file.seek(SeekFrom::Start(self.offset as u64));
            let _ = file.read_to_end(&mut new);
        }
        // Only whole lines; a partly written one is read next time.
        let end = new.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.offset += end;
        let mut calls = Calls::default();
        for line in new[..end].split(|&b| b == b'\n') {
            let Ok(call) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            if call["app"] != app {
                continue;
            }
            calls.emulator_ms += call["ms"].as_f64().unwrap_or(0.0);
            match call["service"].as_str().unwrap_or("") {
                "dynamodb" => {
                    calls.dynamodb += 1;
                    calls
                        .dynamodb_actions
                        .push(call["action"].as_str().unwrap_or("").to_owned());
                }
                "ses" => calls.ses += 1,
                "sns" => calls.sns += 1,
                _ => {}
            }
        }
        calls
    }
}

/// The AWS requests `app` made while `run` ran, from the emulator's log.
fn counting<T>(app: &str, run: impl FnOnce() -> Result<T, Error>) -> Result<(T, Calls), Error> {
    let mut log = CallLog::from_now();
    let value = run()?;
    Ok((value, log.calls_of(app)))
}

/// Each flow once through the real binaries on `table`.
fn calls_per_flow(table: &str, ada: &Actor) -> Result<Vec<(&'static str, Calls)>, Error> {
    let mut request = Running::start("request-reset", table)?;
    let mut verify = Running::start("verify-code", table)?;
    let mut set = Running::start("set-password", table)?;
    let mut admin_reset = Running::start("admin-reset", table)?;
    let mut rows = Vec::new();
    // Warm each one up: a cold start makes no extra AWS calls, but keep the
    // counts about the flows.
    for running in [&mut request, &mut verify, &mut set] {
        running.invoke(&http_event(
            "GET",
            "/password/forgot",
            "",
            None,
            "192.0.2.9",
        ))?;
    }
    admin_reset.invoke(&json!({}))?;

    let email = format!("{}@recovery.test", ada.login);
    let r = "request-reset";
    rows.push((
        "forgot by login (email link)",
        counting(r, || request.expect(&forgot(&ada.login, "192.0.2.2"), 202))?.1,
    ));
    rows.push((
        "forgot by email (email link)",
        counting(r, || request.expect(&forgot(&email, "192.0.2.2"), 202))?.1,
    ));
    rows.push((
        "forgot, unknown login",
        counting(r, || {
            request.expect(&forgot(&unique("nobody"), "192.0.2.2"), 202)
        })?
        .1,
    ));
    rows.push((
        "forgot by phone (SMS code)",
        counting(r, || request.expect(&forgot(&ada.phone, "192.0.2.3"), 202))?.1,
    ));
    rows.push((
        "forgot, unknown phone",
        counting(r, || {
            request.expect(&forgot(&next_phone(), "192.0.2.3"), 202)
        })?
        .1,
    ));
    let code = latest_code(&ada.phone)?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let v = "verify-code";
    rows.push((
        "code check, wrong code",
        counting(v, || verify.expect(&check_code(&ada.phone, wrong), 400))?.1,
    ));
    let (answer, calls) = counting(v, || verify.expect(&check_code(&ada.phone, &code), 200))?;
    rows.push(("code check, right code", calls));
    let token = token_of(&answer)?;
    rows.push((
        "set password (with notice)",
        counting("set-password", || {
            set.expect(&new_password(&token, "a new password 1"), 200)
        })?
        .1,
    ));
    let a = "admin-reset";
    rows.push((
        "admin: send recovery link",
        counting(a, || {
            admin_reset.expect(
                &admin(
                    "send_recovery_link",
                    &ada.login,
                    json!({"channel": "email"}),
                ),
                200,
            )
        })?
        .1,
    ));
    rows.push((
        "admin: set password",
        counting(a, || {
            admin_reset.expect(
                &admin(
                    "set_password",
                    &ada.login,
                    json!({"password": "an admin password 1", "password_confirmation": "an admin password 1"}),
                ),
                200,
            )
        })?
        .1,
    ));
    Ok(rows)
}

fn token_of(answer: &Answer) -> Result<String, Error> {
    let body: Value = serde_json::from_str(answer.json()["body"].as_str().unwrap_or("{}"))?;
    body["reset_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no reset_token in {body}").into())
}

// ------------------------------------------------------- cold starts --

struct Cold {
    init: Sample,
    first: Sample,
}

fn cold_event(name: &str, table_actor: &Actor) -> (Value, u16) {
    match name {
        "request-reset" => (forgot(&table_actor.login, "192.0.2.4"), 202),
        "verify-code" => (check_code(&next_phone(), "123456"), 400),
        "set-password" => (
            http_event(
                "GET",
                "/password/reset",
                &format!("token={}", "A".repeat(43)),
                None,
                "192.0.2.4",
            ),
            400,
        ),
        "admin-reset" => (
            admin("list_audit", &table_actor.login, json!({"limit": 1})),
            200,
        ),
        _ => (json!({"hello": "world"}), 0),
    }
}

fn cold_starts(name: &'static str, table: &str, actor: &Actor, runs: usize) -> Result<Cold, Error> {
    let (mut init, mut first) = (Vec::new(), Vec::new());
    let (event, status) = cold_event(name, actor);
    for _ in 0..runs {
        let mut running = Running::start(name, table)?;
        let polled = running.api.first_poll(TIMEOUT)?;
        let answer = if status == 0 {
            running.invoke(&event)?
        } else {
            running.expect(&event, status)?
        };
        init.push(polled - running.started);
        first.push(answer.answered_at - running.started);
    }
    Ok(Cold {
        init: Sample(init),
        first: Sample(first),
    })
}

// -------------------------------------------------------------- warm --

struct Warm {
    flow: &'static str,
    function: &'static str,
    latency: Sample,
    /// Per event, the time its AWS calls spent inside the emulator.
    emulator: Sample,
    /// Per event, the rest: the function, the SDK, the network stack.
    own: Sample,
    peak_rss_kib: Option<u64>,
}

fn warm_runs(sdk: &SdkConfig, table: &str, actors: &[Actor], n: usize) -> Result<Vec<Warm>, Error> {
    let mut rows = Vec::new();
    let ada = &actors[0];
    let mut measure = |flow: &'static str,
                       running: &mut Running,
                       events: &mut dyn FnMut(usize, &mut Running) -> Result<Answer, Error>|
     -> Result<(), Error> {
        let (mut took, mut inside, mut own) = (vec![], vec![], vec![]);
        let mut log = CallLog::from_now();
        for i in 0..n {
            let latency = events(i, running)?.took();
            let emulator = Duration::from_secs_f64(log.calls_of(running.name).emulator_ms / 1000.0);
            took.push(latency);
            inside.push(emulator);
            own.push(latency.saturating_sub(emulator));
        }
        rows.push(Warm {
            flow,
            function: running.name,
            latency: Sample(took),
            emulator: Sample(inside),
            own: Sample(own),
            peak_rss_kib: running.peak_rss_kib(),
        });
        Ok(())
    };

    let mut hello = Running::start(HELLO, table)?;
    measure("echo (baseline)", &mut hello, &mut |_, r| {
        r.invoke(&json!({"hello": "world"}))
    })?;

    let mut request = Running::start("request-reset", table)?;
    measure("forgot by login (email link)", &mut request, &mut |_, r| {
        r.expect(&forgot(&ada.login, "192.0.2.5"), 202)
    })?;
    let mut request = Running::start("request-reset", table)?;
    measure("forgot by phone (SMS code)", &mut request, &mut |i, r| {
        r.expect(&forgot(&actors[1 + i].phone, &address(i)), 202)
    })?;

    let handle = tokio::runtime::Handle::current();
    handle.block_on(store_codes(sdk, table, &actors[1..=n]))?;
    let mut tokens = Vec::with_capacity(n);
    let mut verify = Running::start("verify-code", table)?;
    measure("code check, right code", &mut verify, &mut |i, r| {
        let answer = r.expect(&check_code(&actors[1 + i].phone, WARM_CODE), 200)?;
        tokens.push(token_of(&answer)?);
        Ok(answer)
    })?;

    let mut set = Running::start("set-password", table)?;
    measure("set password (with notice)", &mut set, &mut |i, r| {
        r.expect(&new_password(&tokens[i], &format!("{PASSWORD} {i}")), 200)
    })?;

    let mut admin_reset = Running::start("admin-reset", table)?;
    measure(
        "admin: send recovery link",
        &mut admin_reset,
        &mut |_, r| {
            r.expect(
                &admin(
                    "send_recovery_link",
                    &ada.login,
                    json!({"channel": "email"}),
                ),
                200,
            )
        },
    )?;
    Ok(rows)
}

async fn get_item_round_trip(sdk: &SdkConfig, table: &str, n: usize) -> Result<Sample, Error> {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        client
            .get_item()
            .table_name(table)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("USER#none".into()),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("USER".into()),
            )
            .consistent_read(true)
            .send()
            .await?;
        took.push(started.elapsed());
    }
    Ok(Sample(took))
}

// ------------------------------------------------------------ hashing --

struct Hashing {
    hash: Sample,
    flow: Sample,
}

/// One hash, and the password change over in-memory parts, alternately, so
/// both see the same machine.
async fn hashing(runs: usize) -> Result<Hashing, Error> {
    let hasher = PasswordHasher::owasp();
    let password = Password::new(PASSWORD);
    let store = Arc::new(InMemoryStore::new());
    let clock = Arc::new(ManualClock::at(Timestamp::from_epoch_seconds(
        1_800_000_000,
    )));
    let settings = RecoverySettings {
        service_name: "Bench".into(),
        reset_page_url: "https://recovery.test/password/reset".into(),
        login_url: "https://app.recovery.test/login".into(),
        reset_token_lifetime_seconds: 3600,
        password_policy: PasswordPolicy::default(),
        sms: SmsSettings::shipped(CodeSecret::new(SMS_CODE_SECRET.as_bytes().to_vec())),
    };
    let recovery = in_memory::recovery(
        &store,
        Arc::new(Outbox::new()),
        Arc::new(SmsOutbox::new()),
        clock,
        settings,
    );
    let account = NewAccount {
        login: LoginName::parse("ada").map_err(|e| format!("{e:?}"))?,
        email: EmailAddress::parse("ada@recovery.test").ok(),
        phone: None,
        password_hash: None,
        social_provider: None,
        disabled: false,
    };
    let id = UserId::generate(&OsRandom)?;
    store.create(account, id.clone()).await?;
    let (mut hash, mut flow) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    // One of each first, untimed: the hash buffer and the password list load.
    for i in 0..=runs {
        let started = Instant::now();
        hasher.hash(&password, &OsRandom)?;
        let hashed = started.elapsed();

        let user = store.get(&id).await?.ok_or("the account vanished")?;
        let token = ResetToken::generate(&OsRandom)?;
        let record = ResetTokenRecord {
            digest: token.digest(),
            user_id: id.clone(),
            purpose: TokenPurpose::SelfService,
            issued_at: Timestamp::from_epoch_seconds(1_800_000_000),
            expires_at: Timestamp::from_epoch_seconds(1_800_003_600),
        };
        store.issue(&user, &record).await?;
        let new = format!("{PASSWORD} {i}");
        let started = Instant::now();
        recovery
            .set_password(PasswordChange {
                token: token.expose_for_link(),
                login: None,
                password: new.clone().into(),
                confirmation: new.into(),
            })
            .await?;
        if i > 0 {
            hash.push(hashed);
            flow.push(started.elapsed());
        }
    }
    Ok(Hashing {
        hash: Sample(hash),
        flow: Sample(flow),
    })
}

// ---------------------------------------------------------- packages --

fn package_sizes() -> Vec<(&'static str, Option<u64>)> {
    Function::ALL
        .iter()
        .map(|f| {
            let zip = workspace_root()
                .join("target/lambda")
                .join(f.name())
                .join("bootstrap.zip");
            (f.name(), std::fs::metadata(zip).ok().map(|m| m.len()))
        })
        .collect()
}

// ------------------------------------------------------------ machine --

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or("?".into(), |kib| format!("{} GiB", kib / 1024 / 1024));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "{cpu}, {cores} cores, {memory}, Linux {} ({}), {rustc}",
        kernel.trim(),
        std::env::consts::ARCH
    )
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

// ------------------------------------------------------------- report --

const BEGIN: &str = "<!-- figures:begin (written by `make bench`) -->";
const END: &str = "<!-- figures:end -->";

fn write_report(path: &Path, figures: &str) -> Result<(), Error> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{BEGIN}\n{figures}{}", &current[..begin], &current[end..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n{figures}{END}\n{current}"),
    };
    std::fs::write(path, updated)?;
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Error> {
    let options = options()?;
    for name in [
        HELLO,
        "request-reset",
        "verify-code",
        "set-password",
        "admin-reset",
    ] {
        if !binary(name).exists() {
            return Err(format!("{} is missing: run `make bench`", binary(name).display()).into());
        }
    }
    let sample = next_phone();
    PhoneNumber::parse(&sample).map_err(|e| format!("{sample} is no valid number: {e:?}"))?;
    let mut out = String::new();
    let machine = machine();
    writeln!(out, "Measured {} on {machine}.", today())?;
    writeln!(out)?;
    writeln!(
        out,
        "Release binaries (`cargo build --release -p <function>`, the profile `cargo lambda` ships), \
         run as processes under a Runtime API of the benchmark's own, against the moto emulator \
         (one request at a time). Native {} here; Lambda runs the arm64 build.",
        std::env::consts::ARCH
    )?;
    writeln!(out)?;

    eprintln!(
        "bench: setting up the emulator and tables ({} users)",
        options.users
    );
    let sdk = sdk_config().await;
    verified_sender(&sdk, SENDER).await;
    let (small, small_actor) = table_with_users(&sdk, 10).await?;
    let (large, large_actor) = table_with_users(&sdk, options.users).await?;
    let (warm_table, cast) = table_with_actors(&sdk, options.warm + 1).await?;

    // 5. AWS calls per flow.
    eprintln!("bench: AWS calls per flow");
    let small_calls = tokio::task::block_in_place(|| calls_per_flow(&small, &small_actor))?;
    let large_calls = tokio::task::block_in_place(|| calls_per_flow(&large, &large_actor))?;

    // 1. Cold starts.
    eprintln!("bench: cold starts, {} runs each", options.runs);
    let mut cold = Vec::new();
    for name in [
        HELLO,
        "request-reset",
        "verify-code",
        "set-password",
        "admin-reset",
    ] {
        let figures =
            tokio::task::block_in_place(|| cold_starts(name, &warm_table, &cast[0], options.runs))?;
        cold.push((name, figures));
    }

    // 2 and 6. Warm latency and peak memory.
    eprintln!("bench: {} warm events per flow", options.warm);
    let rtt = get_item_round_trip(&sdk, &warm_table, options.warm).await?;
    let warm = tokio::task::block_in_place(|| warm_runs(&sdk, &warm_table, &cast, options.warm))?;

    // 4. Hashing.
    eprintln!("bench: Argon2id");
    let hashing = hashing(options.runs).await?;

    // 3. Packages.
    let packages = package_sizes();

    // ---- the report
    let hello = &cold[0].1;
    writeln!(out, "## Cold start ({} runs each)", options.runs)?;
    writeln!(out)?;
    writeln!(
        out,
        "Init: process start to the first poll for an event (Lambda's Init Duration). First answer: process start to the first response, including the first AWS calls."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| binary | init median | init p95 | init / hello-world | first answer median | first answer p95 | target (init ≤ 2× hello-world) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for (name, c) in &cold {
        let r = ratio(c.init.median(), hello.init.median());
        let target = if *name == HELLO {
            "baseline".to_owned()
        } else {
            verdict(r <= 2.0).to_owned()
        };
        writeln!(
            out,
            "| {name} | {} | {} | {r:.2}× | {} | {} | {target} |",
            ms(c.init.median()),
            ms(c.init.p95()),
            ms(c.first.median()),
            ms(c.first.p95())
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Warm latency ({} events per flow)", options.warm)?;
    writeln!(out)?;
    writeln!(
        out,
        "From handing the event over to receiving the answer, split into the time its AWS calls spent inside the emulator (timed by the emulator) and the rest: the function, the SDK, a new TCP connection per call (moto closes each) and the Runtime API. One emulator GetItem from a release SDK client, in the same run: median {}, p95 {}. moto copies a table for every item of a transaction, so the transaction-heavy flows spend most of their time inside it.",
        ms(rtt.median()),
        ms(rtt.p95())
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| flow | function | median | p95 | in emulator (median) | own (median) | own p95 | own / GetItem | peak RSS | target (RSS < 64 MB) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
    for w in &warm {
        let rss = w
            .peak_rss_kib
            .map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        let ok = w.peak_rss_kib.is_some_and(|k| k * 1024 < 64 * 1000 * 1000);
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}× | {rss} | {} |",
            w.flow,
            w.function,
            ms(w.latency.median()),
            ms(w.latency.p95()),
            ms(w.emulator.median()),
            ms(w.own.median()),
            ms(w.own.p95()),
            ratio(w.own.median(), rtt.median()),
            verdict(ok)
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Packages")?;
    writeln!(out)?;
    writeln!(
        out,
        "`cargo lambda build --release --arm64 --output-format zip -p <function>`: `target/lambda/<function>/bootstrap.zip`."
    )?;
    writeln!(out)?;
    writeln!(out, "| function | zipped | target (≤ 3 MB) |")?;
    writeln!(out, "|---|---|---|")?;
    for (name, size) in &packages {
        match size {
            Some(bytes) => writeln!(
                out,
                "| {name} | {:.2} MB ({} bytes) | {} |",
                *bytes as f64 / 1e6,
                bytes,
                verdict(*bytes <= 3_000_000)
            )?,
            None => writeln!(out, "| {name} | not built | — |")?,
        }
    }
    writeln!(out)?;

    let overhead = ratio(hashing.flow.median(), hashing.hash.median());
    writeln!(out, "## Argon2id ({} runs)", options.runs)?;
    writeln!(out)?;
    writeln!(out, "| what | median | p95 |")?;
    writeln!(out, "|---|---|---|")?;
    writeln!(
        out,
        "| one hash (m=19456 KiB, t=2, p=1) | {} | {} |",
        ms(hashing.hash.median()),
        ms(hashing.hash.p95())
    )?;
    writeln!(
        out,
        "| set-password flow, in-memory parts | {} | {} |",
        ms(hashing.flow.median()),
        ms(hashing.flow.p95())
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Flow / hash: {overhead:.3}× (overhead {:+.1}%; target ≤ 5%: {}).",
        (overhead - 1.0) * 100.0,
        verdict(overhead <= 1.05)
    )?;
    writeln!(out)?;

    writeln!(out, "## AWS calls per flow (DynamoDB / SES / SNS)")?;
    writeln!(out)?;
    writeln!(
        out,
        "Counted at the emulator, by the `app/<function>` tag in each request's user agent."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| flow | 10 users | {} users | equal | DynamoDB operations |",
        options.users
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    let mut all_equal = true;
    for ((flow, small), (_, large)) in small_calls.iter().zip(&large_calls) {
        let equal = small.same_as(large);
        all_equal &= equal;
        let dynamodb = small.dynamodb_actions.join(", ");
        writeln!(
            out,
            "| {flow} | {} | {} | {} | {} |",
            small.summary(),
            large.summary(),
            if equal { "yes" } else { "NO" },
            dynamodb
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Targets: request-reset ≤ 3 DynamoDB + 1 send, verify-code ≤ 2, set-password ≤ 3 + 1 send; counts equal for both tables: {}.",
        verdict(all_equal && calls_within_targets(&small_calls))
    )?;
    writeln!(out)?;

    print!("{out}");
    write_report(&options.out, &out)?;
    eprintln!("bench: written to {}", options.out.display());
    Ok(())
}

fn calls_within_targets(rows: &[(&str, Calls)]) -> bool {
    rows.iter().all(|(flow, c)| {
        let sends = c.ses + c.sns;
        if flow.starts_with("forgot") {
            c.dynamodb <= 3 && sends <= 1
        } else if flow.starts_with("code check") {
            c.dynamodb <= 2 && sends == 0
        } else if flow.starts_with("set password") {
            c.dynamodb <= 3 && sends <= 1
        } else {
            true
        }
    })
}
