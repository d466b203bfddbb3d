//! The local stack as `make dev` runs it (`infra/dev.py`: its own emulator,
//! the table and demo accounts, the functions under `cargo lambda watch`,
//! the stream, and API Gateway's part on one port), on free ports, for
//! tests that speak to it as a client would.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::{free_port, http, log_dir, tethered, tool, unique};

/// A running local stack; stopped when dropped.
pub struct LocalStack {
    /// `http://127.0.0.1:<port>`, where the public routes are.
    pub base: String,
    /// What it printed.
    pub log: PathBuf,
    process: Child,
}

impl LocalStack {
    /// Starts the local stack with `extra` variables for its functions
    /// (say, limits), and waits until every route answers.
    pub fn start(extra: &[(&str, &str)]) -> LocalStack {
        let port = free_port();
        let mut env: Vec<(&str, String)> = vec![
            ("PORT", port.to_string()),
            ("MOTO_PORT", free_port().to_string()),
            ("LAMBDA_PORT", free_port().to_string()),
            ("IGNORE_CHANGES", "1".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let log = log_dir().join(format!("{}.log", unique("local-stack")));
        let python = tool("python");
        let python = python.to_str().expect("a UTF-8 path");
        let process = tethered(&[python, "infra/dev.py"], &log, &env);
        let mut stack = LocalStack {
            base: format!("http://127.0.0.1:{port}"),
            log,
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
                    panic!(
                        "the local stack stopped ({status}); see {}",
                        self.log.display()
                    );
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

impl Drop for LocalStack {
    fn drop(&mut self) {
        // SIGTERM lets the tether stop dev.py, which stops what it started.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.process.id().to_string())
            .status();
        let _ = self.process.wait();
    }
}
