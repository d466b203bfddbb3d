//! The release binaries as Lambda runs them: a process with the environment
//! Lambda gives a `provided.al2023` function, under the benchmark's own
//! Runtime API.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use recovery_edges::config::{Function, VARIABLES};
use serde_json::Value;
use system_tests::{CODE_SECRET_NAME, SENDER, emulator, workspace_root};

/// The secret `main` creates (`system_tests::outbox_secret`); a name is as
/// good as an ARN to Secrets Manager.
const OUTBOX_SECRET_NAME: &str = "recovery-test-outbox";

/// The bus deliver publishes the account events on (`main` creates it).
pub const EVENT_BUS_NAME: &str = "recovery-bench-events";

use crate::runtime_api::{Answer, RuntimeApi};
use crate::share::CpuShare;
use crate::{Error, TIMEOUT};

/// A release binary under our Runtime API, with the environment Lambda
/// gives a `provided.al2023` function plus the function's own variables.
pub struct Running {
    child: Child,
    pub api: RuntimeApi,
    pub started: Instant,
    pub binary: Binary,
    /// Run under `perf record` (see [`perf_data`]).
    profiled: bool,
}

/// A binary the benchmark runs: one of the functions, or the hello-world
/// `lambda_runtime` binary that is the cold-start baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    HelloWorld,
    Function(Function),
}

impl Binary {
    /// The baseline, then every function.
    pub fn all() -> impl Iterator<Item = Binary> {
        std::iter::once(Binary::HelloWorld).chain(Function::ALL.map(Binary::Function))
    }

    pub fn name(self) -> &'static str {
        match self {
            Binary::HelloWorld => "hello-world",
            Binary::Function(function) => function.name(),
        }
    }

    /// The release binary `make bench` builds, or the one of that name in
    /// `BENCH_BIN_DIR` (to set two builds side by side).
    pub fn path(self) -> PathBuf {
        let folder = std::env::var_os("BENCH_BIN_DIR")
            .map_or_else(|| workspace_root().join("target/release"), PathBuf::from);
        folder.join(self.name())
    }
}

impl From<Function> for Binary {
    fn from(function: Function) -> Self {
        Binary::Function(function)
    }
}

/// The memory the template gives `binary` (MB): more for the functions
/// that hash.
pub fn memory_size(binary: Binary) -> u32 {
    match binary {
        Binary::Function(Function::SetPassword | Function::VerifyCredentials) => 1024,
        Binary::Function(Function::AdminReset) => 1769,
        _ => 256,
    }
}

fn lambda_environment(binary: Binary, api: &str, memory_mb: u32) -> Vec<(String, String)> {
    let name = binary.name();
    let endpoint = emulator().endpoint.clone();
    [
        ("AWS_LAMBDA_RUNTIME_API", api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", format!("recovery-{name}")),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/recovery-{name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]bench".into()),
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
            "OUTBOX_SECRET_ARN" => OUTBOX_SECRET_NAME,
            "RESET_PAGE_URL" => "https://recovery.test/password/reset",
            "LOGIN_URL" => "https://app.recovery.test/login",
            "SMS_CODE_SECRET_ARN" => CODE_SECRET_NAME,
            "EVENT_BUS_NAME" => EVENT_BUS_NAME,
            // The floor pads every answer to hide whether an account exists;
            // measured without it, the work itself shows.
            "FORGOT_RESPONSE_FLOOR_MS" => "0",
            "SIGN_IN_FLOOR_MS" => "0",
            // The bench repeats each flow for one account from a few
            // addresses: the limits would answer most of them with a 429,
            // and the minute of quiet would send nothing.
            "EMAIL_LIMIT_15MIN" => "1000",
            "EMAIL_LIMIT_DAY" => "5000",
            "EMAIL_RESEND_AFTER_SECONDS" => "0",
            "FORGOT_LIMIT_PER_IP_HOUR" => "5000",
            "SMS_LIMIT_PER_IP_HOUR" => "5000",
            "SMS_LIMIT_PER_RANGE_HOUR" => "5000",
            // A number asked for again within a quarter hour (the default
            // allows a few) is answered as any other, as in the load test.
            "SMS_LIMIT_PER_PHONE_15MIN" => "1000",
            "SMS_LIMIT_PER_PHONE_DAY" => "5000",
            // Repeated from one address far past half its limit: no
            // challenge, so that the flow is what is measured.
            "CHALLENGE_AT_PERCENT" => "0",
            "CHALLENGE_ROUTE_MULTIPLE" => "0",
            // Nothing leaves the machine: the set-password flow is measured
            // without the breach check's round trip.
            "BREACHED_PASSWORDS_URL" => "off",
            _ => return None,
        })
    };
    VARIABLES
        .iter()
        .filter(|(_, functions)| functions.contains(&function))
        .filter_map(|(name, _)| Some(((*name).to_owned(), value(name)?.to_owned())))
        .collect()
}

