//! The `import-users` command, black box: the built binary against the
//! local stack's signed function URL of admin-reset (`infra/admin_url.py`
//! in front of `cargo lambda watch`), a JSON-lines file in, a summary out,
//! resumable after a failure; every batch signed with SigV4.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use system_tests::*;

fn binary() -> PathBuf {
    let path = workspace_root().join("target/debug/import-users");
    assert!(
        path.exists(),
        "{} is missing: `cargo build --workspace --bins` (make test does) builds it",
        path.display()
    );
    path
}

/// import-users on `file` to `url`, signed with `secret` for the test
/// administrator's access key.
fn import_as(file: &Path, url: &str, secret: &str, extra: &[&str]) -> Output {
    Command::new(binary())
        .arg(file)
        .args(["--url", url, "--requested-by", "import-test"])
        .args(extra)
        .env("AWS_ACCESS_KEY_ID", ADMIN_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run import-users")
}

fn import(file: &Path, url: &str, extra: &[&str]) -> Output {
    import_as(file, url, ADMIN_SECRET_KEY, extra)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn exists(f: &Functions, login: &str) -> bool {
    let got = f.invoke_admin(
        &json!({ "action": "get_user", "login": login, "requested_by": "import-test" }),
    );
    got.get("user").is_some()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_is_imported_in_batches_resumed_after_a_failure_and_changes_nothing_twice() {
    let f = functions();
    let dir = log_dir_for(&unique("import"));
    let file = dir.join("users.jsonl");
    let prefix = unique("imp");
    let mut lines: Vec<String> = (0..7)
        .map(|n| json!({ "login": format!("{prefix}-{n}"), "email": format!("{prefix}-{n}@recovery.test") }).to_string())
        .collect();
    lines.insert(3, "not json".into());
    lines.push(json!({ "login": format!("{prefix}-bad"), "email": "not an address" }).to_string());
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    // A URL nothing answers: it stops, keeps its place, says so.
    let nowhere = format!("http://127.0.0.1:{}/", free_port());
    let failed = import(&file, &nowhere, &["--batch", "3"]);
    assert!(!failed.status.success());
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(said.contains("run the same command again"), "{said}");

    // Resumed from a place two lines in: those two are never sent.
    let progress = dir.join("users.jsonl.progress");
    std::fs::write(&progress, json!({ "lines_done": 2, "counts": {} }).to_string()).unwrap();
    let url = &admin_url().url;
    let resumed = import(&file, url, &["--batch", "3"]);
    assert!(resumed.status.success(), "{resumed:?}");
    assert!(
        stdout(&resumed)
            .contains("9 accounts: 5 created, 0 unchanged, 0 updated, 0 conflict, 2 invalid"),
        "{}",
        stdout(&resumed)
    );
    assert!(!exists(f, &format!("{prefix}-0")) && !exists(f, &format!("{prefix}-1")));
    assert!(exists(f, &format!("{prefix}-2")) && exists(f, &format!("{prefix}-6")));
    assert!(!progress.exists(), "a finished run leaves no place to resume from");
    let rejected: Vec<Value> = std::fs::read_to_string(dir.join("users.jsonl.rejected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines_rejected: Vec<u64> = rejected.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines_rejected, [4, 9], "{rejected:?}");
    assert_eq!(rejected[1]["field"], "email");

    // From the start again: the ones there are unchanged.
    let again = import(&file, url, &["--restart"]);
    assert!(again.status.success(), "{again:?}");
    assert!(
        stdout(&again)
            .contains("9 accounts: 2 created, 5 unchanged, 0 updated, 0 conflict, 2 invalid"),
        "{}",
        stdout(&again)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_is_recorded_as_its_signer_and_a_wrong_key_imports_nothing() {
    let f = functions();
    let url = &admin_url().url;
    let dir = log_dir_for(&unique("import-signed"));
    let file = dir.join("users.jsonl");
    let login = unique("signed");
    std::fs::write(
        &file,
        json!({ "login": login, "email": format!("{login}@recovery.test") }).to_string() + "\n",
    )
    .unwrap();

    let refused = import_as(&file, url, "not-the-secret", &[]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("refused the signed request (403)"), "{said}");
    assert!(!exists(f, &login));

    let imported = import(&file, url, &["--restart"]);
    assert!(imported.status.success(), "{imported:?}");
    let audit = f.invoke_admin(&json!({ "action": "list_audit", "login": login }));
    let record = &audit["records"][0];
    assert_eq!(record["action"], "import_users", "{audit}");
    assert_eq!(record["caller"], ADMIN_ARN);
    assert_eq!(record["on_behalf_of"], "import-test");
}
