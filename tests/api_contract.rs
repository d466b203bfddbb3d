//! The HTTP API's contract, `openapi.yaml`, against the code: its routes
//! are the code's `ROUTES`, and every error code the handlers can produce
//! is in it; and schemathesis, run with it against the local stack (as
//! `make dev` runs it), finds no server error and no answer the document
//! does not allow, in its examples, coverage, fuzzing (positive and
//! negative data) and stateful phases.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Instant;

use recovery_edges::http::{ErrorCode, ROUTES};
use serde_yaml_ng::Value;
use system_tests::{LocalStack, log_dir_for, tool, workspace_root};

fn document() -> Value {
    let path = workspace_root().join("openapi.yaml");
    let text = std::fs::read_to_string(&path).expect("read openapi.yaml");
    serde_yaml_ng::from_str(&text).expect("openapi.yaml is YAML")
}

/// The code of every `ErrorCode`: a code added there and not to the
/// document fails here.
fn codes_in_the_code() -> BTreeSet<String> {
    <ErrorCode as strum::VariantArray>::VARIANTS
        .iter()
        .map(|code| code.as_str().to_owned())
        .collect()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_sequence()
        .map(|s| s.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The `error` codes a schema allows: its own `enum` or `const`; through a
/// `$ref`, the referred schema's; for an `allOf`, what its parts of their
/// own narrow the `Error` base to.
fn error_codes(doc: &Value, schema: &Value) -> BTreeSet<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return error_codes(doc, &doc["components"]["schemas"][name]);
    }
    if let Some(parts) = schema["allOf"].as_sequence() {
        let own: BTreeSet<String> = parts
            .iter()
            .filter(|part| part.get("$ref").is_none())
            .flat_map(|part| error_codes(doc, part))
            .collect();
        if !own.is_empty() {
            return own;
        }
        return parts.iter().flat_map(|part| error_codes(doc, part)).collect();
    }
    let error = &schema["properties"]["error"];
    let mut codes = strings(&error["enum"]);
    codes.extend(error["const"].as_str().map(str::to_owned));
    codes
}

#[test]
fn the_document_has_every_route_and_every_error_code_of_the_code() {
    let doc = document();
    assert_eq!(doc["openapi"].as_str(), Some("3.1.0"));
    let methods = ["get", "post", "put", "patch", "delete", "head", "options", "trace"];
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        for method in methods {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    let served: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(_, method, path)| ((*method).to_owned(), (*path).to_owned())).collect();
    assert_eq!(documented, served, "openapi.yaml's operations against ROUTES");

    let all = codes_in_the_code();
    assert!(all.len() >= 16, "too few ErrorCode variants: {all:?}");
    let declared = strings(&doc["components"]["schemas"]["Error"]["properties"]["error"]["enum"]);
    assert_eq!(declared, all, "the Error schema's codes against ErrorCode");

    // Each operation's answers name the codes it can give; together, every
    // code but the two the functions give to routes they do not serve.
    let mut answered = BTreeSet::new();
    for (_, item) in doc["paths"].as_mapping().unwrap() {
        for method in methods {
            let Some(responses) = item[method]["responses"].as_mapping() else {
                continue;
            };
            for (status, response) in responses {
                let mut response = response;
                if let Some(reference) = response["$ref"].as_str() {
                    let name = reference.trim_start_matches("#/components/responses/");
                    response = &doc["components"]["responses"][name];
                }
                let schema = &response["content"]["application/json"]["schema"];
                let codes = error_codes(&doc, schema);
                let status = status.as_str().expect("statuses are quoted");
                if status.starts_with('4') || status.starts_with('5') {
                    let bad: Vec<_> = codes.difference(&all).collect();
                    assert!(bad.is_empty(), "{method} {status}: unknown codes {bad:?}");
                    if !response["content"]["application/json"].is_null() {
                        assert!(!codes.is_empty(), "{method} {status}: which codes?");
                    }
                }
                answered.extend(codes);
            }
        }
    }
    let unanswered: BTreeSet<_> = all
        .difference(&answered)
        .map(String::as_str)
        .filter(|c| !matches!(*c, "not_found" | "method_not_allowed"))
        .collect();
    assert!(unanswered.is_empty(), "codes no operation answers with: {unanswered:?}");
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let stack = LocalStack::start(&[
        // One caller sends everything here: the per-address limits would
        // answer most requests before they reach the code behind them.
        ("FORGOT_LIMIT_PER_IP_HOUR", "5000"),
        ("SMS_LIMIT_PER_IP_HOUR", "5000"),
        ("SMS_LIMIT_PER_RANGE_HOUR", "5000"),
        // Every code by SMS is challenged: the 428 is in the document too.
        ("CHALLENGE_SMS", "always"),
        ("FORGOT_RESPONSE_FLOOR_MS", "20"),
    ]);
    let reports = log_dir_for("schemathesis");
    let started = Instant::now();
    let output = Command::new(tool("schemathesis"))
        .current_dir(workspace_root())
        .args(["--config-file", "tests/schemathesis.toml", "--no-color", "run"])
        .arg("openapi.yaml")
        .args(["--url", &stack.base])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--mode", "all"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance,negative_data_rejection",
        ])
        .args(["--max-examples", "100", "--workers", "2"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&reports)
        .output()
        .expect("run schemathesis");
    let text = String::from_utf8_lossy(&output.stdout);
    println!("{text}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "schemathesis found problems (above; the local stack's log: {}; report in {})",
        stack.log.display(),
        reports.display()
    );
    let summary =
        text.lines().find(|l| l.contains("generated,")).unwrap_or("no summary").trim().to_owned();
    assert!(summary.contains("passed"), "{summary}");
    println!("schemathesis: {summary} in {:.0?}", started.elapsed());
}
