//! Cold starts: process start to the first poll of the Runtime API (Init
//! Duration), and to the first answer.

use password_recovery::config::Function::{
    AdminReset, Deliver, RequestReset, SetPassword, VerifyCode,
};
use serde_json::{Value, json};

use crate::data::Actor;
use crate::events::{admin, check_code, forgot, http_event, next_phone};
use crate::figures::Sample;
use crate::process::{Binary, Running};
use crate::{Error, TIMEOUT};

pub struct Cold {
    pub init: Sample,
    pub first: Sample,
}

fn cold_event(binary: Binary, table_actor: &Actor) -> (Value, u16) {
    match binary {
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
        // An empty batch: the cold start and the runtime, no message yet.
        Binary::Function(Deliver) => (json!({"Records": []}), 0),
        Binary::HelloWorld => (json!({"hello": "world"}), 0),
    }
}

pub fn cold_starts(binary: Binary, table: &str, actor: &Actor, runs: usize) -> Result<Cold, Error> {
    let (mut init, mut first) = (Vec::new(), Vec::new());
    let (event, status) = cold_event(binary, actor);
    for _ in 0..runs {
        let mut running = Running::start(binary, table)?;
        let polled = running.api.first_poll(TIMEOUT)?;
        let answer = if status == 0 {
            running.invoke(&event)?
        } else {
            running.expect(&event, status)?
        };
        init.push(polled - running.started);
        first.push(answer.answered_at - running.started);
    }
    Ok(Cold {
        init: Sample(init),
        first: Sample(first),
    })
}
