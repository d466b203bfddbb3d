//! `import-users FILE --url ADMIN_URL`: loads the accounts in FILE (JSON
//! lines, one account per line, the fields of `import_users`) into the
//! service, a batch at a time through admin-reset's function URL (the
//! stack's `AdminUrl` output), with a progress bar and a summary. Rows that were not imported (`conflict`,
//! `invalid`) go to `FILE.rejected.jsonl` with their line number and why.
//!
//! Resumable: after each batch the lines done are kept in `FILE.progress`;
//! run the same command again after a failure and it goes on from there
//! (the import is idempotent per login, so a batch sent twice changes
//! nothing). `--restart` starts from the first line.
//!
//! Each request is signed with SigV4 (service `lambda`) by the SDK's signer,
//! with the credentials and region of the standard chain (environment,
//! profiles, SSO, an instance role): the audit trail records that
//! principal's ARN as the caller, and `--requested-by` beside it as "on
//! behalf of".

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::tls;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use recovery_admin_api::{
    AdminEvent, AdminRequest, AdminResponse, Failure, ImportOutcome, MAX_IMPORT_ROWS,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Tries of one batch before the run stops (to be resumed).
const TRIES: u32 = 4;

/// Imports accounts from a JSON-lines file through admin-reset's
/// `import_users`, in batches signed with SigV4; resumable.
#[derive(Debug, Parser)]
#[command(name = "import-users", version)]
struct Options {
    /// JSON lines, one account per line, with the fields of `import_users`.
    file: PathBuf,
    /// admin-reset's function URL (the stack's `AdminUrl` output).
    #[arg(long)]
    url: String,
    /// Whom the import is for, recorded as "on behalf of" beside the
    /// signer's ARN.
    #[arg(long)]
    requested_by: Option<String>,
    /// Accounts per request, 1 to 100.
    #[arg(long, default_value_t = MAX_IMPORT_ROWS, value_parser = batch_size)]
    batch: usize,
    /// Start from the first line, forgetting FILE.progress.
    #[arg(long)]
    restart: bool,
}

fn batch_size(text: &str) -> Result<usize, String> {
    text.parse()
        .ok()
        .filter(|n| (1..=MAX_IMPORT_ROWS).contains(n))
        .ok_or(format!("must be 1 to {MAX_IMPORT_ROWS}"))
}

/// A path beside `file` with `suffix` added to its name.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    file.with_file_name(name)
}

/// What a run keeps between batches (`FILE.progress`): the lines done and
/// the counts so far. One that cannot be read starts the run over (a batch
/// sent twice changes nothing).
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct Progress {
    lines_done: usize,
    counts: BTreeMap<String, u64>,
}

impl Progress {
    fn load(path: &Path) -> Progress {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or_default()
    }

    fn save(&self, path: &Path) -> std::io::Result<()> {
        let temporary = path.with_extension("progress.tmp");
        std::fs::write(&temporary, serde_json::to_vec(self)?)?;
        std::fs::rename(&temporary, path)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("import-users: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: &Options) -> Result<(), String> {
    let text = std::fs::read_to_string(&options.file)
        .map_err(|e| format!("cannot read {}: {e}", options.file.display()))?;
    // (line number, the line) for every line that is not blank.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let progress_path = beside(&options.file, ".progress");
    let rejected_path = beside(&options.file, ".rejected.jsonl");
    if options.restart {
        let _ = std::fs::remove_file(&progress_path);
        let _ = std::fs::remove_file(&rejected_path);
    }
    let mut progress = Progress::load(&progress_path);
    if progress.lines_done > 0 {
        eprintln!(
            "resuming after {} of {} accounts ({}; --restart starts over)",
            progress.lines_done,
            lines.len(),
            progress_path.display()
        );
    }
    let mut rejected = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&rejected_path)
        .map_err(|e| format!("cannot write {}: {e}", rejected_path.display()))?;

    let sdk = aws_config::defaults(BehaviorVersion::latest())
        // HTTPS on rustls and ring, trusting the platform's roots.
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
                .build_https(),
        )
        .app_name(aws_config::AppName::new("import-users").map_err(|e| e.to_string())?)
        .load()
        .await;

