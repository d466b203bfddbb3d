//! The moto emulator of a test binary, SDK configuration pointed at it,
//! tables and senders on it, and what it recorded (emails, SMS, calls).

use std::path::PathBuf;
use std::process::Child;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use local_stack::TableDefinition;
use serde_json::Value;

use crate::{free_port, http, log_dir, tethered, tool, unique, wait_until_answering};

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
        Emulator { endpoint, calls, _process: process }
    })
}

/// The local stand-in of the Pwned Passwords range API
/// (`infra/range_standin.py`) of a test binary: the functions under test
/// check new passwords against it, never against the real one.
pub struct RangeStandIn {
    /// `http://127.0.0.1:<port>`; the API is at `<base>/range/`.
    pub base: String,
    _process: Child,
}

impl RangeStandIn {
    /// Every range request it received: its path, and whether padding was
    /// asked for.
    pub fn requests(&self) -> Vec<(String, bool)> {
        self.listed()
            .iter()
            .map(|r| (r["path"].as_str().unwrap_or("").to_owned(), r["padding"] == true))
            .collect()
    }

    /// The paths of the range requests it has not answered yet (held).
    pub fn unanswered(&self) -> Vec<String> {
        (self.listed().iter())
            .filter(|r| r["answered"] == false)
            .map(|r| r["path"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    fn listed(&self) -> Vec<Value> {
        let listed = http("GET", &format!("{}/requests", self.base), &[], b"");
        let listed: Value = serde_json::from_slice(&listed.body).expect("a JSON list");
        listed.as_array().cloned().unwrap_or_default()
    }
}

/// The range API's stand-in of this test binary (started on first use).
pub fn range_stand_in() -> &'static RangeStandIn {
    static STAND_IN: OnceLock<RangeStandIn> = OnceLock::new();
    STAND_IN.get_or_init(|| {
        let port = free_port();
        let python = tool("python");
        let process = tethered(
            &[
                python.to_str().unwrap_or("python"),
                "infra/range_standin.py",
                "--port",
                &port.to_string(),
            ],
            &log_dir().join(format!("range-standin-{}.log", std::process::id())),
            &[],
        );
        let base = format!("http://127.0.0.1:{port}");
        wait_until_answering(&format!("{base}/health"), Duration::from_secs(30));
        RangeStandIn { base, _process: process }
    })
}

/// An SDK interceptor that keeps each request it sees: the operation (from
/// `X-Amz-Target`, for JSON protocols) and the body.
#[derive(Debug, Default, Clone)]
pub struct SentRequests(std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>);

impl SentRequests {
    /// The operations of the requests since the last call.
    pub fn take_operations(&self) -> Vec<String> {
        self.take().into_iter().map(|(operation, _)| operation).collect()
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
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push((operation, body.into_owned()));
        Ok(())
    }
}

/// SDK configuration pointed at the emulator, as `AWS_ENDPOINT_URL` would.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(recovery_aws::https_client(recovery_aws::AWS_ROOTS))
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

/// Creates the EventBridge bus `name` unless it exists.
pub async fn event_bus(sdk: &SdkConfig, name: &str) {
    local_stack::ensure_event_bus(&aws_sdk_eventbridge::Client::new(sdk), name)
        .await
        .expect("create the event bus");
}

/// The SES configuration set the functions under test send in.
pub const CONFIGURATION_SET: &str = "recovery-test-events";

/// Creates [`CONFIGURATION_SET`] unless it exists.
pub async fn configuration_set(sdk: &SdkConfig) {
    local_stack::ensure_configuration_set(&aws_sdk_sesv2::Client::new(sdk), CONFIGURATION_SET)
        .await
        .expect("create the SES configuration set");
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

/// What moto holds for SES and SNS: the emails and texts sent so far, once
/// every stream poller has handed over what was written before the call.
pub fn emulator_data() -> Value {
    crate::settle_all_streams();
    http("GET", &format!("{}/moto-api/data.json?services=ses,sns", emulator().endpoint), &[], b"")
        .json()
}

pub fn sent_emails() -> Vec<SentEmail> {
    emails_in(&emulator_data())
}

/// The emails in what an emulator's `data.json` holds.
pub fn emails_in(data: &Value) -> Vec<SentEmail> {
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| SentEmail {
            from: m["source"].as_str().unwrap_or("").to_owned(),
            to: m["destinations"]["ToAddresses"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            subject: m["subject"].as_str().unwrap_or("").to_owned(),
            body: m["body"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

/// Starts (`true`) or ends an SMS outage for `e164` on the emulator: SNS
/// answers `ServiceUnavailable` to texts for it meanwhile.
pub fn sms_outage(e164: &str, on: bool) {
    let method = if on { "POST" } else { "DELETE" };
    let number = e164.replace('+', "%2B");
    let url = format!("{}/_outage/sms?number={number}", emulator().endpoint);
    assert_eq!(crate::http(method, &url, &[], b"").status, 204);
}

/// Text messages moto recorded for `e164`, oldest first.
pub fn texts_to(e164: &str) -> Vec<String> {
    texts_in(&emulator_data(), e164)
}

/// The texts to `e164` in what an emulator's `data.json` holds.
pub fn texts_in(data: &Value, e164: &str) -> Vec<String> {
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
    sent_emails().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
}

/// One call of the SQS JSON protocol on the emulator.
fn sqs(target: &str, body: Value) -> Value {
    aws_json("sqs", &format!("AmazonSQS.{target}"), body)
}

/// One call of DynamoDB Streams' JSON protocol on the emulator (the
/// service itself reads streams only through Lambda, so the SDK has no
/// client of it here): `GetShardIterator`, `GetRecords`, ...
pub fn dynamodb_streams(target: &str, body: Value) -> Value {
    aws_json("dynamodb", &format!("DynamoDBStreams_20120810.{target}"), body)
}

/// One call of an AWS JSON 1.0 protocol on the emulator.
fn aws_json(service: &str, target: &str, body: Value) -> Value {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    http(
        "POST",
        &emulator().endpoint,
        &[
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", target),
            ("Authorization", &authorization),
        ],
        body.to_string().as_bytes(),
    )
    .json()
}

/// Creates the SQS queue `name` on the emulator; its ARN.
pub fn create_queue(name: &str) -> String {
    let created = sqs("CreateQueue", serde_json::json!({ "QueueName": name }));
    let url = created["QueueUrl"].as_str().expect("a queue URL");
    let attributes = sqs(
        "GetQueueAttributes",
        serde_json::json!({ "QueueUrl": url, "AttributeNames": ["QueueArn"] }),
    );
    attributes["Attributes"]["QueueArn"].as_str().expect("a queue ARN").to_owned()
}

/// The messages waiting in the SQS queue `name` on the emulator (their
/// bodies, parsed), read without taking them.
pub fn queue_messages(name: &str) -> Vec<Value> {
    receive(name, false)
}

/// As [`queue_messages`], taking them: each is answered once.
pub fn take_queue_messages(name: &str) -> Vec<Value> {
    let mut taken = Vec::new();
    loop {
        let batch = receive(name, true);
        if batch.is_empty() {
            return taken;
        }
        taken.extend(batch);
    }
}

fn receive(name: &str, take: bool) -> Vec<Value> {
    let url = sqs("GetQueueUrl", serde_json::json!({ "QueueName": name }));
    let Some(url) = url["QueueUrl"].as_str() else {
        return Vec::new();
    };
    let visibility = if take { 30 } else { 0 };
    let received = sqs(
        "ReceiveMessage",
        serde_json::json!({ "QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": visibility }),
    );
    let messages: Vec<Value> = received["Messages"].as_array().cloned().unwrap_or_default();
    if take {
        for message in &messages {
            sqs(
                "DeleteMessage",
                serde_json::json!({ "QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"] }),
            );
        }
    }
    messages.iter().filter_map(|m| serde_json::from_str(m["Body"].as_str()?).ok()).collect()
}
