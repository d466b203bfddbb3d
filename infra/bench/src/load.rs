//! The local stack under load: `make dev`'s stack (its own emulator, the
//! functions under `cargo lambda watch`, the gateway) on loopback, with
//! `clients` concurrent clients for a fixed time on each of forgot (by
//! login), the code check and the new password. Per route: answers per
//! second, latency, every answer that was not the expected one, and the CPU
//! each part of the stack used meanwhile, which says what limited it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, ToSocketAddrs};

use socket2::{Domain, Socket, Type};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use recovery_aws::read_secret;
use serde_json::{Value, json};
use system_tests::LocalStack;

use crate::Error;
use crate::data::{Actor, WARM_CODE, copies, store_codes_under};
use crate::figures::{Sample, ms};
use std::fmt::Write as _;

/// The limits of the local stack raised to their maximums (each client
/// calls from an address of its own, `client_address`; each account is
/// asked for many times), and forgot's and the sign-in check's minimum
/// answer times off, as in the warm figures.
const STACK_VARIABLES: [(&str, &str); 12] = [
    ("FORGOT_RESPONSE_FLOOR_MS", "0"),
    ("SIGN_IN_FLOOR_MS", "0"),
    ("FORGOT_LIMIT_PER_IP_HOUR", "5000"),
    ("SMS_LIMIT_PER_IP_HOUR", "5000"),
    ("SMS_LIMIT_PER_RANGE_HOUR", "5000"),
    // The flows themselves, at load: no challenge.
    ("CHALLENGE_AT_PERCENT", "0"),
    ("CHALLENGE_ROUTE_MULTIPLE", "0"),
    ("EMAIL_LIMIT_15MIN", "1000"),
    ("EMAIL_LIMIT_DAY", "5000"),
    ("EMAIL_RESEND_AFTER_SECONDS", "0"),
    ("SMS_LIMIT_PER_PHONE_15MIN", "1000"),
    ("SMS_LIMIT_PER_PHONE_DAY", "5000"),
];

/// The loopback address client `n` calls from (127.0.0.2 and on): the
/// limits count each client as a caller of its own, as people behind
/// different addresses.
fn client_address(n: usize) -> Ipv4Addr {
    let n = u32::try_from(n).unwrap_or(0) + 2;
    Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 0)) + n)
}

/// One route under load.
pub struct Loaded {
    pub route: &'static str,
    pub clients: usize,
    pub took: Duration,
    /// The latency of each expected answer.
    pub latency: Sample,
    /// Every other answer: its status (0: no answer) and how often.
    pub unexpected: BTreeMap<u16, usize>,
    /// CPU seconds each part of the stack used over the run; None when a
    /// process of it ended meanwhile (its CPU time went with it).
    pub cpu: Vec<(&'static str, Option<f64>)>,
}

impl Loaded {
    pub fn per_second(&self) -> f64 {
        self.latency.0.len() as f64 / self.took.as_secs_f64()
    }

