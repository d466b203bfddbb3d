//! The functions under `cargo lambda watch`.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::{
    LOGIN_URL, RESET_PAGE_URL, SENDER, SMS_CODE_SECRET, emulator, free_port, fresh_table, http,
    log_dir, post_json, sdk_config, tethered, tool, unique, verified_sender, wait_until_answering,
};

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
