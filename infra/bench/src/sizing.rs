//! Memory sizing of the functions that hash: verify-credentials and
//! set-password at the CPU shares of 512, 1,024 and 1,769 MB, warm; the
//! hash-bound own time at each, and what a request costs there.

use std::time::Duration;

use recovery_edges::config::Function::{SetPassword, VerifyCode, VerifyCredentials};
use serde_json::{Value, json};

use crate::calls::{CallLog, token_of};
use crate::data::{Actor, WARM_CODE, store_codes};
use crate::events::{check_code, new_password};
use crate::figures::Sample;
use crate::process::{Binary, Running};
use crate::share::CpuShare;
use crate::{Error, PASSWORD};

/// The memory sizes compared.
pub const SIZES: [u32; 3] = [512, 1024, 1769];

/// AWS Lambda's list prices for arm64 in us-east-1 (aws.amazon.com/lambda/
/// pricing, first pricing tier; unchanged from 2022 to this writing).
pub const PRICES_DATED: &str =
    "AWS Lambda list prices, arm64, us-east-1, first tier, as published since 2022";
pub const ARM64_USD_PER_GB_SECOND: f64 = 0.000_013_333_4;
pub const USD_PER_REQUEST: f64 = 0.000_000_2;
/// What one DynamoDB call adds to a function's duration in a region,
/// assumed (no AWS account here): single-digit milliseconds is what
/// DynamoDB documents; the emulator's own figures say nothing of it.
pub const ASSUMED_DYNAMODB_MS: f64 = 5.0;

impl Sized {
    /// The billed duration of a request on Lambda: the own time measured
    /// here and the assumed time of its DynamoDB calls, rounded up to 1 ms.
    pub fn billed_ms(&self) -> f64 {
        let own = self.own.median().as_secs_f64() * 1000.0;
        (own + self.dynamodb_calls as f64 * ASSUMED_DYNAMODB_MS).ceil()
    }

    /// What a million such requests cost in Lambda alone, USD.
    pub fn usd_per_million(&self) -> f64 {
        let gb_seconds = self.billed_ms() / 1000.0 * f64::from(self.memory_mb) / 1024.0;
        1e6 * (gb_seconds * ARM64_USD_PER_GB_SECOND + USD_PER_REQUEST)
    }
}

/// One function warm at one size.
pub struct Sized {
    pub function: &'static str,
    pub memory_mb: u32,
    /// Own time (the emulator's taken out) of each event.
    pub own: Sample,
    /// DynamoDB calls per event (the emulator counted them).
    pub dynamodb_calls: usize,
}

/// `n` warm events of verify-credentials (a wrong password: one Argon2id
/// verification) and of set-password (a new password: one Argon2id hash),
/// at each of [`SIZES`]; the inner `Err` says why no share could be set.
pub fn sizing(
    table: &str,
    actors: &[Actor],
    n: usize,
) -> Result<Result<Vec<Sized>, String>, Error> {
    let mut rows = Vec::new();
    let handle = tokio::runtime::Handle::current();
    let sdk = handle.block_on(system_tests::sdk_config());
    for memory_mb in SIZES {
        let share = match CpuShare::create(memory_mb) {
            Ok(share) => share,
            Err(why) => return Ok(Err(why)),
        };
        // Sign-in checks, each for a login typed once (no delay is reached).
        let mut check =
            Running::start_at(Binary::Function(VerifyCredentials), table, Some(&share))?;
        check.invoke(&json!({"login": "warm-up", "password": "not the password 1"}))?;
        let events = actors[1..=n]
            .iter()
            .map(|actor| json!({"login": actor.login, "password": "not the password 1"}))
            .collect();
        rows.push(warm(&mut check, memory_mb, events, 0, false)?);

        // New passwords, through tokens exchanged for fresh codes (on a
        // whole core: only set-password is under the share).
        handle.block_on(store_codes(&sdk, table, &actors[1..=n]))?;
        let mut verify = Running::start(VerifyCode, table)?;
        let mut tokens = Vec::with_capacity(n);
        for actor in &actors[1..=n] {
            let answer = verify.expect(&check_code(&actor.phone, WARM_CODE), 200)?;
            tokens.push(token_of(&answer)?);
        }
        let mut set = Running::start_at(Binary::Function(SetPassword), table, Some(&share))?;
        let events = tokens
            .iter()
            .enumerate()
            .map(|(i, token)| new_password(token, &format!("{PASSWORD} sized {memory_mb} {i}")))
            .collect();
        // The first change of a process is its cold one: left out.
        rows.push(warm(&mut set, memory_mb, events, 200, true)?);
    }
    Ok(Ok(rows))
}

/// `events` on `running` (each answered with `status`; 0: any answer that
/// is not an error), as a row of own times; `cold_first`: the first is
/// the process's cold one and left out.
fn warm(
    running: &mut Running,
    memory_mb: u32,
    events: Vec<Value>,
    status: u16,
    cold_first: bool,
) -> Result<Sized, Error> {
    let (mut own, mut calls, mut log) = (Vec::new(), 0, CallLog::from_now());
    for event in &events {
        let answer =
            if status == 0 { running.invoke(event)? } else { running.expect(event, status)? };
        let seen = log.calls_of(running.binary.name());
        calls = seen.dynamodb;
        let inside = Duration::from_secs_f64(seen.emulator_ms / 1000.0);
        own.push(answer.took().saturating_sub(inside));
    }
    if cold_first && !own.is_empty() {
        own.remove(0);
    }
    Ok(Sized {
        function: running.binary.name(),
        memory_mb,
        own: Sample(own),
        dynamodb_calls: calls,
    })
}