    /// The part of the stack that used the most CPU per second of the run,
    /// and how much (1.0: one core).
    pub fn busiest(&self) -> Option<(&'static str, f64)> {
        self.cpu
            .iter()
            .filter_map(|(part, seconds)| Some((*part, (*seconds)? / self.took.as_secs_f64())))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// The three routes, each for `seconds` with `clients` clients, on a local
/// stack with `accounts` accounts of its own.
pub fn load(
    sdk: &SdkConfig,
    clients: usize,
    seconds: u64,
    accounts: usize,
) -> Result<Vec<Loaded>, Error> {
    eprintln!("bench: starting the local stack (functions built by cargo lambda watch)");
    let stack = LocalStack::start(&STACK_VARIABLES);
    let sdk = sdk.to_builder().endpoint_url(&stack.emulator).build();
    let handle = tokio::runtime::Handle::current();
    let table = "password-recovery-local";
    let actors = handle.block_on(copies(&sdk, table, accounts))?;
    // Forgot on one half, codes and passwords on the other: a reset link
    // that forgot sends replaces the account's token from a code.
    let (asking, typing) = actors.split_at(actors.len() / 2);
    let base = stack.base.clone();
    let within = Duration::from_secs(seconds);
    let mut rows = Vec::new();

    // Forgot by login: every client round the accounts.
    let next = AtomicUsize::new(0);
    rows.push(run("POST /password/forgot", clients, within, &|from| {
        let actor = &asking[next.fetch_add(1, Ordering::Relaxed) % asking.len()];
        let body = json!({"login": actor.login});
        Some((post(&base, "/password/forgot", &body, from), 202))
    })?);

    // The code check: one code stored for each account, each typed once.
    let secret = handle.block_on(code_secret(&sdk))?;
    handle.block_on(store_codes_under(&sdk, table, typing, &secret))?;
    let next = AtomicUsize::new(0);
    let tokens = Mutex::new(Vec::new());
    rows.push(run("POST /password/code", clients, within, &|from| {
        let actor: &Actor = typing.get(next.fetch_add(1, Ordering::Relaxed))?;
        let body = json!({"phone": actor.phone, "code": WARM_CODE});
        let answer = post(&base, "/password/code", &body, from);
        if let Ok((200, body)) = &answer
            && let Some(token) = body["reset_token"].as_str()
        {
            tokens.lock().unwrap().push(token.to_owned());
        }
        Some((answer, 200))
    })?);

    // The new password: each token the code checks gave, once.
    let tokens = tokens.into_inner().unwrap();
    let next = AtomicUsize::new(0);
    rows.push(run("POST /password/reset", clients, within, &|from| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let token = tokens.get(i)?;
        let password = format!("a new password {i}");
        let body = json!({"token": token, "password": password, "password_confirmation": password});
        Some((post(&base, "/password/reset", &body, from), 200))
    })?);
    drop(stack);
    Ok(rows)
}

/// What one request got (its status and JSON, or why none), and the
/// status it should have got.
type Asked = (Result<(u16, Value), Error>, u16);

/// `request` from `clients` threads until `within` has passed or it has
/// nothing more to ask (None); the CPU of the stack's parts meanwhile.
fn run(
    route: &'static str,
    clients: usize,
    within: Duration,
    request: &(dyn Fn(Ipv4Addr) -> Option<Asked> + Sync),
) -> Result<Loaded, Error> {
    let before = stack_cpu();
    let started = Instant::now();
    let latency = Mutex::new(Vec::new());
    let unexpected = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for n in 0..clients {
            let (latency, unexpected) = (&latency, &unexpected);
            scope.spawn(move || {
                while started.elapsed() < within {
                    let asked = Instant::now();
                    let Some((answer, expected)) = request(client_address(n)) else {
                        break;
                    };
                    let status = match answer {
                        Ok((status, _)) => status,
                        Err(_) => 0,
                    };
                    if status == expected {
                        latency.lock().unwrap().push(asked.elapsed());
                    } else {
                        *unexpected.lock().unwrap().entry(status).or_insert(0) += 1;
                    }
                }
            });
        }
    });
    let took = started.elapsed();
    let after = stack_cpu();
    let cpu = after
        .iter()
        .map(|(part, seconds)| {
            let earlier = before.iter().find(|(p, _)| p == part).map_or(0.0, |(_, s)| *s);
            let used = seconds - earlier;
            (*part, (used >= 0.0).then_some(used))
        })
        .collect();
    let mut latency = latency.into_inner().unwrap();
    latency.sort();
    Ok(Loaded {
        route,
        clients,
        took,
        latency: Sample(latency),
        unexpected: unexpected.into_inner().unwrap(),
        cpu,
    })
}

