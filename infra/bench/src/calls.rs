//! The AWS calls each flow makes, counted at the emulator by the
//! `app/<function>` tag in each request's user agent.

use recovery_edges::config::Function::{
    AdminReset, Deliver, RequestReset, SetPassword, VerifyCode,
};
use serde_json::{Value, json};
use system_tests::{emulator, unique};

use crate::Error;
use crate::cold::sent_one;
use crate::data::{Actor, latest_code, pending_message};
use crate::events::{admin, check_code, forgot, http_event, new_password, next_phone, page};
use crate::process::Running;
use crate::runtime_api::Answer;

#[derive(Debug, Default, Clone)]
pub struct Calls {
    pub dynamodb: usize,
    pub ses: usize,
    pub sns: usize,
    pub dynamodb_actions: Vec<String>,
    /// DynamoDB on-demand read and write request units, as the emulator
    /// sized the items each call touched.
    pub read_units: f64,
    pub write_units: f64,
    /// Time spent inside the emulator.
    pub emulator_ms: f64,
}

impl Calls {
    /// Whether two flows made the same calls (whatever they took).
    /// The same calls, in any order (calls made at once, as a delivery's
    /// claim and its check of the link or code, arrive in either).
    pub fn same_as(&self, other: &Calls) -> bool {
        let sorted = |actions: &[String]| {
            let mut actions = actions.to_vec();
            actions.sort();
            actions
        };
        (self.dynamodb, self.ses, self.sns, sorted(&self.dynamodb_actions))
            == (other.dynamodb, other.ses, other.sns, sorted(&other.dynamodb_actions))
    }

    pub fn summary(&self) -> String {
        format!("{} / {} / {}", self.dynamodb, self.ses, self.sns)
    }
}

/// The emulator's call log, read on from where the last read stopped.
pub struct CallLog {
    offset: usize,
}

impl CallLog {
    pub fn from_now() -> Self {
        let offset = std::fs::metadata(&emulator().calls).map_or(0, |m| m.len() as usize);
        Self { offset }
    }

    /// The calls `app` made since the last read.
    pub fn calls_of(&mut self, app: &str) -> Calls {
        use std::io::{Read, Seek, SeekFrom};
        let mut new = Vec::new();
        if let Ok(mut file) = std::fs::File::open(&emulator().calls) {
            let _ = file.seek(SeekFrom::Start(self.offset as u64));
            let _ = file.read_to_end(&mut new);
        }
        // Only whole lines; a partly written one is read next time.
        let end = new.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.offset += end;
        let mut calls = Calls::default();
        for line in new[..end].split(|&b| b == b'\n') {
            let Ok(call) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            if call["app"] != app {
                continue;
            }
            calls.emulator_ms += call["ms"].as_f64().unwrap_or(0.0);
            match call["service"].as_str().unwrap_or("") {
                "dynamodb" => {
                    calls.dynamodb += 1;
                    calls.read_units += call["rru"].as_f64().unwrap_or(0.0);
                    calls.write_units += call["wru"].as_f64().unwrap_or(0.0);
                    calls.dynamodb_actions.push(call["action"].as_str().unwrap_or("").to_owned());
                }
                "ses" => calls.ses += 1,
                "sns" => calls.sns += 1,
                _ => {}
            }
        }
        calls
    }
}

/// The AWS requests `app` made while `run` ran, from the emulator's log.
fn counting<T>(app: &str, run: impl FnOnce() -> Result<T, Error>) -> Result<(T, Calls), Error> {
    let mut log = CallLog::from_now();
    let value = run()?;
    Ok((value, log.calls_of(app)))
}

