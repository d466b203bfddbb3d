//! The local stack as `make dev` runs it (`infra/dev.py`: its own emulator,
//! the table and demo accounts, the functions under `cargo lambda watch`,
//! the stream, and API Gateway's part on one port), on free ports, for
//! tests that speak to it as a client would.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{SentEmail, emails_in, free_port, http, log_dir, tethered, texts_in, tool, unique};

/// A running local stack; stopped when dropped.
pub struct LocalStack {
    /// `http://127.0.0.1:<port>`, where the public routes are.
    pub base: String,
    /// Its emulator's endpoint.
    pub emulator: String,
    /// Its `cargo lambda watch` (the Lambda Invoke API).
    pub lambda: String,
    /// admin-reset's function URL, which takes SigV4-signed requests.
    pub admin_url: String,
    /// Where it wrote its administrator's keys (`local-admin.json`).
    admin_dir: PathBuf,
    /// What it printed.
    pub log: PathBuf,
    /// Every metric record (EMF) its functions wrote, one a line.
    pub metrics: PathBuf,
    process: Child,
}

impl LocalStack {
    /// Starts the local stack with `extra` variables for its functions
    /// (say, limits), and waits until every route answers.
    pub fn start(extra: &[(&str, &str)]) -> LocalStack {
        let (port, moto_port, lambda_port) = (free_port(), free_port(), free_port());
        let admin_port = free_port();
        let admin_dir = log_dir().join(unique("local-admin"));
        let mut env: Vec<(&str, String)> = vec![
            ("PORT", port.to_string()),
            ("MOTO_PORT", moto_port.to_string()),
            ("LAMBDA_PORT", lambda_port.to_string()),
            ("ADMIN_PORT", admin_port.to_string()),
            ("RANGE_PORT", free_port().to_string()),
            ("LOCAL_ADMIN_DIR", admin_dir.to_string_lossy().into_owned()),
            ("IGNORE_CHANGES", "1".into()),
        ];
        let metrics = log_dir().join(format!("{}.jsonl", unique("local-metrics")));
        env.push(("METRICS_LOG", metrics.to_string_lossy().into_owned()));
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let log = log_dir().join(format!("{}.log", unique("local-stack")));
        let python = tool("python");
        let python = python.to_str().expect("a UTF-8 path");
        let process = tethered(&[python, "infra/dev.py"], &log, &env);
        let mut stack = LocalStack {
            base: format!("http://127.0.0.1:{port}"),
            emulator: format!("http://127.0.0.1:{moto_port}"),
            lambda: format!("http://127.0.0.1:{lambda_port}"),
            admin_url: format!("http://127.0.0.1:{admin_port}/"),
            admin_dir,
            log,
            metrics,
            process,
        };
        stack.wait_until_ready(Duration::from_secs(900));
        stack
    }

    /// Until each route's page answers without a server error (the
    /// functions compile on their first call).
    fn wait_until_ready(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        for path in ["/password/forgot", "/password/code", "/password/reset"] {
            loop {
                let url = format!("{}{path}", self.base);
                let listening = std::net::TcpStream::connect(&self.base["http://".len()..]).is_ok();
                let ready = listening
                    && std::panic::catch_unwind(|| http("GET", &url, &[], b"").status)
                        .is_ok_and(|status| status < 500);
                if ready {
                    break;
                }
                if let Ok(Some(status)) = self.process.try_wait() {
                    panic!("the local stack stopped ({status}); see {}", self.log.display());
                }
                assert!(
                    Instant::now() < deadline,
                    "the local stack did not answer {path} within {within:?}; see {}",
                    self.log.display()
                );
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

impl LocalStack {
    /// Invokes `function` with `event` through the Lambda Invoke API, as
    /// a product's AWS SDK does (verify-credentials); its answer.
    pub fn invoke(&self, function: &str, event: &Value) -> Value {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.lambda);
        http("POST", &url, &[], event.to_string().as_bytes()).json()
    }

    /// Runs an administrator action through admin-reset's function URL,
    /// signed by `awscurl` (as README shows) with the keys of the IAM user
    /// the stack made on its emulator; the answer's JSON body.
    pub fn admin(&self, action: &Value) -> Value {
        let keys = std::fs::read_to_string(self.admin_dir.join("local-admin.json"))
            .expect("the local stack wrote its administrator's keys");
        let keys: Value = serde_json::from_str(&keys).expect("JSON keys");
        let (key, identity) =
            keys.as_object().and_then(|k| k.iter().next()).expect("one access key");
        let output = Command::new(tool("awscurl"))
            .args(["--service", "lambda", "--region", "us-east-1", "-X", "POST"])
            .args(["-H", "content-type: application/json", "-d", &action.to_string()])
            .args(["--access_key", key, "--secret_key"])
            .arg(identity["secret"].as_str().expect("a secret"))
            .arg(&self.admin_url)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .expect("run awscurl");
        let text = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(&text).unwrap_or_else(|_| {
            panic!("awscurl: {text} {}", String::from_utf8_lossy(&output.stderr))
        })
    }

    /// The ARN of the administrator [`Self::admin`] signs as.
    pub fn admin_arn(&self) -> String {
        let keys = std::fs::read_to_string(self.admin_dir.join("local-admin.json")).unwrap();
        let keys: Value = serde_json::from_str(&keys).unwrap();
        keys.as_object().and_then(|k| k.values().next()).expect("one key")["arn"]
            .as_str()
            .expect("an ARN")
            .to_owned()
    }

    /// What its emulator holds for SES and SNS.
    fn sent(&self) -> Value {
        let url = format!("{}/moto-api/data.json?services=ses,sns", self.emulator);
        http("GET", &url, &[], b"").json()
    }

    /// The emails sent to `address` so far, oldest first.
    pub fn emails_to(&self, address: &str) -> Vec<SentEmail> {
        emails_in(&self.sent()).into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    }

    /// The texts sent to `e164` so far, oldest first.
    pub fn texts_to(&self, e164: &str) -> Vec<String> {
        texts_in(&self.sent(), e164)
    }

    /// Waits (up to `within`) until `count` emails have gone to `address`
    /// (the stream hands them to deliver a moment after the request); the
    /// newest.
    pub fn wait_for_email(&self, address: &str, count: usize, within: Duration) -> SentEmail {
        self.wait_for(address, count, within, || self.emails_to(address))
    }

    /// As [`Self::wait_for_email`], for texts to `e164`.
    pub fn wait_for_text(&self, e164: &str, count: usize, within: Duration) -> String {
        self.wait_for(e164, count, within, || self.texts_to(e164))
    }

    /// The newest of what `sent` lists once it lists `count`, within
    /// `within`; a failure naming `to` and the stack's log otherwise.
    fn wait_for<T>(
        &self,
        to: &str,
        count: usize,
        within: Duration,
        sent: impl Fn() -> Vec<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            let mut seen = sent();
            if seen.len() >= count {
                return seen.pop().expect("a message");
            }
            assert!(
                Instant::now() < deadline,
                "no message number {count} to {to} within {within:?}; see {}",
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        // SIGTERM lets the tether stop dev.py, which stops what it started.
        let _ = Command::new("kill").arg("-TERM").arg(self.process.id().to_string()).status();
        let _ = self.process.wait();
    }
}
