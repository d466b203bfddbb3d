//! The architecture's boundaries that Cargo does not hold by itself, held
//! by reading the crate graph (`cargo tree`) and the source tree under
//! `shared/` (as rust-analyzer's `tidy` does). `ARCHITECTURE.md` states each
//! one; a crossing fails here with the crate, or the file and the line.
//! Each source rule is also shown to catch a planted crossing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A guide for one job per file.
const MAX_LINES: usize = 400;

/// What each crate must never reach, directly or through another crate
/// (a name, or the start of names): the arrows of the crate graph.
const NEVER_REACHES: &[(&str, &[&str])] = &[
    // The event's shape is plain data a client links without the service.
    ("recovery-admin-api", &["recovery-", "tokio", "aws-", "lambda_"]),
    // Phone numbers are read with regex-lite: libphonenumber's crate and
    // the regex engine it needs (about 700 KiB of every package) stay out.
    (
        "recovery-domain",
        &[
            "recovery-",
            "tokio",
            "aws-",
            "lambda_",
            "askama",
            "serde_json",
            "phonenumber",
            "regex-automata",
        ],
    ),
    ("recovery-messages", &["recovery-core", "tokio", "aws-", "lambda_"]),
    ("recovery-core", &["recovery-aws", "recovery-edges", "aws-", "lambda_"]),
    ("recovery-testing", &["recovery-aws", "aws-", "lambda_"]),
    // The SDK sends through recovery-https: HTTP/1.1, no second client.
    (
        "recovery-aws",
        &[
            "recovery-edges",
            "recovery-wiring",
            "recovery-testing",
            "lambda_",
            "aws-smithy-http-client",
            "h2",
        ],
    ),
    // The one HTTPS client: no service crate, no SDK, no Lambda.
    ("recovery-https", &["recovery-", "aws-", "lambda_", "h2"]),
    ("recovery-edges", &["recovery-aws", "recovery-wiring", "recovery-testing", "aws-"]),
    ("recovery-wiring", &["recovery-testing"]),
    // One port over HTTPS: no SDK, no Lambda, no other adapter.
    (
        "recovery-breaches",
        &[
            "recovery-aws",
            "recovery-edges",
            "recovery-wiring",
            "recovery-testing",
            "aws-",
            "lambda_",
        ],
    ),
];

/// Inside a crate: which of its modules may name an outside crate.
const NAMED_ONLY_IN: &[(&str, &str, &[&str])] = &[
    ("edges", "lambda_http", &["http"]),
    ("edges", "lambda_runtime", &["http"]),
    ("edges", "askama", &["http"]),
    ("edges", "tracing_subscriber", &["logging"]),
    ("core", "tokio", &["flows"]),
    // The flows never see JSON (askama links it for the events' detail).
    ("core", "serde_json", &[]),
];

/// Inside a crate, or across an arrow Cargo allows: a module that must not
/// use another (a path it must not name).
const NEVER_USES: &[(&str, &str, &str)] = &[
    // The ports are what the flows are written against, not the reverse.
    ("core", "ports", "crate::flows"),
    // The adapters implement the ports and never run a flow.
    ("aws", "", "recovery_core::flows"),
];

/// The one module that names DynamoDB attributes, and the adapter around
/// it (the other AWS adapters read JSON of their own: SES's events).
const LAYOUT: &str = "aws/src/dynamodb/layout/";
const DYNAMODB: &str = "aws/src/dynamodb/";

/// A source file: its path under `shared/` and its text.
struct Source {
    path: String,
    text: String,
}

impl Source {
    /// The crate's folder under `shared/`.
    fn krate(&self) -> &str {
        self.path.split('/').next().unwrap_or("")
    }

