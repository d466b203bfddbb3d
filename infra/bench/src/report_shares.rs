//! The report's sections on CPU shares and memory sizes: the cold starts at
//! Lambda's CPU share of each memory size, and the hashing functions at
//! three memory sizes.

use std::fmt::Write as _;

use crate::Error;
use crate::cold::AtShare;
use crate::figures::{ms, ratio, verdict};
use crate::process::Binary;
use crate::report::Measured;
use crate::sizing;

/// The cold starts at Lambda's CPU share of each memory size.
pub fn shares(
    out: &mut String,
    runs: usize,
    at_shares: &Result<Vec<AtShare>, String>,
) -> Result<(), Error> {
    writeln!(out, "## Cold start at Lambda's CPU share ({runs} runs each)")?;
    writeln!(out)?;
    let rows = match at_shares {
        Ok(rows) => rows,
        Err(why) => {
            writeln!(
                out,
                "**Not measured: the CPU share could not be set here** ({why}). The whole-core \
                 figures above are no substitute: a function at 256 MB gets about a seventh of a core."
            )?;
            writeln!(out)?;
            return Ok(());
        }
    };
    writeln!(
        out,
        "Each process runs in a cgroup whose CPU quota is its memory's share of one core, as \
         Lambda gives it (memory / 1,769 MB, at most one core), from before its first \
         instruction. Own: the first answer without the time its AWS calls spent inside the \
         emulator. Hello-world at the same share is the baseline of each row. The starts \
         are taken in turns (each binary at each share once, hello-world first, round after \
         round), each in a new cgroup whose quota is whole as it starts."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| binary | memory | CPU share | init median | init / hello-world | first answer median | own first answer median | own p95 | target (own first answer ≤ 100 ms at its memory) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    let hello = |memory_mb: u32| {
        rows.iter().find(|r| r.binary == Binary::HelloWorld && r.memory_mb == memory_mb)
    };
    for row in rows {
        let baseline = hello(row.memory_mb).map(|h| h.cold.init.median());
        let init_ratio = baseline
            .map(|b| format!("{:.2}×", ratio(row.cold.init.median(), b)))
            .unwrap_or_default();
        let configured = match row.binary {
            Binary::HelloWorld => None,
            binary => Some(crate::process::memory_size(binary)),
        };
        let target = match configured {
            Some(memory) if memory == row.memory_mb => {
                verdict(row.cold.first_own.median().as_secs_f64() <= 0.100).to_owned()
            }
            None => "baseline".to_owned(),
            Some(_) => String::new(),
        };
        writeln!(
            out,
            "| {} | {} MB | {:.1}% | {} | {init_ratio} | {} | {} | {} | {target} |",
            row.binary.name(),
            row.memory_mb,
            crate::share::CpuShare::fraction(row.memory_mb) * 100.0,
            ms(row.cold.init.median()),
            ms(row.cold.first.median()),
            ms(row.cold.first_own.median()),
            ms(row.cold.first_own.p95()),
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// The hashing functions at 512, 1,024 and 1,769 MB.
pub fn memory_sizes(out: &mut String, m: &Measured) -> Result<(), Error> {
    writeln!(out, "## Memory size of the functions that hash")?;
    writeln!(out)?;
    let rows = match &m.sizing {
        Ok(rows) => rows,
        Err(why) => {
            writeln!(out, "**Not measured: the CPU share could not be set here** ({why}).")?;
            writeln!(out)?;
            return Ok(());
        }
    };
    writeln!(
        out,
        "Warm, each process under its memory's CPU share (20 events or fewer each): a sign-in \
         check of a wrong password (one Argon2id verification) and a new password (one hash). \
         Billed: the own time measured here plus {} ms per DynamoDB call (assumed: no AWS \
         account here), rounded up to the millisecond. Cost: {} (${}/GB-s, ${} per request).",
        sizing::ASSUMED_DYNAMODB_MS,
        sizing::PRICES_DATED,
        sizing::ARM64_USD_PER_GB_SECOND,
        sizing::USD_PER_REQUEST
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| function | memory | CPU share | own median | own p95 | DynamoDB calls | billed | per million requests | own under 100 ms |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    for row in rows {
        writeln!(
            out,
            "| {} | {} MB | {:.1}% | {} | {} | {} | {:.0} ms | ${:.2} | {} |",
            row.function,
            row.memory_mb,
            crate::share::CpuShare::fraction(row.memory_mb) * 100.0,
            ms(row.own.median()),
            ms(row.own.p95()),
            row.dynamodb_calls,
            row.billed_ms(),
            row.usd_per_million(),
            if row.own.median().as_secs_f64() < 0.100 { "yes" } else { "no" }
        )?;
    }
    writeln!(out)?;
    for function in ["verify-credentials", "set-password"] {
        let cheapest = rows
            .iter()
            .filter(|r| r.function == function && r.own.median().as_secs_f64() < 0.100)
            .min_by(|a, b| a.usd_per_million().total_cmp(&b.usd_per_million()));
        match cheapest {
            Some(row) => writeln!(
                out,
                "{function}: the cheapest size that keeps its own time under 100 ms is {} MB (${:.2} per million requests).",
                row.memory_mb,
                row.usd_per_million()
            )?,
            None => writeln!(out, "{function}: no size measured keeps its own time under 100 ms.")?,
        }
    }
    writeln!(out)?;
    Ok(())
}
