//! SES event publishing, read back: what SES reports about an email it took
//! (delivery, bounce, complaint, rejection), as its configuration set's
//! event destination publishes it to SNS. The email carries two message
//! tags naming its outbox message; SES returns every tag with each event.
//!
//! The event's shape is the one AWS documents ("Examples of event data that
//! Amazon SES publishes to Amazon SNS"); `tests/fixtures/ses/` holds
//! those examples with this service's tags.

use serde_json::Value;

use recovery_core::ports::{DeliveryReport, Feedback, MessageRef};
use recovery_domain::{EmailAddress, UserId, parse_iso8601};
use recovery_messages::MessageKind;

/// The tag naming the message's account.
pub const USER_TAG: &str = "recovery-user";
/// The tag naming the message's key among the account's messages.
pub const MESSAGE_TAG: &str = "recovery-message";

/// The longest detail kept from a report (an SMTP answer can be long).
const MAX_DETAIL: usize = 200;

/// The tag naming the message's kind (`ResetLink`), for the funnel.
pub const KIND_TAG: &str = "recovery-kind";

/// The message tags for `reference`. SES allows letters, digits, `_` and
/// `-` in a tag value: the key's `#` goes as `-` (neither part of a key
/// holds a `-`).
pub fn message_tags(reference: &MessageRef) -> Vec<(&'static str, String)> {
    let mut tags = vec![
        (USER_TAG, reference.user_id.as_str().to_owned()),
        (MESSAGE_TAG, reference.key.replacen('#', "-", 1)),
    ];
    if let Some(kind) = reference.kind {
        tags.push((KIND_TAG, kind.name().to_owned()));
    }
    tags
}

/// The outbox message an SES event's tags name.
fn message_from_tags(tags: &Value) -> Option<MessageRef> {
    let tag = |name: &str| tags[name][0].as_str().filter(|v| !v.is_empty());
    let user_id = tag(USER_TAG)?;
    let key = tag(MESSAGE_TAG)?;
    let tag_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !user_id.chars().all(tag_char) || !key.chars().all(tag_char) {
        return None;
    }
    let kind = tag(KIND_TAG).and_then(MessageKind::from_name);
    Some(MessageRef { user_id: UserId::from_stored(user_id), key: key.replacen('-', "#", 1), kind })
}

/// The report in an SES event (the JSON of the SNS message), or `None` for
/// an event of another type, without this service's tags, or malformed.
pub fn delivery_report_from_ses_event(event: &Value) -> Option<DeliveryReport> {
    let mail = &event["mail"];
    let message = message_from_tags(&mail["tags"])?;
    let provider_id = mail["messageId"].as_str()?.to_owned();
    let first = |list: &Value, field: Option<&str>| {
        let entry = &list[0];
        let text = match field {
            Some(field) => entry[field].as_str(),
            None => entry.as_str(),
        };
        text.and_then(|t| EmailAddress::parse(t).ok())
    };
    let (feedback, at, recipient, detail) = match event["eventType"].as_str()? {
        "Delivery" => {
            let delivery = &event["delivery"];
            (
                Feedback::Delivered,
                delivery["timestamp"].as_str(),
                first(&delivery["recipients"], None),
                delivery["smtpResponse"].as_str().unwrap_or("").to_owned(),
            )
        }
        "Bounce" => {
            let bounce = &event["bounce"];
            let kind = bounce["bounceType"].as_str().unwrap_or("Undetermined");
            let feedback =
                if kind == "Permanent" { Feedback::Bounced } else { Feedback::SoftBounced };
            let recipients = &bounce["bouncedRecipients"];
            let mut detail =
                format!("{kind}/{}", bounce["bounceSubType"].as_str().unwrap_or("Undetermined"));
            if let Some(status) = recipients[0]["status"].as_str() {
                detail = format!("{detail} {status}");
            }
            (
                feedback,
                bounce["timestamp"].as_str(),
                first(recipients, Some("emailAddress")),
                detail,
            )
        }
        "Complaint" => {
            let complaint = &event["complaint"];
            let kind = complaint["complaintFeedbackType"]
                .as_str()
                .or(complaint["complaintSubType"].as_str())
                .unwrap_or("complaint");
            (
                Feedback::Complained,
                complaint["timestamp"].as_str(),
                first(&complaint["complainedRecipients"], Some("emailAddress")),
                kind.to_owned(),
            )
        }
        "Reject" => (
            Feedback::Rejected,
            mail["timestamp"].as_str(),
            first(&mail["destination"], None),
            event["reject"]["reason"].as_str().unwrap_or("").to_owned(),
        ),
        _ => return None,
    };
    let at = parse_iso8601(at.or(mail["timestamp"].as_str())?)?;
    Some(DeliveryReport {
        message,
        provider_id,
        feedback,
        at,
        recipient,
        detail: truncate(&detail, MAX_DETAIL),
    })
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}
