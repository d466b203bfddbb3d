//! The log subscriber's filter: no level lets another crate (the runtime,
//! the SDK) log below INFO; this crate logs at the level asked for.

use password_recovery::logging::filter;
use tracing::Level;

#[test]
fn no_level_lets_another_crate_log_below_info() {
    for level in [
        "TRACE", "trace", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "nonsense",
    ] {
        let filter = filter(Some(level));
        for target in [
            "lambda_runtime::layers::api_response",
            "aws_smithy_runtime",
            "hyper",
        ] {
            assert!(
                !filter.would_enable(target, &Level::DEBUG),
                "{level} {target}"
            );
            assert!(
                !filter.would_enable(target, &Level::TRACE),
                "{level} {target}"
            );
        }
    }
}

#[test]
fn this_crate_logs_at_the_level_asked_for() {
    assert!(filter(Some("TRACE")).would_enable("password_recovery::flows", &Level::TRACE));
    assert!(filter(Some("debug")).would_enable("password_recovery::flows", &Level::DEBUG));
    assert!(!filter(Some("INFO")).would_enable("password_recovery::flows", &Level::DEBUG));
    assert!(filter(None).would_enable("password_recovery", &Level::INFO));
    assert!(!filter(Some("WARN")).would_enable("password_recovery", &Level::INFO));
    assert!(filter(Some("WARN")).would_enable("lambda_runtime", &Level::WARN));
    assert!(!filter(Some("FATAL")).would_enable("password_recovery", &Level::WARN));
}
