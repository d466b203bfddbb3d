//! The architecture's boundaries, held by reading the source tree (as
//! rust-analyzer's `tidy` does). `ARCHITECTURE.md` states each one; a file
//! that crosses one fails here, with the file and the line. Each rule is
//! also shown to catch a planted crossing.

use std::path::{Path, PathBuf};

/// A guide for one job per file.
const MAX_LINES: usize = 400;

/// Which layers may name which outside crates.
const CRATES: &[(&str, &[&str])] = &[
    ("lambda_http", &["http"]),
    ("lambda_runtime", &["http"]),
    ("aws_sdk_dynamodb", &["aws"]),
    ("aws_sdk_sesv2", &["aws"]),
    ("aws_sdk_sns", &["aws"]),
    ("aws_sdk_secretsmanager", &["aws"]),
    ("aws_smithy_http_client", &["aws"]),
    ("aws_config", &["aws", "wiring"]),
    (
        "serde_json",
        &[
            "http",
            "admin_event",
            "credentials_event",
            "delivery_event",
            "aws",
        ],
    ),
    ("askama", &["messages", "http"]),
    ("fluent_bundle", &["messages"]),
    ("unic_langid", &["messages"]),
    ("tracing_subscriber", &["logging"]),
    ("tokio", &["flows", "http", "aws", "testing"]),
];

/// Which layers each layer may use (`crate::<layer>`); a layer may always
/// use itself.
const LAYERS: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("messages", &["domain"]),
    ("ports", &["domain", "messages"]),
    ("config", &["domain"]),
    ("flows", &["domain", "messages", "ports", "config"]),
    ("http", &["domain", "messages", "flows", "config"]),
    ("admin_event", &["domain", "ports", "flows"]),
    ("credentials_event", &["domain", "flows"]),
    ("delivery_event", &["domain", "ports", "flows"]),
    ("aws", &["domain", "messages", "ports"]),
    ("wiring", &["domain", "config", "flows", "aws", "ports"]),
    ("logging", &[]),
    (
        "testing",
        &["domain", "messages", "ports", "config", "flows"],
    ),
];

/// The one module that names DynamoDB attributes, and the adapter around
/// it (the other AWS adapters read JSON of their own: SES's events).
const LAYOUT: &str = "aws/dynamodb/layout/";
const DYNAMODB: &str = "aws/dynamodb/";

/// A source file: its path under `src/` and its text.
struct Source {
    path: String,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| Source {
            path: file
                .strip_prefix(&root)
                .expect("under src")
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

/// The layer a file belongs to: its first folder, or its name.
fn layer(path: &str) -> &str {
    let first = path.split('/').next().unwrap_or(path);
    first.strip_suffix(".rs").unwrap_or(first)
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

/// The attribute names `layout.rs` declares (`const X: &str = "name";`).
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
        let (path, layer) = (&source.path, layer(&source.path));
        let lines = source.text.lines().count();
        if lines > MAX_LINES {
            found.push(format!("{path}: {lines} lines (more than {MAX_LINES})"));
        }
        if layer == "lib" {
            continue;
        }
        for (n, line) in code_lines(&source.text) {
            for (krate, allowed) in CRATES {
                if !allowed.contains(&layer) && names(line, krate, |_| true) {
                    found.push(format!("{path}:{n}: `{layer}` names {krate}"));
                }
            }
            for (used, _) in LAYERS {
                let named = names(line, &format!("crate::{used}"), |_| true);
                let allowed = LAYERS
                    .iter()
                    .find(|(l, _)| *l == layer)
                    .is_some_and(|(_, may)| may.contains(used));
                if named && *used != layer && !allowed {
                    found.push(format!("{path}:{n}: `{layer}` uses `{used}`"));
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
            if line.contains("feature = \"test-support\"") {
                found.push(format!("{path}:{n}: only lib.rs gates `testing`"));
            }
        }
    }
    found
}

#[test]
fn the_source_tree_keeps_the_architecture() {
    let sources = sources();
    assert!(sources.len() > 30, "read the tree");
    let found = problems(&sources);
    assert!(
        found.is_empty(),
        "boundaries crossed:\n{}",
        found.join("\n")
    );
}

#[test]
fn planted_crossings_are_caught() {
    let sources = sources();
    let plant = |path: &str, line: &str, expected: &str| {
        let mut planted: Vec<Source> = sources
            .iter()
            .map(|s| Source {
                path: s.path.clone(),
                text: s.text.clone(),
            })
            .collect();
        let file = planted
            .iter_mut()
            .find(|s| s.path == path)
            .unwrap_or_else(|| panic!("no {path}"));
        file.text.push_str(line);
        file.text.push('\n');
        let found = problems(&planted);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with(path) && p.contains(expected)),
            "planting {line:?} in {path} was not caught as {expected:?}: {found:?}"
        );
    };
    plant(
        "flows/mod.rs",
        "use lambda_http::Request;",
        "names lambda_http",
    );
    plant("domain/time.rs", "use tokio::time::sleep;", "names tokio");
    plant(
        "flows/reset.rs",
        "use aws_sdk_dynamodb::Client;",
        "names aws_sdk_dynamodb",
    );
    plant("ports/mod.rs", "use serde_json::Value;", "names serde_json");
    plant(
        "domain/account.rs",
        "use crate::ports::Store;",
        "`domain` uses `ports`",
    );
    plant(
        "flows/code.rs",
        "use crate::aws::DynamoDbStore;",
        "`flows` uses `aws`",
    );
    plant(
        "aws/ses.rs",
        "use crate::flows::Recovery;",
        "`aws` uses `flows`",
    );
    plant(
        "http/forgot.rs",
        "use crate::testing::World;",
        "`http` uses `testing`",
    );
    plant(
        "aws/dynamodb/users.rs",
        "const X: &str = \"SET password_hash = :hash\";",
        "names the attribute `password_hash`",
    );
    plant(
        "messages/mod.rs",
        "#[cfg(feature = \"test-support\")]",
        "only lib.rs",
    );
    let long = "fn f() {}\n".repeat(MAX_LINES);
    plant("domain/random.rs", &long, "lines (more than 400)");
}