/// Each flow once through the real binaries on `table`.
pub fn calls_per_flow(table: &str, ada: &Actor) -> Result<Vec<(&'static str, Calls)>, Error> {
    let mut request = Running::start(RequestReset, table)?;
    let mut verify = Running::start(VerifyCode, table)?;
    let mut set = Running::start(SetPassword, table)?;
    let mut admin_reset = Running::start(AdminReset, table)?;
    let mut rows = Vec::new();
    // Warm each one up: a cold start makes no extra AWS calls, but keep the
    // counts about the flows.
    for running in [&mut request, &mut verify, &mut set] {
        running.invoke(&http_event("GET", "/password/forgot", "", None, "192.0.2.9"))?;
    }
    admin_reset.invoke(&json!({}))?;

    let email = format!("{}@recovery.test", ada.login);
    let r = RequestReset.name();
    rows.push((
        "the forgot page",
        counting(r, || request.expect(&page("/password/forgot", ""), 200))?.1,
    ));
    rows.push((
        "forgot by login (email link)",
        counting(r, || request.expect(&forgot(&ada.login, "192.0.2.2"), 202))?.1,
    ));
    rows.push((
        "forgot by email (email link)",
        counting(r, || request.expect(&forgot(&email, "192.0.2.2"), 202))?.1,
    ));
    rows.push((
        "forgot, unknown login",
        counting(r, || request.expect(&forgot(&unique("nobody"), "192.0.2.2"), 202))?.1,
    ));
    rows.push((
        "forgot by phone (SMS code)",
        counting(r, || request.expect(&forgot(&ada.phone, "192.0.2.3"), 202))?.1,
    ));
    rows.push((
        "forgot, unknown phone",
        counting(r, || request.expect(&forgot(&next_phone(), "192.0.2.3"), 202))?.1,
    ));
    let code = latest_code(table, &ada.phone)?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let v = VerifyCode.name();
    rows.push((
        "code check, wrong code",
        counting(v, || verify.expect(&check_code(&ada.phone, wrong), 400))?.1,
    ));
    rows.push((
        "the code page",
        counting(v, || {
            verify.expect(&page("/password/code", &format!("phone={}", ada.phone)), 200)
        })?
        .1,
    ));
    let (answer, calls) = counting(v, || verify.expect(&check_code(&ada.phone, &code), 200))?;
    rows.push(("code check, right code", calls));
    let token = token_of(&answer)?;
    rows.push((
        "the reset page",
        counting(SetPassword.name(), || {
            set.expect(&page("/password/reset", &format!("token={token}")), 200)
        })?
        .1,
    ));
    rows.push((
        "set password (with notice)",
        counting(SetPassword.name(), || {
            set.expect(&new_password(&token, "a new password 1"), 200)
        })?
        .1,
    ));
    let a = AdminReset.name();
    rows.push((
        "admin: send recovery link",
        counting(a, || {
            admin_reset
                .expect(&admin("send_recovery_link", &ada.login, json!({"channel": "email"})), 200)
        })?
        .1,
    ));
    rows.push((
        "admin: set password",
        counting(a, || {
            admin_reset.expect(
                &admin(
                    "set_password",
                    &ada.login,
                    json!({"password": "an admin password 1", "password_confirmation": "an admin password 1"}),
                ),
                200,
            )
        })?
        .1,
    ));
    let mut deliver = Running::start(Deliver, table)?;
    deliver.invoke(&json!({"Records": []}))?;
    let handle = tokio::runtime::Handle::current();
    let sdk = handle.block_on(system_tests::sdk_config());
    // One reset message of each kind, as the stream hands it over.
    for (flow, identifier) in [("deliver one email", &ada.login), ("deliver one text", &ada.phone)]
    {
        let event = handle.block_on(pending_message(&sdk, table, ada, identifier))?;
        rows.push((
            flow,
            counting(Deliver.name(), || {
                let answer = deliver.invoke(&event)?;
                sent_one(&deliver, &answer)
            })?
            .1,
        ));
    }
    Ok(rows)
}

pub fn token_of(answer: &Answer) -> Result<String, Error> {
    let body: Value = serde_json::from_str(answer.json()["body"].as_str().unwrap_or("{}"))?;
    body["reset_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no reset_token in {body}").into())
}
