//! The log subscriber's filter: no level lets another crate (the runtime,
//! the SDK) log below INFO; the service's own crates and binaries log at the
//! level asked for.

use recovery_edges::logging::{OWN_TARGETS, filter};
use tracing::Level;

#[test]
fn no_level_lets_another_crate_log_below_info() {
    for level in ["TRACE", "trace", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "nonsense"] {
        let filter = filter(Some(level));
        for target in ["lambda_runtime::layers::api_response", "aws_smithy_runtime", "hyper"] {
            assert!(!filter.would_enable(target, &Level::DEBUG), "{level} {target}");
            assert!(!filter.would_enable(target, &Level::TRACE), "{level} {target}");
        }
    }
}

#[test]
fn this_crate_logs_at_the_level_asked_for() {
    assert!(filter(Some("TRACE")).would_enable("recovery_core::flows", &Level::TRACE));
    assert!(filter(Some("debug")).would_enable("recovery_core::flows", &Level::DEBUG));
    assert!(!filter(Some("INFO")).would_enable("recovery_core::flows", &Level::DEBUG));
    assert!(filter(None).would_enable("recovery_core::flows", &Level::INFO));
    assert!(!filter(Some("WARN")).would_enable("recovery_core::flows", &Level::INFO));
    assert!(filter(Some("WARN")).would_enable("lambda_runtime", &Level::WARN));
    assert!(!filter(Some("FATAL")).would_enable("recovery_core::flows", &Level::WARN));
}

/// Every crate of the workspace that ships (under `shared/` and
/// `functions/`) is one of the targets logged at the level asked for.
#[test]
fn every_shipped_crate_is_an_own_target() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = workspace
        .lines()
        .map(|line| line.trim().trim_end_matches(',').trim_matches('"'))
        .filter(|member| {
            (member.starts_with("shared/") && *member != "shared/testing")
                || member.starts_with("functions/")
        });
    let mut seen = 0;
    for member in members {
        let manifest = std::fs::read_to_string(root.join(member).join("Cargo.toml")).unwrap();
        let name = manifest
            .lines()
            .find_map(|line| line.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"')
            .replace('-', "_");
        assert!(OWN_TARGETS.contains(&name.as_str()), "{name}");
        assert!(filter(Some("DEBUG")).would_enable(&name, &Level::DEBUG), "{name}");
        seen += 1;
    }
    assert_eq!(seen, OWN_TARGETS.len());
}
