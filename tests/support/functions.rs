//! The functions under `cargo lambda watch`, and Lambda's part for the
//! table's stream (`infra/stream_poller.py`) handing new outbox messages to
//! `deliver`.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{
    ADMIN_ARN, CONFIGURATION_SET, LOGIN_URL, RESET_PAGE_URL, SENDER, SUPPORT_CONTACT, code_secret,
    configuration_set, emulator, free_port, fresh_table, http, log_dir, outbox_secret, post_json,
    sdk_config, tethered, tool, unique, verified_sender, wait_until_answering,
};

/// How the stream reaches `deliver`.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// Polled, as Lambda does: failed records are handed over again up to
    /// `max_retries` times, `retry_delay` seconds apart (growing), then
    /// described in the dead-letter queue.
    Polled { max_retries: u32, retry_delay: f64 },
    /// Not polled: the test hands records to `deliver` itself.
    Off,
}

impl Stream {
    pub const DEFAULT: Stream = Stream::Polled { max_retries: 5, retry_delay: 0.2 };
}

/// The status files of every stream poller of this test binary.
static POLLERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The functions under `cargo lambda watch`, on a table of their own.
pub struct Functions {
    pub base: String,
    pub table: String,
    pub log: PathBuf,
    /// The sender `deliver` sends from (a verified identity).
    pub sender: String,
    /// The dead-letter queue of its stream (a queue name on the emulator).
    pub dead_letter_queue: String,
    /// The product's event bus `deliver` publishes on; a rule sends all its
    /// events to `events_queue`, read by [`Self::events`].
    pub event_bus: String,
    events_queue: String,
    events_seen: Mutex<Vec<Value>>,
    /// One stream poller per path of the template (`OutboxEmail`,
    /// `OutboxSms`), and the status file each writes.
    poller_status: Vec<PathBuf>,
    process: Child,
    pollers: Vec<Child>,
}