    let bar = ProgressBar::new(lines.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} accounts, {per_sec}, {eta} left {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(progress.lines_done as u64);

    let remaining = lines.get(progress.lines_done..).unwrap_or_default();
    for batch in remaining.chunks(options.batch) {
        // Lines that are not JSON objects never reach the function.
        let mut rows = Vec::new();
        let mut sent = Vec::new();
        for (number, line) in batch {
            match serde_json::from_str::<Value>(line) {
                Ok(row) if row.is_object() => {
                    rows.push(row);
                    sent.push(*number);
                }
                _ => {
                    let reject = json!({ "line": number, "status": "invalid", "message": "not a JSON object" });
                    writeln!(rejected, "{reject}").map_err(|e| e.to_string())?;
                    *progress.counts.entry("invalid".into()).or_default() += 1;
                }
            }
        }
        if !rows.is_empty() {
            let event = AdminEvent {
                requested_by: options.requested_by.clone(),
                request: AdminRequest::ImportUsers { users: rows },
            };
            let answer = invoke(&sdk, &options.url, &event, &bar).await;
            let answer = match answer {
                Ok(answer) => answer,
                Err(message) => {
                    bar.abandon();
                    progress.save(&progress_path).map_err(|e| e.to_string())?;
                    return Err(format!(
                        "{message}\n{} of {} accounts done; run the same command again to go on",
                        progress.lines_done,
                        lines.len()
                    ));
                }
            };
            for (number, result) in sent.iter().zip(&answer) {
                let status = result.status();
                if status == "conflict" || status == "invalid" {
                    let mut reject = json!(result);
                    reject["line"] = json!(number);
                    writeln!(rejected, "{reject}").map_err(|e| e.to_string())?;
                }
                *progress.counts.entry(status.to_owned()).or_default() += 1;
            }
        }
        progress.lines_done += batch.len();
        progress.save(&progress_path).map_err(|e| e.to_string())?;
        bar.set_position(progress.lines_done as u64);
    }
    bar.finish();
    let summary: Vec<String> = ["created", "unchanged", "updated", "conflict", "invalid"]
        .iter()
        .map(|s| format!("{} {s}", progress.counts.get(*s).copied().unwrap_or(0)))
        .collect();
    println!("{} accounts: {}", lines.len(), summary.join(", "));
    let rejected_count = progress.counts.get("conflict").copied().unwrap_or(0)
        + progress.counts.get("invalid").copied().unwrap_or(0);
    if rejected_count > 0 {
        println!("not imported, with the reason: {}", rejected_path.display());
    }
    let _ = std::fs::remove_file(&progress_path);
    Ok(())
}

/// One `import_users` call, tried again after a failure that may pass (a
/// throttle, a dependency down); an answer that refuses the event is not.
async fn invoke(
    sdk: &SdkConfig,
    url: &str,
    event: &AdminEvent,
    bar: &ProgressBar,
) -> Result<Vec<ImportOutcome>, String> {
    let event = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let mut wait = Duration::from_secs(1);
    let mut last = String::new();
    for attempt in 1..=TRIES {
        if attempt > 1 {
            bar.set_message(format!("(retrying: {last})"));
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
        let (status, body) = match post_signed(sdk, url, &event).await {
            Ok(answer) => answer,
            Err(err) => {
                last = err;
                continue;
            }
        };
        match serde_json::from_slice(&body) {
            Ok(AdminResponse::Imported { results, .. }) => {
                bar.set_message("");
                return Ok(results);
            }
            Ok(AdminResponse::Failed(Failure { error, .. })) if error == "service_unavailable" => {
                last = "the service is unavailable".into();
            }
            Ok(AdminResponse::Failed(Failure { error, message, .. })) => {
                return Err(format!("the function refused the batch: {error}: {message}"));
            }
            // IAM's refusal (403), or a throttle (429): not the function's.
            _ if status == 403 => {
                return Err(format!(
                    "{url} refused the signed request (403): the credentials' principal needs \
                     lambda:InvokeFunctionUrl and lambda:InvokeFunction on admin-reset \
                     (the stack's AdministratorPolicy)"
                ));
            }
            _ => {
                last = format!("HTTP {status}: {}", String::from_utf8_lossy(&body));
            }
        }
    }
    Err(format!("a batch failed {TRIES} times: {last}"))
}

/// POSTs `body` to `url`, signed with SigV4 for the service `lambda` by the
/// SDK's signer with the chain's credentials; answers the status and body.
async fn post_signed(sdk: &SdkConfig, url: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let credentials = sdk
        .credentials_provider()
        .ok_or("no AWS credentials (environment, profile or role)")?
        .provide_credentials()
        .await
        .map_err(|e| format!("no AWS credentials: {e}"))?;
    let region = sdk.region().ok_or("no AWS region (AWS_REGION or a profile's region)")?;
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region.as_ref())
        .name("lambda")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let headers = [("content-type", "application/json")];
    let signable =
        SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(body))
            .map_err(|e| format!("cannot sign a request to {url}: {e}"))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
    let mut request = ureq::post(url).header("content-type", "application/json");
    for (name, value) in instructions.headers() {
        request = request.header(name, value);
    }
    let agent_answer = request
        .config()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .send(body);
    let mut answer = agent_answer.map_err(|e| format!("{url}: {e}"))?;
    let status = answer.status().as_u16();
    let body = answer.body_mut().read_to_vec().map_err(|e| e.to_string())?;
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("import-users").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_is_consistent() {
        Options::command().debug_assert();
    }

    #[test]
    fn a_file_and_a_url_are_enough() {
        let options = parse(&["users.jsonl", "--url", "https://admin.test/"]).unwrap();
        assert_eq!(options.file, PathBuf::from("users.jsonl"));
        assert_eq!(options.url, "https://admin.test/");
        assert_eq!((options.batch, options.restart, options.requested_by), (100, false, None));
        let options =
            parse(&["--restart", "--batch", "7", "--url", "u", "--requested-by", "migration", "f"])
                .unwrap();
        assert_eq!(options.batch, 7);
        assert!(options.restart);
        assert_eq!(options.requested_by.as_deref(), Some("migration"));
    }

    #[test]
    fn what_is_missing_or_out_of_range_is_a_usage_error() {
        for args in [
            &["users.jsonl"][..],
            &["--url", "u"],
            &["f", "--url", "u", "--batch", "0"],
            &["f", "--url", "u", "--batch", "101"],
            &["f", "--url", "u", "--batch", "many"],
            &["f", "--url", "u", "--retsart"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}: {err}");
        }
        let err = parse(&["f", "--url", "u", "--batch", "101"]).unwrap_err();
        assert!(err.to_string().contains("must be 1 to 100"), "{err}");
    }

    #[test]
    fn progress_survives_a_save_and_a_bad_file_starts_over() {
        let dir = std::env::temp_dir().join(format!("import-users-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.jsonl.progress");
        let progress = Progress { lines_done: 42, counts: [("created".into(), 40)].into() };
        progress.save(&path).unwrap();
        let loaded = Progress::load(&path);
        assert_eq!((loaded.lines_done, loaded.counts), (42, progress.counts));
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(Progress::load(&path).lines_done, 0);
        assert_eq!(Progress::load(&dir.join("absent")).lines_done, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
