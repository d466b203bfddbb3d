//! The report: the figures as Markdown tables with their targets, printed
//! and written into `BENCHMARKS.md` between its `figures` markers.

use std::fmt::Write as _;
use std::path::Path;

use crate::Error;
use crate::calls::Calls;
use crate::cold::Cold;
use crate::figures::{Sample, ms, ratio, verdict};
use crate::hashing::Hashing;
use crate::process::Binary;
use crate::warm::Warm;

/// Everything one run measured.
pub struct Measured {
    pub when: String,
    pub machine: String,
    pub runs: usize,
    pub warm: usize,
    pub users: usize,
    pub cold: Vec<(Binary, Cold)>,
    /// One emulator GetItem, the yardstick of the warm figures.
    pub rtt: Sample,
    pub warm_rows: Vec<Warm>,
    pub packages: Vec<(&'static str, Option<u64>)>,
    pub hashing: Hashing,
    pub small_calls: Vec<(&'static str, Calls)>,
    pub large_calls: Vec<(&'static str, Calls)>,
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
    let hello = &m.cold[0].1;
    writeln!(out, "## Cold start ({} runs each)", m.runs)?;
    writeln!(out)?;
    writeln!(
        out,
        "Init: process start to the first poll for an event (Lambda's Init Duration). First answer: process start to the first response, including the first AWS calls."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| binary | init median | init p95 | init / hello-world | first answer median | first answer p95 | target (init ≤ 2× hello-world) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for (binary, c) in &m.cold {
        let name = binary.name();
        let r = ratio(c.init.median(), hello.init.median());
        let target = if *binary == Binary::HelloWorld {
            "baseline".to_owned()
        } else {
            verdict(r <= 2.0).to_owned()
        };
        writeln!(
            out,
            "| {name} | {} | {} | {r:.2}× | {} | {} | {target} |",
            ms(c.init.median()),
            ms(c.init.p95()),
            ms(c.first.median()),
            ms(c.first.p95())
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Warm latency ({} events per flow)", m.warm)?;
    writeln!(out)?;
    writeln!(
        out,
        "From handing the event over to receiving the answer, split into the time its AWS calls spent inside the emulator (timed by the emulator) and the rest: the function, the SDK, a new TCP connection per call (moto closes each) and the Runtime API. One emulator GetItem from a release SDK client, in the same run: median {}, p95 {}. moto copies a table for every item of a transaction, so the transaction-heavy flows spend most of their time inside it.",
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
        let rss = w
            .peak_rss_kib
            .map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
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
    writeln!(out)?;
    writeln!(
        out,
        "Flow / hash: {overhead:.3}× (overhead {:+.1}%; target ≤ 5%: {}).",
        (overhead - 1.0) * 100.0,
        verdict(overhead <= 1.05)
    )?;
    writeln!(out)?;

    writeln!(out, "## AWS calls per flow (DynamoDB / SES / SNS)")?;
    writeln!(out)?;
    writeln!(
        out,
        "Counted at the emulator, by the `app/<function>` tag in each request's user agent."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| flow | 10 users | {} users | equal | DynamoDB operations |",
        m.users
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    let mut all_equal = true;
    for ((flow, small), (_, large)) in m.small_calls.iter().zip(&m.large_calls) {
        let equal = small.same_as(large);
        all_equal &= equal;
        let dynamodb = small.dynamodb_actions.join(", ");
        writeln!(
            out,
            "| {flow} | {} | {} | {} | {} |",
            small.summary(),
            large.summary(),
            if equal { "yes" } else { "NO" },
            dynamodb
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Targets: request-reset ≤ 3 DynamoDB + 1 send, verify-code ≤ 2, set-password ≤ 3 + 1 send; counts equal for both tables: {}.",
        verdict(all_equal && calls_within_targets(&m.small_calls))
    )?;
    writeln!(out)?;

    Ok(out)
}

fn calls_within_targets(rows: &[(&str, Calls)]) -> bool {
    rows.iter().all(|(flow, c)| {
        let sends = c.ses + c.sns;
        if flow.starts_with("forgot") {
            c.dynamodb <= 3 && sends <= 1
        } else if flow.starts_with("code check") {
            c.dynamodb <= 2 && sends == 0
        } else if flow.starts_with("set password") {
            c.dynamodb <= 3 && sends <= 1
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
