//! What a million recoveries cost: each step of an email and of a phone
//! recovery, with the AWS calls and request units the emulator counted for
//! it and the cold first answer measured at its function's CPU share, priced
//! at AWS list prices.

use std::fmt::Write as _;

use recovery_edges::config::Function::{self, Deliver, RequestReset, SetPassword, VerifyCode};

use crate::Error;
use crate::calls::Calls;
use crate::cold::{AtShare, Cold};
use crate::process::{Binary, memory_size};
use crate::sizing::{ARM64_USD_PER_GB_SECOND, ASSUMED_DYNAMODB_MS, USD_PER_REQUEST};

/// The list prices used, us-east-1, and when they were read.
pub const PRICES_DATED: &str = "us-east-1 list prices as published on 2026-09-20: \
    Lambda arm64 $0.0000133334 per GB-s and $0.20 per million requests; API Gateway HTTP API \
    $1.00 per million requests (first 300 million); DynamoDB on demand $0.125 per million read \
    and $0.625 per million write request units (since November 2024); SES $0.10 per 1,000 \
    emails; Amazon Cognito user pools: Lite $0.0055 per MAU from 10,001 to 100,000 and $0.0046 \
    from 100,001 to 1,000,000, Essentials $0.015 per MAU above 10,000, Plus $0.02 per MAU";
pub const API_USD_PER_REQUEST: f64 = 1.0 / 1e6;
pub const READ_UNIT_USD: f64 = 0.125 / 1e6;
pub const WRITE_UNIT_USD: f64 = 0.625 / 1e6;
pub const EMAIL_USD: f64 = 0.10 / 1000.0;
/// What one SES or SNS send adds to deliver's duration, assumed.
pub const ASSUMED_SEND_MS: f64 = 50.0;

/// One step of a recovery: an invocation of `function` making the calls of
/// the `flow` row of the calls table; `api`: it came through API Gateway
/// (deliver is invoked by the table's stream, which costs nothing more).
pub struct Step {
    pub what: &'static str,
    pub function: Function,
    pub flow: &'static str,
    pub api: bool,
}

const fn step(what: &'static str, function: Function, flow: &'static str) -> Step {
    Step { what, function, flow, api: !matches!(function, Deliver) }
}

/// A person who forgot the password and resets it by email link.
pub const EMAIL: [Step; 6] = [
    step("opens the forgot page", RequestReset, "the forgot page"),
    step("asks for a link", RequestReset, "forgot by login (email link)"),
    step("the link is emailed", Deliver, "deliver one email"),
    step("opens the link", SetPassword, "the reset page"),
    step("sets a new password", SetPassword, "set password (with notice)"),
    step("the notice is emailed", Deliver, "deliver one email"),
];

/// The same by phone: a code by SMS, typed on the code page.
pub const PHONE: [Step; 8] = [
    step("opens the forgot page", RequestReset, "the forgot page"),
    step("asks for a code", RequestReset, "forgot by phone (SMS code)"),
    step("the code is texted", Deliver, "deliver one text"),
    step("opens the code page", VerifyCode, "the code page"),
    step("types the code", VerifyCode, "code check, right code"),
    step("opens the reset page", SetPassword, "the reset page"),
    step("sets a new password", SetPassword, "set password (with notice)"),
    step("the notice is texted", Deliver, "deliver one text"),
];

/// One step, priced.
pub struct Priced<'a> {
    pub step: &'a Step,
    pub memory_mb: u32,
    pub own_ms: f64,
    pub calls: Calls,
    pub billed_ms: f64,
}

impl Priced<'_> {
    fn gb_seconds(&self) -> f64 {
        self.billed_ms / 1000.0 * f64::from(self.memory_mb) / 1024.0
    }
}

/// Each function's own cold first answer (median, ms) at its memory's CPU
/// share, or on a whole core where no share could be set; and which.
pub fn cold_own_ms(
    at_shares: &Result<Vec<AtShare>, String>,
    cold: &[(Binary, Cold)],
) -> (Vec<(Binary, f64)>, &'static str) {
    let millis = |c: &Cold| c.first_own.median().as_secs_f64() * 1000.0;
    match at_shares {
        Ok(rows) => (
            rows.iter()
                .filter(|r| r.memory_mb == memory_size(r.binary))
                .map(|r| (r.binary, millis(&r.cold)))
                .collect(),
            "each function's own cold first answer (median) at its memory's CPU share",
        ),
        Err(_) => (
            cold.iter().map(|(b, c)| (*b, millis(c))).collect(),
            "each function's own cold first answer (median) on a whole core, since no CPU share \
             could be set here (a low estimate)",
        ),
    }
}

