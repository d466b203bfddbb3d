//! Warm latency of each flow, split into the time inside the emulator and
//! the function's own, and the peak memory after it.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use recovery_edges::config::Function::{
    AdminReset, Deliver, RequestReset, SetPassword, VerifyCode, VerifyCredentials,
};
use serde_json::json;

use crate::calls::{CallLog, token_of};
use crate::cold::sent_one;
use crate::data::{Actor, WARM_CODE, pending_email, store_codes};
use crate::events::{address, admin, check_code, forgot, new_password};
use crate::figures::Sample;
use crate::process::{Binary, Running};
use crate::runtime_api::Answer;
use crate::{Error, PASSWORD};

pub struct Warm {
    pub flow: &'static str,
    pub function: &'static str,
    pub latency: Sample,
    /// Per event, the time its AWS calls spent inside the emulator.
    pub emulator: Sample,
    /// Per event, the rest: the function, the SDK, the network stack.
    pub own: Sample,
    pub peak_rss_kib: Option<u64>,
}

pub fn warm_runs(
    sdk: &SdkConfig,
    table: &str,
    actors: &[Actor],
    n: usize,
) -> Result<Vec<Warm>, Error> {
    let mut rows = Vec::new();
    let ada = &actors[0];
    let mut measure = |flow: &'static str,
                       running: &mut Running,
                       events: &mut dyn FnMut(usize, &mut Running) -> Result<Answer, Error>|
     -> Result<(), Error> {
        let (mut took, mut inside, mut own) = (vec![], vec![], vec![]);
        let mut log = CallLog::from_now();
        for i in 0..n {
            let latency = events(i, running)?.took();
            let emulator =
                Duration::from_secs_f64(log.calls_of(running.binary.name()).emulator_ms / 1000.0);
            took.push(latency);
            inside.push(emulator);
            own.push(latency.saturating_sub(emulator));
        }
        rows.push(Warm {
            flow,
            function: running.binary.name(),
            latency: Sample(took),
            emulator: Sample(inside),
            own: Sample(own),
            peak_rss_kib: running.peak_rss_kib(),
        });
        Ok(())
    };

    let mut hello = Running::start(Binary::HelloWorld, table)?;
    measure("echo (baseline)", &mut hello, &mut |_, r| r.invoke(&json!({"hello": "world"})))?;

    let mut request = Running::start(RequestReset, table)?;
    measure("forgot by login (email link)", &mut request, &mut |_, r| {
        r.expect(&forgot(&ada.login, "192.0.2.5"), 202)
    })?;
    let mut request = Running::start(RequestReset, table)?;
    measure("forgot, unknown login", &mut request, &mut |i, r| {
        r.expect(&forgot(&format!("nobody-{i}"), "192.0.2.5"), 202)
    })?;
    let mut request = Running::start(RequestReset, table)?;
    measure("forgot by phone (SMS code)", &mut request, &mut |i, r| {
        r.expect(&forgot(&actors[1 + i].phone, &address(i)), 202)
    })?;

    let handle = tokio::runtime::Handle::current();
    handle.block_on(store_codes(sdk, table, &actors[1..=n]))?;
    let mut tokens = Vec::with_capacity(n);
    let mut verify = Running::start(VerifyCode, table)?;
    measure("code check, right code", &mut verify, &mut |i, r| {
        let answer = r.expect(&check_code(&actors[1 + i].phone, WARM_CODE), 200)?;
        tokens.push(token_of(&answer)?);
        Ok(answer)
    })?;

    let mut set = Running::start(SetPassword, table)?;
    measure("set password (with notice)", &mut set, &mut |i, r| {
        r.expect(&new_password(&tokens[i], &format!("{PASSWORD} {i}")), 200)
    })?;

    let mut admin_reset = Running::start(AdminReset, table)?;
    measure("admin: send recovery link", &mut admin_reset, &mut |_, r| {
        r.expect(&admin("send_recovery_link", &ada.login, json!({"channel": "email"})), 200)
    })?;

    let mut deliver = Running::start(Deliver, table)?;
    measure("deliver a reset email", &mut deliver, &mut |_, r| {
        let event = handle.block_on(pending_email(sdk, table, ada))?;
        let answer = r.invoke(&event)?;
        sent_one(r, &answer)?;
        Ok(answer)
    })?;
    // The sign-in check: a wrong password for an account and an unknown
    // login, alternating in one process so that both meet the same noise
    // (each login typed once: no delay is ever reached).
    let mut signin = Running::start(VerifyCredentials, table)?;
    let (mut wrong, mut unknown) = (Timed::default(), Timed::default());
    let mut log = CallLog::from_now();
    for i in 0..n {
        for (timed, login) in
            [(&mut wrong, actors[1 + i].login.clone()), (&mut unknown, format!("nobody-{i}"))]
        {
            let event = json!({"login": login, "password": "not the password 1"});
            let answer = signin.invoke(&event)?;
            if answer.json() != json!({"valid": false}) {
                return Err(format!("sign-in check: {}", answer.json()).into());
            }
            timed.push(answer.took(), &mut log, signin.binary.name());
        }
    }
    let peak_rss_kib = signin.peak_rss_kib();
    for (flow, timed) in
        [("sign-in check, wrong password", wrong), ("sign-in check, unknown login", unknown)]
    {
        rows.push(timed.into_row(flow, signin.binary.name(), peak_rss_kib));
    }

    Ok(rows)
}

/// Latencies of one flow measured among others, split as `measure` does.
#[derive(Default)]
struct Timed {
    took: Vec<Duration>,
    inside: Vec<Duration>,
    own: Vec<Duration>,
}

impl Timed {
    fn push(&mut self, latency: Duration, log: &mut CallLog, function: &str) {
        let emulator = Duration::from_secs_f64(log.calls_of(function).emulator_ms / 1000.0);
        self.took.push(latency);
        self.inside.push(emulator);
        self.own.push(latency.saturating_sub(emulator));
    }

    fn into_row(self, flow: &'static str, function: &'static str, rss: Option<u64>) -> Warm {
        Warm {
            flow,
            function,
            latency: Sample(self.took),
            emulator: Sample(self.inside),
            own: Sample(self.own),
            peak_rss_kib: rss,
        }
    }
}

pub async fn get_item_round_trip(sdk: &SdkConfig, table: &str, n: usize) -> Result<Sample, Error> {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        client
            .get_item()
            .table_name(table)
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("USER#none".into()))
            .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("USER".into()))
            .consistent_read(true)
            .send()
            .await?;
        took.push(started.elapsed());
    }
    Ok(Sample(took))
}