/// A JSON POST over a new connection from `from`, as a browser's fetch
/// would make it: the status and the JSON answer.
fn post(base: &str, path: &str, body: &Value, from: Ipv4Addr) -> Result<(u16, Value), Error> {
    let authority = base.strip_prefix("http://").ok_or("an http:// base")?;
    let body = body.to_string();
    let to = authority.to_socket_addrs()?.find(SocketAddr::is_ipv4).ok_or("no IPv4 address")?;
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((from, 0)).into())?;
    socket.connect(&to.into())?;
    let mut stream = TcpStream::from(socket);
    // As long as the gateway waits for a function.
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("no status line")?;
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    Ok((status, json))
}

/// The SMS code key the local stack made for itself.
async fn code_secret(sdk: &SdkConfig) -> Result<Vec<u8>, Error> {
    use secrecy::ExposeSecret;
    let secret = read_secret(sdk, "password-recovery-local-sms-code").await?;
    Ok(secret.expose_secret().clone())
}

/// The stack's parts, by what their command lines hold.
const PARTS: [(&str, &str); 5] = [
    ("emulator (moto)", "infra/emulator.py"),
    ("gateway and stream poller", "infra/"),
    ("cargo lambda watch", "cargo-lambda"),
    ("functions", "target/debug/"),
    ("clients (this benchmark)", "target/release/benchmark"),
];

/// CPU seconds (user and system) each part has used, from `/proc`.
fn stack_cpu() -> Vec<(&'static str, f64)> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut used: Vec<(&'static str, f64)> = PARTS.iter().map(|(part, _)| (*part, 0.0)).collect();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return used;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let (Ok(cmdline), Ok(stat)) =
            (std::fs::read(path.join("cmdline")), std::fs::read_to_string(path.join("stat")))
        else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        // Fields 14 and 15 (utime, stime), after the command's brackets.
        let Some(fields) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = fields.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
        let (Some(user), Some(system)) = (number(11), number(12)) else {
            continue;
        };
        if let Some(index) = PARTS.iter().position(|(_, marker)| cmdline.contains(marker)) {
            used[index].1 += (user + system) / ticks;
        }
    }
    used
}

/// The load section of the report.
pub fn render(out: &mut String, rows: &[Loaded], accounts: usize) -> Result<(), Error> {
    writeln!(out, "## The local stack under load")?;
    writeln!(out)?;
    writeln!(
        out,
        "`make dev`'s stack on loopback: its own emulator, the functions as debug builds under \
         `cargo lambda watch` (one instance per function, as it runs them), the stream poller \
         and the gateway; {accounts} accounts of its own, limits raised and forgot's minimum \
         time off (`load.rs`). Each client asks, waits for the answer and asks again, each \
         time over a new connection: forgot by login round half the accounts, then a code check \
         for a code stored for each of the other half (each typed once), then a new password for each \
         token those gave. CPU: what each part used over the run, in cores (1.0 is one core \
         busy all the time; gone: a process of that part ended during the run); the busiest \
         part is what limited the route."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| route | clients | seconds | answers | per second | p50 | p99 | other answers | CPU: emulator / gateway and poller / cargo lambda / functions / clients | limited by |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
    for row in rows {
        let seconds = row.took.as_secs_f64();
        let other = if row.unexpected.is_empty() {
            "none".to_owned()
        } else {
            row.unexpected
                .iter()
                .map(|(status, n)| {
                    format!(
                        "{n} × {}",
                        if *status == 0 { "no answer".to_owned() } else { status.to_string() }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let cpu = row
            .cpu
            .iter()
            .map(|(_, s)| s.map_or("gone".to_owned(), |s| format!("{:.2}", s / seconds)))
            .collect::<Vec<_>>()
            .join(" / ");
        let busiest = row
            .busiest()
            .map_or("-".to_owned(), |(part, cores)| format!("{part}, {cores:.2} cores"));
        writeln!(
            out,
            "| {} | {} | {:.1} | {} | {:.1} | {} | {} | {} | {} | {} |",
            row.route,
            row.clients,
            seconds,
            row.latency.0.len(),
            row.per_second(),
            ms(row.latency.median()),
            ms(row.latency.percentile(99.0)),
            other,
            cpu,
            busiest
        )?;
    }
    writeln!(out)?;
    Ok(())
}