/// Each step of `recovery` with its calls from `calls` and its own time
/// from `own_ms` (the function's cold first answer at its memory).
pub fn price<'a>(
    recovery: &'a [Step],
    calls: &[(&'static str, Calls)],
    own_ms: &[(Binary, f64)],
) -> Result<Vec<Priced<'a>>, Error> {
    recovery
        .iter()
        .map(|step| {
            let binary = Binary::Function(step.function);
            let calls = calls
                .iter()
                .find(|(flow, _)| *flow == step.flow)
                .map(|(_, calls)| calls.clone())
                .ok_or_else(|| format!("no calls counted for {}", step.flow))?;
            let own_ms = own_ms
                .iter()
                .find(|(b, _)| *b == binary)
                .map(|(_, ms)| *ms)
                .ok_or_else(|| format!("no cold start of {}", step.flow))?;
            let sends = (calls.ses + calls.sns) as f64;
            let billed_ms =
                (own_ms + calls.dynamodb as f64 * ASSUMED_DYNAMODB_MS + sends * ASSUMED_SEND_MS)
                    .ceil();
            Ok(Priced { step, memory_mb: memory_size(binary), own_ms, calls, billed_ms })
        })
        .collect()
}

/// A million of one recovery, by service, USD.
pub struct Million {
    pub lambda_requests: f64,
    pub lambda_compute: f64,
    pub api: f64,
    pub reads: f64,
    pub writes: f64,
    pub email: f64,
    /// Texts per million recoveries, priced by country.
    pub texts: f64,
}

impl Million {
    pub fn of(steps: &[Priced]) -> Self {
        let sum = |f: &dyn Fn(&Priced) -> f64| 1e6 * steps.iter().map(f).sum::<f64>();
        Self {
            lambda_requests: sum(&|_| USD_PER_REQUEST),
            lambda_compute: sum(&|s| s.gb_seconds() * ARM64_USD_PER_GB_SECOND),
            api: sum(&|s| if s.step.api { API_USD_PER_REQUEST } else { 0.0 }),
            reads: sum(&|s| s.calls.read_units * READ_UNIT_USD),
            writes: sum(&|s| s.calls.write_units * WRITE_UNIT_USD),
            email: sum(&|s| s.calls.ses as f64 * EMAIL_USD),
            texts: sum(&|s| s.calls.sns as f64),
        }
    }

    /// Everything but the texts.
    pub fn total(&self) -> f64 {
        self.lambda_requests
            + self.lambda_compute
            + self.api
            + self.reads
            + self.writes
            + self.email
    }
}

