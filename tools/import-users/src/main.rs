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
use indicatif::{ProgressBar, ProgressStyle};
use recovery_admin_api::{
    AdminEvent, AdminRequest, AdminResponse, Failure, ImportOutcome, MAX_IMPORT_ROWS,
};
use serde_json::{Value, json};

const USAGE: &str = "usage: import-users FILE --url ADMIN_URL \
[--requested-by WHO] [--batch N (1 to 100, default 100)] [--restart]";

/// Tries of one batch before the run stops (to be resumed).
const TRIES: u32 = 4;

struct Options {
    file: PathBuf,
    url: String,
    requested_by: Option<String>,
    batch: usize,
    restart: bool,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut file, mut url, mut requested_by) = (None, None, None);
    let (mut batch, mut restart) = (MAX_IMPORT_ROWS, false);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--url" => url = Some(value("--url")?),
            "--requested-by" => requested_by = Some(value("--requested-by")?),
            "--batch" => {
                batch = value("--batch")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_IMPORT_ROWS).contains(n))
                    .ok_or("--batch must be 1 to 100")?;
            }
            "--restart" => restart = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n{USAGE}")),
            _ if file.is_none() => file = Some(PathBuf::from(arg)),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(Options { file: file.ok_or(USAGE)?, url: url.ok_or(USAGE)?, requested_by, batch, restart })
}

/// A path beside `file` with `suffix` added to its name.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    file.with_file_name(name)
}

/// What a run keeps between batches: the lines done and the counts so far.
#[derive(Default)]
struct Progress {
    lines_done: usize,
    counts: BTreeMap<String, u64>,
}

impl Progress {
    fn load(path: &Path) -> Progress {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Progress::default();
        };
        let value: Value = serde_json::from_str(&text).unwrap_or_default();
        Progress {
            lines_done: value["lines_done"].as_u64().unwrap_or(0) as usize,
            counts: value["counts"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect(),
        }
    }

    fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = json!({ "lines_done": self.lines_done, "counts": self.counts }).to_string();
        let temporary = path.with_extension("progress.tmp");
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, path)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
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
