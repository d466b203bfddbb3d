//! `make bench`: what decides this service's speed and cost, measured on the
//! release binaries against the emulator, printed and written into
//! `BENCHMARKS.md` (between its `figures` markers) with the date and the
//! machine.
//!
//! 1. cold start of each function (and of a hello-world `lambda_runtime`
//!    binary, the baseline): process start to first poll of the Runtime API
//!    (Lambda's Init Duration), and to the first answer; on a whole core,
//!    and under a cgroup CPU quota equal to Lambda's CPU share of the
//!    function's memory, of 128 MB and of 1,769 MB;
//! 2. warm latency of each flow over 200 events, next to one emulator GetItem;
//! 3. the zipped arm64 packages built by `cargo lambda build`;
//! 4. one Argon2id hash, and the password change over in-memory parts;
//! 5. AWS calls per flow on a table of 10 users and one of 1,000 (`--users`);
//! 6. peak RSS of each function over its 200 warm events;
//! 7. the secrets read at a cold start, and sealing one message;
//! 8. what a million email and phone recoveries cost, from 1 and 5;
//! 9. the local stack under load: forgot, the code check, the new password.
//!
//! Usage: `benchmark [--runs N] [--warm N] [--users N] [--clients N]
//! [--load-seconds N] [--load-accounts N] [--out FILE]
//! [--only sign-in|guards|metrics|starts]`; `BENCH_BIN_DIR` takes the
//! binaries from another folder than `target/release`.

mod calls;
mod cold;
mod cost;
mod data;
mod events;
mod figures;
mod guards;
mod hashing;
mod load;
mod machine;
mod metrics;
mod process;
mod report;
mod report_shares;
mod runtime_api;
mod sealing;
mod share;
mod signin;
mod sizing;
mod warm;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use process::Binary;
use recovery_domain::PhoneNumber;
use system_tests::{
    SENDER, code_secret, event_bus, outbox_secret, sdk_config, verified_sender, workspace_root,
};

type Error = Box<dyn std::error::Error + Send + Sync>;

const PASSWORD: &str = "correct horse battery staple";
const TIMEOUT: Duration = Duration::from_secs(30);