/// The deliver function's stream events in the template, one poller each.
const STREAM_EVENTS: [&str; 2] = ["OutboxEmail", "OutboxSms"];

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

    pub fn lock_url(&self) -> String {
        format!("{}/lambda-url/lock-account/password/not-me", self.base)
    }

    /// Every event published on the bus so far, as the product's rule
    /// hands it to its queue (`detail-type`, `detail`, ...), once the stream
    /// has settled.
    pub fn events(&self) -> Vec<Value> {
        self.settle();
        let mut seen = self.events_seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.extend(crate::take_queue_messages(&self.events_queue));
        seen.clone()
    }

    /// Invokes the function `name` with `event` through the Lambda Invoke
    /// API of `cargo lambda watch`, as `aws lambda invoke`, an event source
    /// or API Gateway does.
    pub fn invoke(&self, name: &str, event: &Value) -> Value {
        let url = format!("{}/2015-03-31/functions/{name}/invocations", self.base);
        let answer = post_json(&url, event);
        assert_eq!(answer.status, 200, "invoke failed: {}", answer.text());
        answer.json()
    }

    /// Runs an administrator action as [`ADMIN_ARN`] through admin-reset's
    /// function URL, handed over as Lambda does once it has verified the
    /// signature; answers the response's JSON body.
    pub fn invoke_admin(&self, event: &Value) -> Value {
        self.invoke_admin_as(ADMIN_ARN, event)
    }

    /// Runs an administrator action as `signer` (an IAM ARN Lambda
    /// verified), and answers its JSON body.
    pub fn invoke_admin_as(&self, signer: &str, event: &Value) -> Value {
        let answer = self.invoke("admin-reset", &crate::admin_url_request(event, signer));
        let body =
            answer["body"].as_str().unwrap_or_else(|| panic!("not a URL response: {answer}"));
        serde_json::from_str(body).expect("a JSON body")
    }

    /// Invokes `admin-reset` the way `aws lambda invoke` does, event as is.
    pub fn invoke_admin_directly(&self, event: &Value) -> Value {
        self.invoke("admin-reset", event)
    }

    /// Invokes `deliver` with `event` (a stream batch), as the stream's
    /// event source mapping does.
    pub fn invoke_deliver(&self, event: &Value) -> Value {
        self.invoke("deliver", event)
    }

    /// Everything the functions have logged so far (the stream poller's
    /// lines among them).
    pub fn logs(&self) -> String {
        let mut logs = std::fs::read_to_string(&self.log).unwrap_or_default();
        for status in &self.poller_status {
            logs.push_str(
                &std::fs::read_to_string(status.with_extension("log")).unwrap_or_default(),
            );
        }
        logs
    }

    /// What the stream pollers have done, summed over both paths:
    /// `delivered_batches`, `retries`, `dead_lettered`; `retrying` when
    /// either is. `Null` when the stream is off.
    pub fn stream_status(&self) -> Value {
        let statuses: Vec<Value> = self
            .poller_status
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect();
        if statuses.is_empty() {
            return Value::Null;
        }
        let sum = |field: &str| statuses.iter().filter_map(|s| s[field].as_u64()).sum::<u64>();
        serde_json::json!({
            "delivered_batches": sum("delivered_batches"),
            "retries": sum("retries"),
            "dead_lettered": sum("dead_lettered"),
            "function_errors": sum("function_errors"),
            "retrying": statuses.iter().any(|s| s["retrying"] == true),
        })
    }

    /// Waits until the stream poller has handed over everything written
    /// before the call (a whole poll begun after it found nothing new).
    pub fn settle(&self) {
        for status in &self.poller_status {
            settle(status);
        }
    }

    /// Starts the functions with the test configuration plus `extra`
    /// variables, and the stream polled as by default. They compile in
    /// debug on their first call, which `make test` has already done.
    pub fn start(extra: &[(&str, &str)]) -> Functions {
        Self::start_with(extra, Stream::DEFAULT)
    }

    /// As [`Self::start`], with the stream reaching `deliver` as `stream`
    /// says.
    pub fn start_with(extra: &[(&str, &str)], stream: Stream) -> Functions {
        let endpoint = emulator().endpoint.clone();
        let sender = extra
            .iter()
            .find(|(name, _)| *name == "MAIL_FROM")
            .map_or(SENDER.to_owned(), |(_, v)| (*v).to_owned());
        let event_bus = unique("bus");
        let events_queue = unique("product-events");
        let (table, secret_arn, code_secret_arn) = std::thread::spawn({
            let sender = sender.clone();
            let (bus, queue) = (event_bus.clone(), events_queue.clone());
            move || {
                let runtime = tokio::runtime::Runtime::new().expect("a runtime");
                runtime.block_on(async {
                    let sdk = sdk_config().await;
                    verified_sender(&sdk, &sender).await;
                    configuration_set(&sdk).await;
                    let arn = outbox_secret(&sdk).await;
                    let code_arn = code_secret(&sdk).await;
                    event_rule(&sdk, &bus, &queue).await;
                    (fresh_table(&sdk).await, arn, code_arn)
                })
            }
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
            ("OUTBOX_SECRET_ARN", secret_arn),
            ("MAIL_FROM", SENDER.into()),
            ("EMAIL_CONFIGURATION_SET", CONFIGURATION_SET.into()),
            ("RESET_PAGE_URL", RESET_PAGE_URL.into()),
            ("LOGIN_URL", LOGIN_URL.into()),
            ("SERVICE_NAME", "Recovery Test".into()),
            ("SUPPORT_CONTACT", SUPPORT_CONTACT.into()),
            ("SMS_CODE_SECRET_ARN", code_secret_arn),
            ("SMS_SENDER_ID", "RecoveryT".into()),
            // The template's default budgets.
            ("SMS_DAILY_BUDGET_USD", "25".into()),
            ("SMS_MONTHLY_BUDGET_USD", "250".into()),
            ("EVENT_BUS_NAME", event_bus.clone()),
            // Every test here calls from 127.0.0.1; the per-address limit has
            // tests of its own.
            ("SMS_LIMIT_PER_IP_HOUR", "5000".into()),
            // The numbers of a run share a few ranges of a thousand.
            ("SMS_LIMIT_PER_RANGE_HOUR", "5000".into()),
            // The limits' tests reach them; the challenge has tests of its
            // own.
            ("CHALLENGE_AT_PERCENT", "0".into()),
            ("CHALLENGE_ROUTE_MULTIPLE", "0".into()),
            ("FORGOT_LIMIT_PER_IP_HOUR", "5000".into()),
            ("FORGOT_RESPONSE_FLOOR_MS", "100".into()),
            ("SIGN_IN_FLOOR_MS", "200".into()),
            ("AWS_LAMBDA_LOG_LEVEL", "debug".into()),
            ("BREACHED_PASSWORDS_URL", format!("{}/range/", crate::range_stand_in().base)),
        ];
        for (name, value) in extra {
            env.retain(|(n, _)| n != name);
            env.push((name, (*value).to_owned()));
        }
        // Functions beside others name their table (and the stream polled
        // is that table's).
        let table = env.iter().find(|(n, _)| *n == "TABLE_NAME").map_or(table, |(_, v)| v.clone());
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
        let dead_letter_queue = unique("dead-letters");
        let (mut pollers, mut poller_status) = (Vec::new(), Vec::new());
        if let Stream::Polled { max_retries, retry_delay } = stream {
            for event in STREAM_EVENTS {
                let status = log_dir().join(format!("{}.json", unique("stream")));
                let python = tool("python");
                pollers.push(tethered(
                    &[
                        python.to_str().unwrap_or("python"),
                        "infra/stream_poller.py",
                        "--endpoint",
                        &emulator().endpoint,
                        "--table",
                        &table,
                        "--event",
                        event,
                        "--invoke-url",
                        &format!("{base}/2015-03-31/functions/deliver/invocations"),
                        "--dead-letter-queue",
                        &dead_letter_queue,
                        "--max-retries",
                        &max_retries.to_string(),
                        "--retry-delay",
                        &retry_delay.to_string(),
                        "--interval",
                        "0.1",
                        "--status-file",
                        status.to_str().unwrap_or("stream.json"),
                    ],
                    &status.with_extension("log"),
                    &[],
                ));
                POLLERS.lock().unwrap_or_else(|p| p.into_inner()).push(status.clone());
                poller_status.push(status);
            }
        }
        let functions = Functions {
            base,
            table,
            log,
            sender,
            dead_letter_queue,
            event_bus,
            events_queue,
            events_seen: Mutex::new(Vec::new()),
            poller_status,
            process,
            pollers,
        };
        // First calls compile and start each function; one that refuses
        // its configuration fails the start at once (cargo lambda watch
        // would start it again and again).
        let code_form = format!("{}?phone=%2B4915112345678", functions.code_url());
        for url in [functions.forgot_url(), functions.reset_url(), code_form] {
            let status = functions.first_call(move || http("GET", &url, &[], b"").status);
            assert!(
                status == 200 || status == 400,
                "warm-up answered {status}; see {}",
                functions.log.display()
            );
        }
        let base = functions.base.clone();
        let invoke = move |name: &str, event: Value| {
            let url = format!("{base}/2015-03-31/functions/{name}/invocations");
            post_json(&url, &event).json()
        };
        let warm = functions.first_call({
            let invoke = invoke.clone();
            move || invoke("admin-reset", serde_json::json!({}))
        });
        assert_eq!(warm["error"], "signed_request_required", "admin-reset warm-up: {warm}");
        let warm =
            functions.first_call(move || invoke("deliver", serde_json::json!({ "Records": [] })));
        assert_eq!(warm, serde_json::json!({ "batchItemFailures": [] }), "deliver warm-up");
        functions.settle();
        functions
    }
}

