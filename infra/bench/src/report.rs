//! The report: the figures as Markdown tables with their targets, printed
//! and written into `BENCHMARKS.md` between its `figures` markers.

use std::fmt::Write as _;
use std::path::Path;

use crate::Error;
use crate::calls::Calls;
use crate::cold::{AtShare, Cold};
use crate::cost::{self, Priced};
use crate::figures::{Sample, ms, ratio, verdict};
use crate::hashing::Hashing;
use crate::load::{self, Loaded};
use crate::process::Binary;
use crate::sealing::Sealing;
use crate::sizing::Sized;
use crate::warm::Warm;

/// Everything one run measured.
pub struct Measured {
    pub when: String,
    pub machine: String,
    pub runs: usize,
    pub warm: usize,
    pub users: usize,
    pub cold: Vec<(Binary, Cold)>,
    /// Cold starts at Lambda's CPU shares, or why there are none.
    pub at_shares: Result<Vec<AtShare>, String>,
    /// One emulator GetItem, the yardstick of the warm figures.
    pub rtt: Sample,
    pub warm_rows: Vec<Warm>,
    pub packages: Vec<(&'static str, Option<u64>)>,
    pub hashing: Hashing,
    /// The hashing functions at three memory sizes, or why not.
    pub sizing: Result<Vec<Sized>, String>,
    pub sealing: Sealing,
    pub small_calls: Vec<(&'static str, Calls)>,
    pub large_calls: Vec<(&'static str, Calls)>,
    /// Each step of an email and a phone recovery, priced.
    pub costs: Vec<(&'static str, Vec<Priced<'static>>)>,
    /// Where the durations of `costs` come from.
    pub cost_source: &'static str,
    /// The sign-in check by kind of account.
    pub sign_in: crate::signin::SignIn,
    /// What the guards against bots and bills add.
    pub guarded: Vec<crate::guards::Added>,
    /// What writing the metrics adds.
    pub metered: Vec<crate::guards::Added>,
    /// The local stack under load (none when left out).
    pub loaded: Vec<Loaded>,
    pub load_accounts: usize,
}

/// The cold starts of every binary, hello-world first.
pub fn cold_section(out: &mut String, runs: usize, cold: &[(Binary, Cold)]) -> Result<(), Error> {
    let hello = &cold[0].1;
    writeln!(*out, "## Cold start ({} runs each)", runs)?;
    writeln!(*out)?;
    writeln!(
        out,
        "Init: process start to the first poll for an event (Lambda's Init Duration). First answer: process start to the first response, including the first AWS calls; own: without the time those calls spent inside the emulator. The binaries start in turns (one start of each, hello-world first, then the next round), so a change in the machine's load falls on all of them alike."
    )?;
    writeln!(*out)?;
    writeln!(
        out,
        "| binary | init median | init p95 | init / hello-world | first answer median | own first answer median | own p95 | target (init ≤ 1.5× hello-world) | target (own first answer ≤ 15 ms) |"
    )?;
    writeln!(*out, "|---|---|---|---|---|---|---|---|---|")?;
    for (binary, c) in cold {
        let name = binary.name();
        let r = ratio(c.init.median(), hello.init.median());
        let (init_target, first_target) = if *binary == Binary::HelloWorld {
            ("baseline", "baseline")
        } else {
            (
                verdict(r <= 1.5),
                verdict(c.first_own.median() <= std::time::Duration::from_millis(15)),
            )
        };
        writeln!(
            out,
            "| {name} | {} | {} | {r:.2}× | {} | {} | {} | {init_target} | {first_target} |",
            ms(c.init.median()),
            ms(c.init.p95()),
            ms(c.first.median()),
            ms(c.first_own.median()),
            ms(c.first_own.p95())
        )?;
    }
    writeln!(*out)?;
    Ok(())
}

/// The report of `m`, in Markdown.
pub fn render(m: &Measured) -> Result<String, Error> {
    let mut out = String::new();
    writeln!(out, "Measured {} on {}.", m.when, m.machine)?;
    writeln!(out)?;
    writeln!(
        out,
        "Release binaries (`cargo build --release -p <function>`, the profile `cargo lambda` ships), \
         run as processes under a Runtime API of the benchmark's own, against the moto emulator \
         (one request at a time). Native {} here; Lambda runs the arm64 build.",
        std::env::consts::ARCH
    )?;
    writeln!(out)?;
    cold_section(&mut out, m.runs, &m.cold)?;

    crate::report_shares::shares(&mut out, m.runs, &m.at_shares)?;

    writeln!(out, "## Warm latency ({} events per flow)", m.warm)?;
    writeln!(out)?;
    writeln!(
        out,
        "From handing the event over to receiving the answer, split into the time its AWS calls spent inside the emulator (timed by the emulator) and the rest: the function, the SDK, a new TCP connection per call (moto closes each) and the Runtime API. One emulator GetItem from a release SDK client, in the same run: median {}, p95 {}. The time inside the emulator is moto's Python, which says nothing of DynamoDB's latency; the own columns are what the function itself costs.",
        ms(m.rtt.median()),
        ms(m.rtt.p95())
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| flow | function | median | p95 | in emulator (median) | own (median) | own p95 | own / GetItem | peak RSS | target (RSS < 64 MB) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
    for w in &m.warm_rows {
        let rss = w.peak_rss_kib.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        let ok = w.peak_rss_kib.is_some_and(|k| k * 1024 < 64 * 1000 * 1000);
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}× | {rss} | {} |",
            w.flow,
            w.function,
            ms(w.latency.median()),
            ms(w.latency.p95()),
            ms(w.emulator.median()),
            ms(w.own.median()),
            ms(w.own.p95()),
            ratio(w.own.median(), m.rtt.median()),
            verdict(ok)
        )?;
    }
    writeln!(out)?;
    let own = |flow: &str| m.warm_rows.iter().find(|w| w.flow == flow).map(|w| w.own.median());
    if let (Some(known), Some(unknown)) =
        (own("forgot by login (email link)"), own("forgot, unknown login"))
    {
        let gap = known.as_secs_f64() - unknown.as_secs_f64();
        writeln!(
            out,
            "Known vs unknown login, the forgot function's own time (medians): {} vs {}, a difference of {:+.2} ms ({:.2}×), which `FORGOT_RESPONSE_FLOOR_MS` (300 ms) covers; no SES round trip is in either.",
            ms(known),
            ms(unknown),
            gap * 1000.0,
            ratio(known, unknown)
        )?;
        writeln!(out)?;
    }

    let row = |flow: &str| m.warm_rows.iter().find(|w| w.flow == flow);
    if let (Some(wrong), Some(unknown)) =
        (row("sign-in check, wrong password"), row("sign-in check, unknown login"))
    {
        // The noise: how far the medians of the two halves of one flow's
        // own samples lie apart, in the same run.
        let halves = |w: &Warm| {
            let samples = &w.own.0;
            let (a, b) = samples.split_at(samples.len() / 2);
            let gap = Sample(a.to_vec()).median().as_secs_f64()
                - Sample(b.to_vec()).median().as_secs_f64();
            gap.abs()
        };
        let noise = halves(wrong).max(halves(unknown));
        let gap = wrong.own.median().as_secs_f64() - unknown.own.median().as_secs_f64();
        writeln!(
            out,
            "Sign-in check, wrong password vs unknown login, own time (medians, the two alternating in one process): {} vs {}, a difference of {:+.2} ms; the noise of the measurement (the larger gap between the medians of the first and second half of either flow) is {:.2} ms: {}. Both verify one Argon2id hash with the shipped parameters (the unknown login against a dummy of them) after the same two reads and one write, measured with the sign-in floor off (a deployment answers both at `SIGN_IN_FLOOR_MS`).",
            ms(wrong.own.median()),
            ms(unknown.own.median()),
            gap * 1000.0,
            noise * 1000.0,
            if gap.abs() <= noise { "within the noise" } else { "OUTSIDE the noise" }
        )?;
        writeln!(out)?;
    }

    out.push_str(&crate::signin::section(&m.sign_in));
    out.push_str(&crate::guards::section(&m.guarded));
    out.push_str(&crate::metrics::section(&m.metered));

    writeln!(out, "## Packages")?;
    writeln!(out)?;
    writeln!(
        out,
        "`cargo lambda build --release --arm64 --output-format zip -p <function>`: `target/lambda/<function>/bootstrap.zip`."
    )?;
    writeln!(out)?;
    writeln!(out, "| function | zipped | target (≤ 3 MB) |")?;
    writeln!(out, "|---|---|---|")?;
    for (name, size) in &m.packages {
        match size {
            Some(bytes) => writeln!(
                out,
                "| {name} | {:.2} MB ({} bytes) | {} |",
                *bytes as f64 / 1e6,
                bytes,
                verdict(*bytes <= 3_000_000)
            )?,
            None => writeln!(out, "| {name} | not built | — |")?,
        }
    }
    writeln!(out)?;

    let overhead = ratio(m.hashing.flow.median(), m.hashing.hash.median());
    writeln!(out, "## Argon2id ({} runs)", m.runs)?;
    writeln!(out)?;
    writeln!(out, "| what | median | p95 |")?;
    writeln!(out, "|---|---|---|")?;
    writeln!(
        out,
        "| one hash (m=19456 KiB, t=2, p=1) | {} | {} |",
        ms(m.hashing.hash.median()),
        ms(m.hashing.hash.p95())
    )?;
    writeln!(
        out,
        "| set-password flow, in-memory parts | {} | {} |",
        ms(m.hashing.flow.median()),
        ms(m.hashing.flow.p95())
    )?;
    if let Ok(reference) = &m.hashing.reference {
        writeln!(
            out,
            "| one hash, the C reference (libargon2 through argon2-cffi, same parameters, in rounds between ours) | {} | {} |",
            ms(reference.median()),
            ms(reference.p95())
        )?;
    }
    writeln!(out)?;
    match &m.hashing.reference {
        Ok(reference) => {
            let against = ratio(m.hashing.hash.median(), reference.median());
            writeln!(
                out,
                "The crate's hash / the C reference: {against:.3}× (target ≤ 1.0×: {}).",
                verdict(against <= 1.0)
            )?;
        }
        Err(why) => writeln!(out, "The C reference was not timed: {why}.")?,
    }
    writeln!(out)?;
    writeln!(
        out,
        "Flow / hash: {overhead:.3}× (overhead {:+.1}%; target ≤ 5%: {}).",
        (overhead - 1.0) * 100.0,
        verdict(overhead <= 1.05)
    )?;
    writeln!(out)?;

    crate::report_shares::memory_sizes(&mut out, m)?;

    let sealing = &m.sealing;
    writeln!(out, "## Secrets at cold start, and the outbox key")?;
    writeln!(out)?;
    writeln!(
        out,
        "No secret is in a function's configuration: the key that seals every message is derived (HKDF-SHA256) from one Secrets Manager secret, the HMAC key of SMS codes is another, and each function reads what it needs once per cold start, starting as it starts and waited for only where a flow first uses a key, so the read runs beside the first request's first DynamoDB calls instead of inside the init; sealing and opening are AES-256-GCM in the function. Beside them, one emulator GetItem: {} (median).",
        ms(m.rtt.median())
    )?;
    writeln!(out)?;
    writeln!(out, "| what | median | p95 | how often |")?;
    writeln!(out, "|---|---|---|---|")?;
    writeln!(
        out,
        "| GetSecretValue (new client) + HKDF, the outbox key | {} | {} | once per cold start of set-password, admin-reset, deliver |",
        ms(sealing.key_at_cold_start.median()),
        ms(sealing.key_at_cold_start.p95())
    )?;
    writeln!(
        out,
        "| GetSecretValue (new client), the SMS code key | {} | {} | once per cold start of verify-code |",
        ms(sealing.code_key_at_cold_start.median()),
        ms(sealing.code_key_at_cold_start.p95())
    )?;
    writeln!(
        out,
        "| both at once | {} ({:.2}× one) | {} | once per cold start of request-reset |",
        ms(sealing.both_at_cold_start.median()),
        ratio(sealing.both_at_cold_start.median(), sealing.key_at_cold_start.median()),
        ms(sealing.both_at_cold_start.p95())
    )?;
    writeln!(
        out,
        "| seal + open one reset email ({} bytes) | {:.1} µs | {:.1} µs | once per message on each side |",
        sealing.message_bytes,
        sealing.seal_and_open.median().as_secs_f64() * 1e6,
        sealing.seal_and_open.p95().as_secs_f64() * 1e6
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "KMS instead would be one `Encrypt` (or `GenerateDataKey`) call in every request that writes a message and one `Decrypt` per delivery: an AWS round trip each time (one emulator GetItem takes {} here, a floor for any AWS call from this machine; KMS itself was not measured, since an emulator says nothing of its latency in a region), against one call per cold start for the secret.",
        ms(m.rtt.median())
    )?;
    writeln!(out)?;

    writeln!(out, "## AWS calls per flow (DynamoDB / SES / SNS)")?;
    writeln!(out)?;
    writeln!(
        out,
        "Counted at the emulator, by the `app/<function>` tag in each request's user agent. \
         Request units: what DynamoDB on demand bills for the calls (10 users), from the size of \
         each item read or written as the emulator holds it (`infra/emulator.py`)."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| flow | 10 users | {} users | equal | DynamoDB operations | read / write units |",
        m.users
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    let mut all_equal = true;
    for ((flow, small), (_, large)) in m.small_calls.iter().zip(&m.large_calls) {
        let equal = small.same_as(large);
        all_equal &= equal;
        let dynamodb = small.dynamodb_actions.join(", ");
        writeln!(
            out,
            "| {flow} | {} | {} | {} | {} | {} / {} |",
            small.summary(),
            large.summary(),
            if equal { "yes" } else { "NO" },
            dynamodb,
            small.read_units,
            small.write_units
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Targets: request-reset ≤ 3 DynamoDB and no send, verify-code ≤ 3 (the attempt is counted before the code is compared, the exchange is one transaction), set-password ≤ 3 and no send (messages go through the outbox), deliver ≤ 3 DynamoDB (the claim, whether the link or code is still the live one, the sent mark) + 1 send per message; the same calls for both tables: {}.",
        verdict(all_equal && calls_within_targets(&m.small_calls))
    )?;
    writeln!(out)?;

    cost::render(&mut out, &m.costs, m.cost_source)?;
    if !m.loaded.is_empty() {
        load::render(&mut out, &m.loaded, m.load_accounts)?;
    }

    Ok(out)
}

fn calls_within_targets(rows: &[(&str, Calls)]) -> bool {
    rows.iter().all(|(flow, c)| {
        let sends = c.ses + c.sns;
        if ["forgot", "code check", "set password"].iter().any(|f| flow.starts_with(f)) {
            c.dynamodb <= 3 && sends == 0
        } else if flow.starts_with("admin") {
            sends == 0
        } else if flow.starts_with("deliver") {
            c.dynamodb <= 3 && sends == 1
        } else {
            true
        }
    })
}

const BEGIN: &str = "<!-- figures:begin (written by `make bench`) -->";
const END: &str = "<!-- figures:end -->";

/// Writes `figures` into the file at `path`, between its markers (or at
/// the top of a new one).
pub fn write(path: &Path, figures: &str) -> Result<(), Error> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{BEGIN}\n{figures}{}", &current[..begin], &current[end..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n{figures}{END}\n{current}"),
    };
    std::fs::write(path, updated)?;
    Ok(())
}
