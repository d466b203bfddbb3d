//! The functions' log subscriber: JSON lines when Lambda asks for them
//! (`AWS_LAMBDA_LOG_FORMAT`), the service's own events at the level Lambda's
//! advanced logging controls set (`AWS_LAMBDA_LOG_LEVEL`, the template's
//! `LogLevel`), and never more than INFO from any other crate, whatever
//! that level is. At DEBUG and TRACE the Lambda runtime logs each raw
//! event (new passwords, codes, tokens) and the AWS SDK each request
//! (links, codes, hashes); the service's own events carry none of them
//! (its secrets are types that do not print). `RUST_LOG` is not read: a
//! variable cannot lift the cap.

use std::str::FromStr;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The targets logged at the level asked for: the service's crates and the
/// functions' binaries.
pub const OWN_TARGETS: &[&str] = &[
    "recovery_domain",
    "recovery_admin_api",
    "recovery_messages",
    "recovery_core",
    "recovery_aws",
    "recovery_breaches",
    "recovery_https",
    "recovery_edges",
    "recovery_wiring",
    "request_reset",
    "verify_code",
    "verify_credentials",
    "set_password",
    "admin_reset",
    "deliver",
    "lock_account",
];

/// The most any other crate may log.
pub const OTHERS_AT_MOST: LevelFilter = LevelFilter::INFO;

/// What is logged at `level` (Lambda's names: `TRACE` to `FATAL`; INFO
/// when unset or unknown).
pub fn filter(level: Option<&str>) -> Targets {
    let level = match level.map(str::trim) {
        Some(name) if name.eq_ignore_ascii_case("fatal") => LevelFilter::ERROR,
        Some(name) => LevelFilter::from_str(name).unwrap_or(LevelFilter::INFO),
        None => LevelFilter::INFO,
    };
    OWN_TARGETS
        .iter()
        .fold(Targets::new().with_default(level.min(OTHERS_AT_MOST)), |targets, name| {
            targets.with_target(*name, level)
        })
}

/// Installs the subscriber for this process, from Lambda's variables.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let format = tracing_subscriber::fmt::layer().with_target(false).without_time();
    let subscriber = tracing_subscriber::registry().with(filter(level.as_deref()));
    if json {
        subscriber.with(format.json()).init();
    } else {
        subscriber.with(format).init();
    }
}