impl Functions {
    /// Runs `call` (a function's first), failing at once should a function
    /// log that it refuses its configuration meanwhile.
    fn first_call<T: Send + 'static>(&self, call: impl FnOnce() -> T + Send + 'static) -> T {
        let running = std::thread::spawn(call);
        while !running.is_finished() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = log.lines().find(|l| l.contains("ConfigError(")) {
                panic!("a function refused its configuration: {line}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        running.join().expect("the first call")
    }
}

/// Waits until the poller writing `status` has begun and finished a whole
/// poll after this call and found nothing new.
fn settle(status: &std::path::Path) {
    // A poller handing failing records over again is busy on purpose; the
    // test that made them fail waits for them itself.
    let read = || -> Option<(u64, bool, bool)> {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(status).ok()?).ok()?;
        let retrying = value["retrying"].as_bool().unwrap_or(false);
        Some((value["polls"].as_u64()?, value["idle"].as_bool()?, retrying))
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let start = read().map_or(0, |(polls, _, _)| polls);
    loop {
        if !status.exists() {
            return; // its functions were stopped
        }
        match read() {
            Some((_, _, true)) => return,
            Some((polls, true, _)) if polls > start + 1 => return,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "the stream poller ({}) did not settle",
            status.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until every stream poller of this test binary has handed over
/// what was written before the call: what the functions sent is then at
/// the emulator.
pub fn settle_all_streams() {
    let pollers = POLLERS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for status in pollers {
        settle(&status);
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        for mut poller in self.pollers.drain(..) {
            let _ = Command::new("kill").arg("-TERM").arg(poller.id().to_string()).status();
            let _ = poller.wait();
        }
        // SIGTERM lets the tether stop `cargo lambda watch` and its functions.
        let _ = Command::new("kill").arg("-TERM").arg(self.process.id().to_string()).status();
        let _ = self.process.wait();
        for status in &self.poller_status {
            POLLERS.lock().unwrap_or_else(|p| p.into_inner()).retain(|p| p != status);
            // A test settling this poller right now stops waiting.
            let _ = std::fs::remove_file(status);
        }
    }
}

/// The functions shared by the tests of one binary (started on first use).
pub fn functions() -> &'static Functions {
    static FUNCTIONS: OnceLock<Functions> = OnceLock::new();
    FUNCTIONS.get_or_init(|| Functions::start(&[]))
}

/// The bus `bus` with a rule that sends every event of the service to the
/// queue `queue`, as a product's own rule would.
async fn event_rule(sdk: &aws_config::SdkConfig, bus: &str, queue: &str) {
    let events = aws_sdk_eventbridge::Client::new(sdk);
    local_stack::ensure_event_bus(&events, bus).await.expect("create the event bus");
    let arn = crate::create_queue(queue);
    events
        .put_rule()
        .name("all-events")
        .event_bus_name(bus)
        .event_pattern(r#"{"source": ["password-recovery"]}"#)
        .send()
        .await
        .expect("put the rule");
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("queue")
        .arn(arn)
        .build()
        .expect("a target");
    events
        .put_targets()
        .rule("all-events")
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .expect("put the target");
}