/// What decides this service's speed and cost, measured on the release
/// binaries against the emulator and written into BENCHMARKS.md.
#[derive(Debug, Parser)]
#[command(name = "benchmark")]
struct Options {
    /// Cold starts of each binary, and runs of the hashing and sealing.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Warm events per flow.
    #[arg(long, default_value_t = 200)]
    warm: usize,
    /// Accounts in the large table of the calls per flow. A table of
    /// 10,000 takes moto too long to fill and query for a default run; the
    /// calls of a flow are the same at 1,000.
    #[arg(long, default_value_t = 1_000)]
    users: usize,
    /// Clients of the load test.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Length of the load test (0: none).
    #[arg(long, default_value_t = 30)]
    load_seconds: u64,
    /// Accounts the load test recovers.
    #[arg(long, default_value_t = 1000)]
    load_accounts: usize,
    /// Where the figures go (between the file's `figures` markers).
    #[arg(long, default_value_os_t = workspace_root().join("BENCHMARKS.md"))]
    out: PathBuf,
    /// One part alone, printed.
    #[arg(long, value_enum)]
    only: Option<Only>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Only {
    /// The sign-in check by kind of account.
    SignIn,
    /// What the guards add.
    Guards,
    /// What writing the metrics adds.
    Metrics,
    /// The cold starts on a whole core.
    Starts,
    /// The cold starts at Lambda's CPU shares.
    Shares,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Error> {
    let options = Options::parse();
    if process::perf_dir().is_some() && options.out == workspace_root().join("BENCHMARKS.md") {
        return Err("with BENCH_PERF_DIR perf's own start is inside every figure: \
                    write them elsewhere with --out"
            .into());
    }
    let needed = if options.only == Some(Only::SignIn) {
        vec![Binary::Function(recovery_edges::config::Function::VerifyCredentials)]
    } else {
        Binary::all().collect()
    };
    for binary in needed {
        if !binary.path().exists() {
            let path = binary.path();
            return Err(format!("{} is missing: run `make bench`", path.display()).into());
        }
    }
    let sample = events::next_phone();
    PhoneNumber::parse(&sample).map_err(|e| format!("{sample} is no valid number: {e:?}"))?;
    let when = machine::today();

    eprintln!("bench: setting up the emulator and tables ({} users)", options.users);
    let sdk = sdk_config().await;
    verified_sender(&sdk, SENDER).await;
    event_bus(&sdk, process::EVENT_BUS_NAME).await;
    let secret = outbox_secret(&sdk).await;
    let code_secret = code_secret(&sdk).await;
    let (small, small_actor) = data::table_with_users(&sdk, 10).await?;

    if options.only == Some(Only::Metrics) {
        let (warm_table, cast) = data::table_with_actors(&sdk, options.warm + 1).await?;
        let rows = tokio::task::block_in_place(|| {
            metrics::metrics(&sdk, &warm_table, &cast, options.warm)
        })?;
        print!("{}", metrics::section(&rows));
        return Ok(());
    }
    if options.only == Some(Only::Starts) {
        let (warm_table, cast) = data::table_with_actors(&sdk, 1).await?;
        let cold = tokio::task::block_in_place(|| {
            cold::every_cold_start(&warm_table, &cast[0], options.runs)
        })?;
        let mut out = String::new();
        report::cold_section(&mut out, options.runs, &cold)?;
        print!("{out}");
        return Ok(());
    }
    if options.only == Some(Only::Shares) {
        let (warm_table, cast) = data::table_with_actors(&sdk, 1).await?;
        let at_shares =
            tokio::task::block_in_place(|| cold::at_shares(&warm_table, &cast[0], options.runs))?;
        let mut out = String::new();
        report_shares::shares(&mut out, options.runs, &at_shares)?;
        print!("{out}");
        return Ok(());
    }
    if options.only == Some(Only::Guards) {
        let (warm_table, cast) = data::table_with_actors(&sdk, options.warm + 1).await?;
        let rows =
            tokio::task::block_in_place(|| guards::guards(&sdk, &warm_table, &cast, options.warm))?;
        print!("{}", guards::section(&rows));
        return Ok(());
    }

    // 4c. The sign-in check by kind of account.
    eprintln!("bench: the sign-in check by kind of account, {} runs each", options.runs);
    let sign_in =
        tokio::task::block_in_place(|| signin::sign_in_cases(&sdk, &small, options.runs))?;
    if options.only == Some(Only::SignIn) {
        print!("{}", signin::section(&sign_in));
        return Ok(());
    }
    let (warm_table, cast) = data::table_with_actors(&sdk, options.warm + 1).await?;
    let (large, large_actor) = data::table_with_users(&sdk, options.users).await?;

    // 5. AWS calls per flow.
    eprintln!("bench: AWS calls per flow");
    let small_calls = tokio::task::block_in_place(|| calls::calls_per_flow(&small, &small_actor))?;
    let large_calls = tokio::task::block_in_place(|| calls::calls_per_flow(&large, &large_actor))?;

    // 1. Cold starts.
    eprintln!("bench: cold starts, {} runs each", options.runs);
    let cold = tokio::task::block_in_place(|| {
        cold::every_cold_start(&warm_table, &cast[0], options.runs)
    })?;

    // 1b. Cold starts at Lambda's CPU share of each memory size.
    eprintln!("bench: cold starts at Lambda's CPU shares, {} runs each", options.runs);
    let at_shares =
        tokio::task::block_in_place(|| cold::at_shares(&warm_table, &cast[0], options.runs))?;

    // 2 and 6. Warm latency and peak memory.
    eprintln!("bench: {} warm events per flow", options.warm);
    let rtt = warm::get_item_round_trip(&sdk, &warm_table, options.warm).await?;
    let warm_rows =
        tokio::task::block_in_place(|| warm::warm_runs(&sdk, &warm_table, &cast, options.warm))?;

    // 2b. What the guards against bots and bills add, and the metrics:
    // each on a table and accounts of its own, as `--only` runs them, so
    // that the warm runs' codes and links count against no limit here.
    eprintln!("bench: the guards off and on, {} events each", options.warm);
    let (guard_table, guard_cast) = data::table_with_actors(&sdk, options.warm + 1).await?;
    let guarded = tokio::task::block_in_place(|| {
        guards::guards(&sdk, &guard_table, &guard_cast, options.warm)
    })?;
    eprintln!("bench: the metrics off and on, {} events each", options.warm);
    let (metric_table, metric_cast) = data::table_with_actors(&sdk, options.warm + 1).await?;
    let metered = tokio::task::block_in_place(|| {
        metrics::metrics(&sdk, &metric_table, &metric_cast, options.warm)
    })?;

    // 4b. The hashing functions at three memory sizes.
    eprintln!("bench: verify-credentials and set-password at 512, 1024 and 1769 MB");
    let sizing =
        tokio::task::block_in_place(|| sizing::sizing(&warm_table, &cast, options.warm.min(20)))?;

    // 4. Hashing.
    eprintln!("bench: Argon2id");
    let hashing = hashing::hashing(options.runs).await?;

    // 7. The secrets and the outbox key.
    eprintln!("bench: secrets and the outbox key");
    let sealing = sealing::sealing(&sdk, &secret, &code_secret, options.runs).await?;

    // 3. Packages.
    let packages = machine::package_sizes();

    // 8. A million recoveries, from the cold first answers.
    let (own_ms, cost_source) = cost::cold_own_ms(&at_shares, &cold);
    let costs = vec![
        ("A recovery by email link", cost::price(&cost::EMAIL, &small_calls, &own_ms)?),
        ("A recovery by SMS code", cost::price(&cost::PHONE, &small_calls, &own_ms)?),
    ];

    // 9. The local stack under load.
    let loaded = if options.load_seconds == 0 {
        Vec::new()
    } else {
        eprintln!(
            "bench: the local stack under load, {} clients for {} s per route",
            options.clients, options.load_seconds
        );
        tokio::task::block_in_place(|| {
            load::load(&sdk, options.clients, options.load_seconds, options.load_accounts)
        })?
    };

    let text = report::render(&report::Measured {
        when,
        machine: machine::machine(),
        runs: options.runs,
        warm: options.warm,
        users: options.users,
        cold,
        at_shares,
        rtt,
        warm_rows,
        packages,
        hashing,
        sizing,
        sealing,
        small_calls,
        large_calls,
        costs,
        cost_source,
        sign_in,
        guarded,
        metered,
        loaded,
        load_accounts: options.load_accounts,
    })?;
    print!("{text}");
    report::write(&options.out, &text)?;
    eprintln!("bench: written to {}", options.out.display());
    Ok(())
}
