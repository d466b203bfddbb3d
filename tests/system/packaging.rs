//! Each function links only the SDK clients it calls: its dependency tree,
//! resolved for that package alone (as `sam build` and `make bench` build
//! it), holds no other AWS service client. (That none links the test
//! support is held by the in-memory suite's `tidy`.)

use std::collections::BTreeSet;
use std::process::Command;

use system_tests::workspace_root;

/// `cargo tree` of `package`'s normal dependencies, one line each.
fn tree(package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The SDK service crates in `package`'s normal dependencies.
fn service_clients(package: &str) -> BTreeSet<String> {
    tree(package)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with("aws-sdk-"))
        // aws-config's credential providers; never called, so never linked.
        .filter(|name| *name != "aws-sdk-sts")
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_function_depends_only_on_the_clients_it_calls() {
    for (package, clients) in [
        ("verify-credentials", &["aws-sdk-dynamodb"][..]),
        (
            "verify-code",
            &["aws-sdk-dynamodb", "aws-sdk-secretsmanager"][..],
        ),
        (
            "set-password",
            &["aws-sdk-dynamodb", "aws-sdk-secretsmanager"][..],
        ),
        (
            "request-reset",
            &["aws-sdk-dynamodb", "aws-sdk-secretsmanager"][..],
        ),
        (
            "admin-reset",
            &["aws-sdk-dynamodb", "aws-sdk-secretsmanager"][..],
        ),
        (
            "lock-account",
            &["aws-sdk-dynamodb", "aws-sdk-secretsmanager"][..],
        ),
        (
            "deliver",
            &[
                "aws-sdk-dynamodb",
                "aws-sdk-eventbridge",
                "aws-sdk-secretsmanager",
                "aws-sdk-sesv2",
                "aws-sdk-sns",
            ][..],
        ),
    ] {
        let expected: BTreeSet<String> = clients.iter().map(|c| c.to_string()).collect();
        assert_eq!(service_clients(package), expected, "{package}");
    }
}
