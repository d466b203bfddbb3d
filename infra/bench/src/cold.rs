//! Cold starts: process start to the first poll of the Runtime API (Init
//! Duration), and to the first answer.

use password_recovery::config::Function::{
    AdminReset, Deliver, LockAccount, RequestReset, SetPassword, VerifyCode, VerifyCredentials,
};
use serde_json::{Value, json};

use crate::data::{Actor, pending_email};
use crate::events::{admin, check_code, forgot, http_event, next_phone};
use crate::figures::Sample;
use crate::process::{Binary, Running};
use crate::runtime_api::Answer;
use crate::{Error, TIMEOUT};

pub struct Cold {
    pub init: Sample,
    pub first: Sample,
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
        Binary::Function(AdminReset) => (
            admin("list_audit", &table_actor.login, json!({"limit": 1})),
            200,
        ),
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
        // A wrong password: the check a sign-in backend makes most.
        Binary::Function(VerifyCredentials) => (
            json!({"login": table_actor.login, "password": "not the password 1"}),
            0,
        ),
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

pub fn cold_starts(binary: Binary, table: &str, actor: &Actor, runs: usize) -> Result<Cold, Error> {
    let (mut init, mut first) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (event, status) = cold_event(binary, table, actor)?;
        let mut running = Running::start(binary, table)?;
        let polled = running.api.first_poll(TIMEOUT)?;
        let answer = if status == 0 {
            running.invoke(&event)?
        } else {
            running.expect(&event, status)?
        };
        if binary == Binary::Function(Deliver) {
            sent_one(&running, &answer)?;
        }
        init.push(polled - running.started);
        first.push(answer.answered_at - running.started);
    }
    Ok(Cold {
        init: Sample(init),
        first: Sample(first),
    })
}

/// A deliver answer that hands nothing back: the message went out.
pub fn sent_one(running: &Running, answer: &Answer) -> Result<(), Error> {
    if answer.json() == json!({"batchItemFailures": []}) {
        Ok(())
    } else {
        Err(running.unexpected("a batch item failure", answer))
    }
}