impl Running {
    /// `binary` on a whole core, with its configured memory.
    pub fn start(binary: impl Into<Binary>, table: &str) -> Result<Self, Error> {
        Self::start_at(binary.into(), table, None)
    }

    /// `binary` at `share`'s memory and CPU share (None: its configured
    /// memory, on a whole core).
    pub fn start_at(binary: Binary, table: &str, share: Option<&CpuShare>) -> Result<Self, Error> {
        Self::start_with(binary, table, share, &[])
    }

    /// As [`Self::start_at`], with `overrides` of the function's variables.
    pub fn start_with(
        binary: Binary,
        table: &str,
        share: Option<&CpuShare>,
        overrides: &[(&str, &str)],
    ) -> Result<Self, Error> {
        let (name, path) = (binary.name(), binary.path());
        if !path.exists() {
            return Err(format!(
                "{} is missing: `make bench` builds it (cargo build --release -p {name})",
                path.display()
            )
            .into());
        }
        let api = RuntimeApi::start()?;
        let memory_mb = share.map_or(memory_size(binary), |s| s.memory_mb);
        let mut env = lambda_environment(binary, &api.address, memory_mb);
        if let Binary::Function(function) = binary {
            env.extend(function_variables(function, table));
        }
        env.extend(overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let log_dir = workspace_root().join("target/bench");
        std::fs::create_dir_all(&log_dir)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_dir.join(format!("{name}.log")))?;
        let profile = perf_data(name).filter(|_| share.is_none());
        let mut command = match &profile {
            Some(data) => {
                let mut perf = Command::new("perf");
                perf.args(["record", "-F", "20000", "-g", "-q", "-o"])
                    .arg(data)
                    .arg("--")
                    .arg(&path);
                perf
            }
            None => Command::new(&path),
        };
        command.env_clear().envs(env).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
        let procs = share.map(|s| s.confine(&mut command)).transpose()?;
        let started = Instant::now();
        let child = command.spawn()?;
        drop(procs);
        Ok(Self { child, api, started, binary, profiled: profile.is_some() })
    }

    pub fn invoke(&mut self, event: &Value) -> Result<Answer, Error> {
        let answer = self.api.invoke(event, TIMEOUT)?;
        if answer.error {
            return Err(self.unexpected("an error", &answer));
        }
        Ok(answer)
    }

    /// Invokes and checks the HTTP status (API Gateway events), or for
    /// administrator events that there is no `error` (200) or there is (400).
    pub fn expect(&mut self, event: &Value, status: u16) -> Result<Answer, Error> {
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

    pub fn unexpected(&self, what: &str, answer: &Answer) -> Error {
        let body = String::from_utf8_lossy(&answer.body);
        format!("{} answered {what}: {body}", self.binary.name()).into()
    }

    /// Peak resident set size so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

/// `BENCH_PERF_DIR`: where whole-core runs are recorded with `perf record`.
pub fn perf_dir() -> Option<PathBuf> {
    std::env::var_os("BENCH_PERF_DIR").map(PathBuf::from)
}

/// With `BENCH_PERF_DIR` set, where `perf record` writes the profile of the
/// next whole-core run of `name` (`<dir>/<name>-<n>.data`). For a profile
/// with symbols, build the binaries unstripped (BENCHMARKS.md, "Profiling a
/// cold start"); perf's own start is then inside every figure.
fn perf_data(name: &str) -> Option<PathBuf> {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = perf_dir()?;
    let run = RUNS.fetch_add(1, Ordering::SeqCst);
    Some(dir.join(format!("{name}-{run}.data")))
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.profiled {
            // perf writes its file when interrupted, not when killed.
            let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
            let _ = self.child.wait();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
