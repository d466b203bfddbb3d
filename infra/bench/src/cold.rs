//! Cold starts: process start to the first poll of the Runtime API (Init
//! Duration), and to the first answer; on a whole core, and at the CPU
//! share Lambda gives a function's memory.

use std::collections::BTreeSet;
use std::time::Duration;

use recovery_edges::config::Function::{
    AdminReset, Deliver, LockAccount, RequestReset, SetPassword, VerifyCode, VerifyCredentials,
};
use serde_json::{Value, json};

use crate::calls::CallLog;
use crate::data::{Actor, pending_email};
use crate::events::{admin, check_code, forgot, http_event, next_phone};
use crate::figures::Sample;
use crate::process::{Binary, Running, memory_size};
use crate::runtime_api::Answer;
use crate::share::{CpuShare, FULL_VCPU_MB};
use crate::{Error, TIMEOUT};

#[derive(Default)]
pub struct Cold {
    pub init: Sample,
    pub first: Sample,
    /// The first answer without the time its AWS calls spent inside the
    /// emulator.
    pub first_own: Sample,
}

/// The first event of a cold start, and the status it is answered with (0:
/// any answer that is not an error).
fn cold_event(binary: Binary, table: &str, table_actor: &Actor) -> Result<(Value, u16), Error> {
    Ok(match binary {
        Binary::Function(RequestReset) => (forgot(&table_actor.login, "192.0.2.4"), 202),
        Binary::Function(VerifyCode) => (check_code(&next_phone(), "123456"), 400),
        Binary::Function(SetPassword) => (
            http_event(
                "GET",
                "/password/reset",
                &format!("token={}", "A".repeat(43)),
                None,
                "192.0.2.4",
            ),
            400,
        ),
        Binary::Function(AdminReset) => {
            (admin("list_audit", &table_actor.login, json!({"limit": 1})), 200)
        }
        // A new reset email, sent through SES.
        Binary::Function(Deliver) => {
            let sdk = tokio::runtime::Handle::current().block_on(system_tests::sdk_config());
            let event = tokio::runtime::Handle::current().block_on(pending_email(
                &sdk,
                table,
                table_actor,
            ))?;
            (event, 0)
        }
        // A failed check, for a login typed once (so that no delay for
        // repeated attempts is ever reached): the work of a wrong password.
        Binary::Function(VerifyCredentials) => {
            (json!({"login": system_tests::unique("cold"), "password": "not the password 1"}), 0)
        }
        // A link that is not one: the key derived, the page in English.
        Binary::Function(LockAccount) => (
            http_event(
                "GET",
                "/password/not-me",
                &format!("token={}", "A".repeat(87)),
                None,
                "192.0.2.4",
            ),
            400,
        ),
        Binary::HelloWorld => (json!({"hello": "world"}), 0),
    })
}

/// Cold starts of every binary on a whole core, taken in turns (one start
/// of each binary, hello-world first, `runs` times), so that a change in
/// the machine's load during the run falls on every binary alike and the
/// ratios to hello-world's hold.
pub fn every_cold_start(
    table: &str,
    actor: &Actor,
    runs: usize,
) -> Result<Vec<(Binary, Cold)>, Error> {
    let mut colds: Vec<(Binary, Cold)> = Binary::all().map(|b| (b, Cold::default())).collect();
    for _ in 0..runs {
        for (binary, cold) in &mut colds {
            cold.start(*binary, table, actor, None)?;
        }
    }
    Ok(colds)
}

impl Cold {
    /// One more cold start of `binary` at `share` (None: its memory on a
    /// whole core).
    fn start(
        &mut self,
        binary: Binary,
        table: &str,
        actor: &Actor,
        share: Option<&CpuShare>,
    ) -> Result<(), Error> {
        let (event, status) = cold_event(binary, table, actor)?;
        let mut log = CallLog::from_now();
        let mut running = Running::start_at(binary, table, share)?;
        let polled = running.api.first_poll(TIMEOUT)?;
        let answer =
            if status == 0 { running.invoke(&event)? } else { running.expect(&event, status)? };
        if binary == Binary::Function(Deliver) {
            sent_one(&running, &answer)?;
        }
        let took = answer.answered_at - running.started;
        let inside = Duration::from_secs_f64(log.calls_of(binary.name()).emulator_ms / 1000.0);
        self.init.0.push(polled - running.started);
        self.first.0.push(took);
        self.first_own.0.push(took.saturating_sub(inside));
        Ok(())
    }
}

/// A deliver answer that hands nothing back: the message went out.
pub fn sent_one(running: &Running, answer: &Answer) -> Result<(), Error> {
    if answer.json() == json!({"batchItemFailures": []}) {
        Ok(())
    } else {
        Err(running.unexpected("a batch item failure", answer))
    }
}

/// Cold starts of one binary at one memory size's CPU share.
pub struct AtShare {
    pub binary: Binary,
    pub memory_mb: u32,
    pub cold: Cold,
}

/// Cold starts of every binary at its configured memory's CPU share, at
/// 128 MB and at 1,769 MB (the baseline at each of those sizes); the
/// inner `Err` says why no CPU share could be set here. The starts are
/// taken in turns (each binary at each share once, hello-world first,
/// round after round), each in a cgroup of its own whose quota is whole
/// as it starts, as a new sandbox's is: in a shared one a start would
/// begin with what the one before it left of the period's quota.
pub fn at_shares(
    table: &str,
    actor: &Actor,
    runs: usize,
) -> Result<Result<Vec<AtShare>, String>, Error> {
    // Each function at 128 MB, its own memory and 1,769 MB; hello-world at
    // every one of those, the baseline of each row.
    let functions = Binary::all().filter(|b| *b != Binary::HelloWorld);
    let every: BTreeSet<u32> = functions.map(memory_size).chain([128, 256, FULL_VCPU_MB]).collect();
    let mut rows = Vec::new();
    for binary in Binary::all() {
        let memories = match binary {
            Binary::HelloWorld => every.clone(),
            _ => BTreeSet::from([128, memory_size(binary), FULL_VCPU_MB]),
        };
        rows.extend(memories.into_iter().map(|memory_mb| AtShare {
            binary,
            memory_mb,
            cold: Cold::default(),
        }));
    }
    for _ in 0..runs {
        for row in &mut rows {
            let share = match CpuShare::create(row.memory_mb) {
                Ok(share) => share,
                Err(why) => return Ok(Err(why)),
            };
            row.cold.start(row.binary, table, actor, Some(&share))?;
        }
    }
    Ok(Ok(rows))
}
