//! The holds on texts: listed and lifted by the deployment's
//! administrators.

use recovery_admin_api::{AdminRequest, AdminResponse, Done, SmsSuspension};
use recovery_core::flows::{Administration, Requester};
use recovery_core::ports::{SmsHold, SmsHoldOn};

use super::EventError;
use super::answers::iso8601_seconds;

/// `budget`, or a calling code (`+44`).
fn on(text: &str) -> Result<SmsHoldOn, EventError> {
    if text == "budget" {
        return Ok(SmsHoldOn::Budget);
    }
    text.strip_prefix('+')
        .filter(|digits| {
            (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        })
        .and_then(|digits| digits.parse().ok())
        .map(SmsHoldOn::Country)
        .ok_or_else(|| {
            EventError::Invalid("The field `on` is `budget` or a calling code, such as +44.".into())
        })
}

fn name(on: SmsHoldOn) -> String {
    match on {
        SmsHoldOn::Budget => "budget".into(),
        SmsHoldOn::Country(code) => format!("+{code}"),
    }
}

fn entry(hold: &SmsHold, now: recovery_domain::Timestamp) -> SmsSuspension {
    SmsSuspension {
        on: name(hold.on),
        reason: hold.reason.clone(),
        since: iso8601_seconds(hold.since),
        until: iso8601_seconds(hold.until),
        live: hold.live_at(now),
    }
}

pub(super) async fn execute(
    recovery: &Administration,
    by: &Requester,
    request: AdminRequest,
) -> Result<AdminResponse, EventError> {
    Ok(match request {
        AdminRequest::ListSmsSuspensions {} => {
            let holds = recovery.list_sms_suspensions(by).await?;
            let now = recovery.now();
            AdminResponse::Suspensions {
                suspensions: holds.iter().map(|h| entry(h, now)).collect(),
            }
        }
        AdminRequest::LiftSmsSuspension { on: text } => {
            let on = on(&text)?;
            recovery.lift_sms_suspension(by, on).await?;
            AdminResponse::Done(Done::SuspensionLifted { on: name(on) })
        }
        _ => return Err(EventError::Invalid("Not an SMS action.".into())),
    })
}