    /// The module a file belongs to: its first folder under `src/`, or its
    /// name.
    fn module(&self) -> &str {
        let under = self.path.splitn(3, '/').nth(2).unwrap_or("");
        let first = under.split('/').next().unwrap_or(under);
        first.strip_suffix(".rs").unwrap_or(first)
    }
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sources() -> Vec<Source> {
    let root = shared();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&root).expect("read shared/") {
        let src = krate.expect("a folder entry").path().join("src");
        if src.is_dir() {
            collect(&src, &mut files);
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|file| Source {
            path: file
                .strip_prefix(&root)
                .expect("under shared/")
                .to_string_lossy()
                .replace('\\', "/"),
            text: std::fs::read_to_string(&file).expect("read a source file"),
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The lines that are code (not comments), numbered from 1.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

/// Whether `line` names `word` as a whole word that `before` allows.
fn names(line: &str, word: &str, before: impl Fn(Option<char>) -> bool) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let prev = line[..at].chars().next_back();
        let next = line[at + word.len()..].chars().next();
        before(prev) && !prev.is_some_and(is_word) && !next.is_some_and(is_word)
    })
}

/// The attribute names `layout` declares (`const X: &str = "name";`).
fn attribute_names(layout: &str) -> Vec<String> {
    layout
        .lines()
        .filter(|l| {
            (l.starts_with("const ") || l.starts_with("pub const ")) && l.contains(": &str = \"")
        })
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect()
}

/// The string literals on a line (roughly: what stands between quotes).
fn literals(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

fn problems(sources: &[Source]) -> Vec<String> {
    let mut found = Vec::new();
    let attributes: Vec<String> = sources
        .iter()
        .filter(|s| s.path.starts_with(LAYOUT))
        .flat_map(|s| attribute_names(&s.text))
        .collect();
    if attributes.is_empty() {
        found.push(format!("{LAYOUT} declares no attribute names"));
    }
    for source in sources {
        let (path, krate, module) = (&source.path, source.krate(), source.module());
        let lines = source.text.lines().count();
        if lines > MAX_LINES {
            found.push(format!("{path}: {lines} lines (more than {MAX_LINES})"));
        }
        for (n, line) in code_lines(&source.text) {
            for (owner, outside, allowed) in NAMED_ONLY_IN {
                if *owner == krate
                    && module != "lib"
                    && !allowed.contains(&module)
                    && names(line, outside, |_| true)
                {
                    found.push(format!("{path}:{n}: `{module}` names {outside}"));
                }
            }
            for (owner, user, used) in NEVER_USES {
                if *owner == krate
                    && (user.is_empty() || *user == module)
                    && names(line, used, |_| true)
                {
                    found.push(format!("{path}:{n}: `{krate}/{module}` uses `{used}`"));
                }
            }
            if path.starts_with(DYNAMODB) && !path.starts_with(LAYOUT) {
                for literal in literals(line) {
                    for attribute in &attributes {
                        // `:name` is a placeholder, not an attribute.
                        if names(literal, attribute, |prev| prev != Some(':')) {
                            found.push(format!("{path}:{n}: names the attribute `{attribute}`"));
                        }
                    }
                }
            }
        }
    }
    found
}

/// Every package `package` reaches through normal dependencies, itself
/// first.
fn reaches(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(["-p", package])
        .current_dir(shared())
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The arrows `package` crosses when it reaches `reached` (itself first).
fn arrows_crossed(package: &str, reached: &[String]) -> Vec<String> {
    let never = NEVER_REACHES
        .iter()
        .find(|(name, _)| *name == package)
        .map_or(&[][..], |(_, never)| *never);
    reached[1..]
        .iter()
        .filter(|name| never.iter().any(|start| name.starts_with(start)))
        .map(|name| format!("{package} reaches {name}"))
        .collect()
}

#[test]
fn the_crate_graph_keeps_the_arrows() {
    let mut found = Vec::new();
    for (package, _) in NEVER_REACHES {
        let reached = reaches(package);
        assert_eq!(reached.first().map(String::as_str), Some(*package));
        found.extend(arrows_crossed(package, &reached));
    }
    assert!(found.is_empty(), "arrows crossed:\n{}", found.join("\n"));

    let mut planted = reaches("recovery-core");
    planted.push("aws-sdk-dynamodb".into());
    assert_eq!(
        arrows_crossed("recovery-core", &planted),
        ["recovery-core reaches aws-sdk-dynamodb"]
    );
}

#[test]
fn no_function_links_the_test_support() {
    for function in recovery_edges::config::Function::ALL {
        let reached = reaches(function.name());
        assert!(
            reached.iter().any(|name| name == "recovery-core"),
            "{}: {reached:?}",
            function.name()
        );
        assert!(
            !reached.iter().any(|name| name == "recovery-testing"),
            "{} links the test support",
            function.name()
        );
    }
}

/// Each function links only the SDK clients it calls: its dependency tree,
/// resolved for its package alone (as `sam build` and `make bench` build
/// it), holds no other AWS service client.
#[test]
fn each_function_depends_only_on_the_clients_it_calls() {
    let secrets = ["aws-sdk-dynamodb", "aws-sdk-secretsmanager"];
    for (package, clients) in [
        ("verify-credentials", &["aws-sdk-dynamodb"][..]),
        ("verify-code", &secrets[..]),
        ("set-password", &secrets[..]),
        ("request-reset", &secrets[..]),
        ("admin-reset", &secrets[..]),
        ("lock-account", &secrets[..]),
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
        let linked: BTreeSet<String> = reaches(package)
            .into_iter()
            .filter(|name| name.starts_with("aws-sdk-"))
            // aws-config's credential providers; never called, so never linked.
            .filter(|name| name != "aws-sdk-sts")
            .collect();
        let expected: BTreeSet<String> = clients.iter().map(|c| c.to_string()).collect();
        assert_eq!(linked, expected, "{package}");
    }
}

#[test]
fn the_source_tree_keeps_the_architecture() {
    let sources = sources();
    assert!(sources.len() > 30, "read the tree");
    let found = problems(&sources);
    assert!(found.is_empty(), "boundaries crossed:\n{}", found.join("\n"));
}

#[test]
fn planted_crossings_are_caught() {
    let sources = sources();
    let plant = |path: &str, line: &str, expected: &str| {
        let mut planted: Vec<Source> =
            sources.iter().map(|s| Source { path: s.path.clone(), text: s.text.clone() }).collect();
        let file =
            planted.iter_mut().find(|s| s.path == path).unwrap_or_else(|| panic!("no {path}"));
        file.text.push_str(line);
        file.text.push('\n');
        let found = problems(&planted);
        assert!(
            found.iter().any(|p| p.starts_with(path) && p.contains(expected)),
            "planting {line:?} in {path} was not caught as {expected:?}: {found:?}"
        );
    };
    plant("edges/src/admin_event/mod.rs", "use lambda_http::Request;", "names lambda_http");
    plant("edges/src/config/mod.rs", "use tracing_subscriber::fmt;", "names tracing_subscriber");
    plant("core/src/ports/mod.rs", "use tokio::time::sleep;", "names tokio");
    plant("core/src/flows/reset.rs", "use serde_json::Value;", "names serde_json");
    plant(
        "core/src/ports/outbox.rs",
        "use crate::flows::Recovery;",
        "`core/ports` uses `crate::flows`",
    );
    plant(
        "aws/src/ses.rs",
        "use recovery_core::flows::Recovery;",
        "`aws/ses` uses `recovery_core::flows`",
    );
    plant(
        "aws/src/dynamodb/users.rs",
        "const X: &str = \"SET password_hash = :hash\";",
        "names the attribute `password_hash`",
    );
    let long = "fn f() {}\n".repeat(MAX_LINES);
    plant("domain/src/random.rs", &long, "lines (more than 400)");
}
