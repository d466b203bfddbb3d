//! What writing the recovery funnel's metrics (EMF lines on stdout) adds
//! to a function's warm own time: a flow of each function that counts
//! (lock-account's lock needs a notice's link per event, and is left
//! out) with `METRICS_NAMESPACE=off` and with metrics, two processes
//! alternating event by event. The day's
//! tally (an UpdateItem) is written in both: its time is the emulator's,
//! outside own time, and priced with the other calls.

use aws_config::SdkConfig;
use recovery_edges::config::Function::{
    AdminReset, Deliver, RequestReset, SetPassword, VerifyCode, VerifyCredentials,
};
use serde_json::json;

use crate::Error;
use crate::PASSWORD;
use crate::data::{Actor, WARM_CODE, store_codes};
use crate::events::{address, admin, check_code, forgot};
use crate::guards::{Added, alternate, deliver_code, set_by_code};
use crate::process::Running;

const OFF: [(&str, &str); 1] = [("METRICS_NAMESPACE", "off")];

pub fn metrics(
    sdk: &SdkConfig,
    table: &str,
    actors: &[Actor],
    n: usize,
) -> Result<Vec<Added>, Error> {
    let handle = tokio::runtime::Handle::current();
    let mut rows = Vec::new();

    // A code asked for by phone: Requested. A number gets one code until
    // it expires: each process asks for numbers of its own (half as many
    // events).
    let mut off = Running::start_with(RequestReset.into(), table, None, &OFF)?;
    let mut on = Running::start(RequestReset, table)?;
    let (a, b) = alternate((&mut off, &mut on), n / 2, &mut |i, with, r| {
        let actor = &actors[1 + 2 * i + usize::from(with)];
        r.expect(&forgot(&actor.phone, &address(20_000 + i)), 202)
    })?;
    rows.push(Added { check: "metrics", flow: "forgot by phone", off: a, on: b });

    // A sign-in check: SignInCheck (no tally).
    let mut off = Running::start_with(VerifyCredentials.into(), table, None, &OFF)?;
    let mut on = Running::start(VerifyCredentials, table)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, with, r| {
        let login = format!("nobody-metrics-{i}-{}", u8::from(with));
        let answer = r.invoke(&json!({"login": login, "password": "not the password 1"}))?;
        if answer.json() != json!({"valid": false}) {
            return Err(format!("sign-in check: {}", answer.json()).into());
        }
        Ok(answer)
    })?;
    rows.push(Added { check: "metrics", flow: "sign-in check, unknown login", off: a, on: b });

    // An administrator's link: Requested.
    let mut off = Running::start_with(AdminReset.into(), table, None, &OFF)?;
    let mut on = Running::start(AdminReset, table)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |_, _, r| {
        r.expect(&admin("send_recovery_link", &actors[0].login, json!({"channel": "email"})), 200)
    })?;
    rows.push(Added { check: "metrics", flow: "admin: send recovery link", off: a, on: b });

    // A code entered right: CodeAccepted and CodeEntered.
    let mut off = Running::start_with(VerifyCode.into(), table, None, &OFF)?;
    let mut on = Running::start(VerifyCode, table)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, _, r| {
        let actor = &actors[1 + i];
        handle.block_on(store_codes(sdk, table, std::slice::from_ref(actor)))?;
        r.expect(&check_code(&actor.phone, WARM_CODE), 200)
    })?;
    rows.push(Added { check: "metrics", flow: "verify a code", off: a, on: b });

    // A new password: PasswordSet and TimeToRecover.
    let mut verify = Running::start(VerifyCode, table)?;
    let mut off = Running::start_with(SetPassword.into(), table, None, &OFF)?;
    let mut on = Running::start(SetPassword, table)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, with, r| {
        let password = format!("{PASSWORD} counted {i} {}", u8::from(with));
        set_by_code(sdk, table, &actors[1 + i], &mut verify, r, &password)
    })?;
    rows.push(Added { check: "metrics", flow: "set password", off: a, on: b });

    // A code by SMS: Sent, and the text's segments and cost.
    let mut off = Running::start_with(Deliver.into(), table, None, &OFF)?;
    let mut on = Running::start(Deliver, table)?;
    let (a, b) = alternate((&mut off, &mut on), n, &mut |i, _, r| {
        deliver_code(sdk, table, &actors[1 + i], r)
    })?;
    rows.push(Added { check: "metrics", flow: "deliver a code by SMS", off: a, on: b });
    Ok(rows)
}

/// The report's section on `rows`, in Markdown.
pub fn section(rows: &[Added]) -> String {
    let Some(most) = rows.iter().map(|row| row.off.0.len()).max() else { return String::new() };
    let mut out = format!(
        "## What the metrics add\n\n\
         A counted flow of each function (lock-account's lock needs a notice's link each time, \
         and is left out) with `METRICS_NAMESPACE=off` and with the metrics on: two processes \
         of the function alternating event by event, {most} events each (forgot by phone half \
         as many: a number gets one code until it expires, so each process asks for numbers of \
         its own), own time. The metrics are EMF lines on stdout; the day's tally is written in \
         both.\n\n\
         | flow | own time off, median | on, median | added | on ÷ off |\n\
         |---|---|---|---|---|\n"
    );
    out.push_str(&crate::guards::rows_table(rows, false));
    out.push('\n');
    out
}
