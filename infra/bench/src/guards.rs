//! What the guards against bots and bills add to a request: each flow warm
//! with its guard off and on, two processes of the function alternating
//! event by event (so that both meet the same noise), own time (latency
//! less the time inside the emulator and the range API's stand-in).

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use recovery_edges::config::Function::{Deliver, RequestReset, SetPassword, VerifyCode};
use serde_json::Value;

use crate::calls::{CallLog, token_of};
use crate::cold::sent_one;
use crate::data::{Actor, WARM_CODE, pending_message, store_codes};
use crate::events::{address, check_code, forgot, new_password};
use crate::figures::Sample;
use crate::process::Running;
use crate::runtime_api::Answer;
use crate::{Error, PASSWORD};

pub struct Added {
    pub check: &'static str,
    pub flow: &'static str,
    pub off: Sample,
    pub on: Sample,
}

/// `n` events of one flow into `off` and `on`, alternating; `event` makes
/// the `i`th event of each (and checks its answer).
pub(crate) fn alternate(
    (off, on): (&mut Running, &mut Running),
    n: usize,
    event: &mut dyn FnMut(usize, bool, &mut Running) -> Result<Answer, Error>,
) -> Result<(Sample, Sample), Error> {
    let (mut own_off, mut own_on) = (Vec::new(), Vec::new());
    let mut log = CallLog::from_now();
    for i in 0..n {
        for (guarded, running, own) in
            [(false, &mut *off, &mut own_off), (true, &mut *on, &mut own_on)]
        {
            let answer = event(i, guarded, running)?;
            let inside = log.calls_of(running.binary.name()).emulator_ms / 1000.0;
            own.push(answer.took().saturating_sub(Duration::from_secs_f64(inside)));
        }
    }
    Ok((Sample(own_off), Sample(own_on)))
}

pub fn guards(
    sdk: &SdkConfig,
    table: &str,
    actors: &[Actor],
    n: usize,
) -> Result<Vec<Added>, Error> {
    let mut rows = Vec::new();

    // The challenge check: each request counted on its route, the route's
    // rate looked at (every ten seconds), the counters' pressure weighed.
    let challenge = [("CHALLENGE_AT_PERCENT", "50"), ("CHALLENGE_ROUTE_MULTIPLE", "5")];
    let mut off = Running::start(RequestReset, table)?;
    let mut on = Running::start_with(RequestReset.into(), table, None, &challenge)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, guarded, r| {
        let login = format!("guard-{}-{i}", u8::from(guarded));
        r.expect(&forgot(&login, &address(10_000 + i)), 202)
    })?;
    rows.push(Added { check: "challenge check", flow: "forgot, unknown login", off: a, on: b });

    // The SMS budget: each text counted against the day's and the month's
    // budgets (and the holds on texts read in either case).
    let budget = [("SMS_DAILY_BUDGET_USD", "25"), ("SMS_MONTHLY_BUDGET_USD", "250")];
    let mut off = Running::start(Deliver, table)?;
    let mut on = Running::start_with(Deliver.into(), table, None, &budget)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, _, r| {
        deliver_code(sdk, table, &actors[1 + i], r)
    })?;
    rows.push(Added { check: "SMS budget check", flow: "deliver a code by SMS", off: a, on: b });

    // The breach check: a round trip to the range API (the local stand-in).
    let stand_in = format!("{}/range/", system_tests::range_stand_in().base);
    let mut verify = Running::start(VerifyCode, table)?;
    let mut off = Running::start(SetPassword, table)?;
    let mut on = Running::start_with(
        SetPassword.into(),
        table,
        None,
        &[("BREACHED_PASSWORDS_URL", &stand_in)],
    )?;
    let started = Instant::now();
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, guarded, r| {
        let password = format!("{PASSWORD} guarded {i} {}", u8::from(guarded));
        set_by_code(sdk, table, &actors[1 + i], &mut verify, r, &password)
    })?;
    eprintln!("bench: the breach check's runs took {:?}", started.elapsed());
    rows.push(Added { check: "breached-password check", flow: "set password", off: a, on: b });
    Ok(rows)
}

/// Hands `actor`'s newest code text to deliver (`r`), which sends it.
pub(crate) fn deliver_code(
    sdk: &SdkConfig,
    table: &str,
    actor: &Actor,
    r: &mut Running,
) -> Result<Answer, Error> {
    let handle = tokio::runtime::Handle::current();
    let event: Value = handle.block_on(pending_message(sdk, table, actor, &actor.phone))?;
    let answer = r.invoke(&event)?;
    sent_one(r, &answer)?;
    Ok(answer)
}

/// Sets `password` for `actor` through set-password (`r`), with a link of
/// its own by a code checked at `verify` (the one before is used).
pub(crate) fn set_by_code(
    sdk: &SdkConfig,
    table: &str,
    actor: &Actor,
    verify: &mut Running,
    r: &mut Running,
    password: &str,
) -> Result<Answer, Error> {
    let handle = tokio::runtime::Handle::current();
    handle.block_on(store_codes(sdk, table, std::slice::from_ref(actor)))?;
    let token = token_of(&verify.expect(&check_code(&actor.phone, WARM_CODE), 200)?)?;
    r.expect(&new_password(&token, password), 200)
}

/// The report's section on `rows`, in Markdown.
pub fn section(rows: &[Added]) -> String {
    let Some(first) = rows.first() else { return String::new() };
    let mut out = format!(
        "## What the guards add\n\n\
         Each flow warm with its guard off and on: two processes of the function alternating \
         event by event, {} events each, own time (latency less the emulator's time; the \
         breach check's round trip to the local stand-in of the range API is in its own time, \
         as the real API's would be). The SMS budget adds two conditional writes of a shard \
         (the day's and the month's); the challenge check one write of the route's shard and, \
         every ten seconds, a look at the route; the breach check one HTTP request.\n\n\
         | guard | flow | own time off, median | on, median | added | on ÷ off |\n\
         |---|---|---|---|---|---|\n",
        first.off.0.len()
    );
    out.push_str(&rows_table(rows, true));
    out.push('\n');
    out
}

/// The rows of a table of `rows`, each led by its check when `checks`.
pub(crate) fn rows_table(rows: &[Added], checks: bool) -> String {
    use crate::figures::{ms, ratio};
    let mut out = String::new();
    for row in rows {
        let (off, on) = (row.off.median(), row.on.median());
        let added = on.as_secs_f64() - off.as_secs_f64();
        let check = if checks { format!("| {} ", row.check) } else { String::new() };
        out.push_str(&format!(
            "{check}| {} | {} | {} | {:+.2} ms | {:.2}× |\n",
            row.flow,
            ms(off),
            ms(on),
            added * 1000.0,
            ratio(on, off)
        ));
    }
    out
}