/// Amazon Cognito's monthly fee for `users` monthly active users, by plan
/// (the free 10,000 taken off; Lite in its tiers up to a million).
pub fn cognito(users: f64) -> [(&'static str, f64); 3] {
    let above_free = (users - 10_000.0).max(0.0);
    let lite =
        above_free.min(90_000.0) * 0.0055 + (above_free - 90_000.0).clamp(0.0, 900_000.0) * 0.0046;
    [("Lite", lite), ("Essentials", above_free * 0.015), ("Plus", users * 0.02)]
}

/// The cost section of the report.
pub fn render(
    out: &mut String,
    recoveries: &[(&str, Vec<Priced>)],
    source: &str,
) -> Result<(), Error> {
    writeln!(out, "## What a million recoveries cost")?;
    writeln!(out)?;
    writeln!(
        out,
        "Each step of a recovery as the browser pages take it, with the AWS calls the emulator \
         counted for that step (\"AWS calls per flow\" below) and the DynamoDB request units it \
         sized for them (each item read or written, as DynamoDB on demand bills it: transactions \
         twice). Duration: {source}, plus an assumed {ASSUMED_DYNAMODB_MS} ms per DynamoDB call \
         and {ASSUMED_SEND_MS} ms per SES or SNS send, rounded up to the millisecond; every \
         invocation cold is the upper bound, and at the rate of a password recovery the usual \
         case. Prices: {PRICES_DATED}."
    )?;
    writeln!(out)?;
    for (name, steps) in recoveries {
        writeln!(out, "{name}:")?;
        writeln!(out)?;
        writeln!(
            out,
            "| step | function | memory | own (cold) | DynamoDB calls | read units | write units | SES / SNS | billed |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
        for s in steps {
            writeln!(
                out,
                "| {} | {} | {} MB | {:.1} ms | {} | {} | {} | {} / {} | {:.0} ms |",
                s.step.what,
                s.step.function.name(),
                s.memory_mb,
                s.own_ms,
                s.calls.dynamodb,
                s.calls.read_units,
                s.calls.write_units,
                s.calls.ses,
                s.calls.sns,
                s.billed_ms
            )?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "| a million recoveries | Lambda requests | Lambda GB-s | API Gateway | DynamoDB reads | DynamoDB writes | SES | total | SMS |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    for (name, steps) in recoveries {
        let m = Million::of(steps);
        writeln!(
            out,
            "| {name} | ${:.2} | ${:.2} | ${:.2} | ${:.2} | ${:.2} | ${:.2} | **${:.2}** | {:.0} texts at the country's price |",
            m.lambda_requests,
            m.lambda_compute,
            m.api,
            m.reads,
            m.writes,
            m.email,
            m.total(),
            m.texts
        )?;
    }
    writeln!(out)?;
    let plans = cognito(1e6)
        .iter()
        .map(|(plan, usd)| format!("{plan} ${usd:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        out,
        "Amazon Cognito for the same million users, each active once in the month to reset: \
         {plans}, before its own SES and SNS charges for the same messages."
    )?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(dynamodb: usize, ses: usize, sns: usize, read: f64, write: f64) -> Calls {
        Calls { dynamodb, ses, sns, read_units: read, write_units: write, ..Calls::default() }
    }

    #[test]
    fn a_recovery_is_priced_from_its_calls_and_durations() {
        let table = [
            ("the forgot page", calls(0, 0, 0, 0.0, 0.0)),
            ("forgot by login (email link)", calls(3, 0, 0, 2.0, 8.0)),
            ("deliver one email", calls(2, 1, 0, 0.0, 4.0)),
            ("the reset page", calls(1, 0, 0, 1.0, 0.0)),
            ("set password (with notice)", calls(3, 0, 0, 2.0, 10.0)),
        ];
        let own =
            [RequestReset, VerifyCode, SetPassword, Deliver].map(|f| (Binary::Function(f), 20.0));
        let steps = price(&EMAIL, &table, &own).unwrap();
        assert_eq!(steps.len(), 6);
        // 20 ms own, 2 DynamoDB calls and one send.
        assert_eq!(steps[2].billed_ms, 20.0 + 2.0 * ASSUMED_DYNAMODB_MS + ASSUMED_SEND_MS);
        let million = Million::of(&steps);
        assert!((million.email - 2.0 * 1e6 * EMAIL_USD).abs() < 1e-6);
        assert!((million.api - 4.0).abs() < 1e-9, "four requests through the API");
        assert!((million.lambda_requests - 6.0 * 0.2).abs() < 1e-9);
        let writes = (8.0 + 4.0 + 10.0 + 4.0) * 1e6 * WRITE_UNIT_USD;
        assert!((million.writes - writes).abs() < 1e-6);
        assert_eq!(million.texts, 0.0);
        assert!(price(&PHONE, &table, &own).is_err(), "no text counted");
    }

    #[test]
    fn cognito_is_priced_in_its_tiers() {
        let [lite, essentials, plus] = cognito(1e6);
        assert!((lite.1 - (90_000.0 * 0.0055 + 900_000.0 * 0.0046)).abs() < 1e-6);
        assert!((essentials.1 - 990_000.0 * 0.015).abs() < 1e-6);
        assert!((plus.1 - 20_000.0).abs() < 1e-6);
        assert_eq!(cognito(5_000.0)[0].1, 0.0);
    }
}
