//! What SES reports after it took an email (delivery, bounce, complaint,
//! rejection), read from the event shapes AWS documents
//! (`tests/fixtures/ses/`, with this service's two message tags), recorded
//! through the deliver function's SNS event, and shown to the
//! administrator by `list_messages`.

use recovery_aws::{delivery_report_from_ses_event, message_tags, outbox_item_from_stream_image};
use recovery_core::ports::{DeliveryReport, Feedback, MessageRef};
use recovery_domain::{EmailAddress, Timestamp, UserId, parse_iso8601};
use recovery_edges::admin_event;
use recovery_edges::delivery_event::{self, Readers};
use recovery_testing::World;
use serde_json::{Value, json};

use recovery_testing::accounts::{request, world};

const READERS: Readers =
    Readers { image: outbox_item_from_stream_image, report: delivery_report_from_ses_event };

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/ses/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("a fixture")).expect("JSON")
}

fn at(text: &str) -> Timestamp {
    parse_iso8601(text).expect("a time")
}

fn documented(feedback: Feedback, when: &str, detail: &str) -> DeliveryReport {
    DeliveryReport {
        message: MessageRef {
            user_id: UserId::from_stored("0123456789abcdef0123456789abcdef"),
            key: "1501893602012#00ff11ee22dd33cc".into(),
            kind: None,
        },
        provider_id: "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000".into(),
        feedback,
        at: at(when),
        recipient: Some(EmailAddress::parse("recipient@example.com").unwrap()),
        detail: detail.into(),
    }
}

#[test]
fn every_documented_event_becomes_the_report_it_means() {
    let cases = [
        (
            "bounce",
            documented(Feedback::Bounced, "2017-08-05T00:41:02.669Z", "Permanent/General 5.1.1"),
        ),
        (
            "transient-bounce",
            documented(
                Feedback::SoftBounced,
                "2017-08-05T00:41:02.669Z",
                "Transient/MailboxFull 4.2.2",
            ),
        ),
        ("complaint", documented(Feedback::Complained, "2017-08-05T00:41:02.669Z", "abuse")),
        (
            "delivery",
            documented(
                Feedback::Delivered,
                "2016-10-19T23:21:04.133Z",
                "250 2.6.0 Message received",
            ),
        ),
        ("reject", documented(Feedback::Rejected, "2016-10-14T17:38:15.211Z", "Bad content")),
    ];
    for (name, expected) in cases {
        assert_eq!(delivery_report_from_ses_event(&fixture(name)), Some(expected), "{name}");
    }
}

#[test]
fn events_of_other_kinds_or_without_the_tags_are_not_reports() {
    assert_eq!(delivery_report_from_ses_event(&fixture("send")), None);
    assert_eq!(delivery_report_from_ses_event(&fixture("bounce-untagged")), None);
    assert_eq!(delivery_report_from_ses_event(&json!({})), None);
    for bad in ["a/b", "1501893602012#00ff", ""] {
        let mut event = fixture("bounce");
        event["mail"]["tags"]["recovery-message"] = json!([bad]);
        assert_eq!(delivery_report_from_ses_event(&event), None, "{bad:?}");
    }
    let mut event = fixture("bounce");
    event["bounce"]["timestamp"] = json!("yesterday");
    assert_eq!(delivery_report_from_ses_event(&event), None);
}

#[test]
fn the_tags_name_the_message_in_what_ses_allows_and_read_back() {
    let reference = MessageRef {
        user_id: UserId::from_stored("0123456789abcdef0123456789abcdef"),
        key: "1501893602012#00ff11ee22dd33cc".into(),
        kind: Some(recovery_messages::MessageKind::AdminLink),
    };
    let tags = message_tags(&reference);
    for (name, value) in &tags {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        assert!(name.chars().all(allowed) && value.chars().all(allowed));
    }
    let mut event = fixture("delivery");
    for (name, value) in tags {
        event["mail"]["tags"][name] = json!([value]);
    }
    let report = delivery_report_from_ses_event(&event).unwrap();
    assert_eq!(report.message, reference);
}

/// An SNS notification (the documented Lambda event) carrying the SES event
/// `name` about the email `reference` sent as `provider_id` to `to`.
fn notification(name: &str, reference: &MessageRef, provider_id: &str, to: &str) -> Value {
    let mut event = fixture(name);
    for (tag, value) in message_tags(reference) {
        event["mail"]["tags"][tag] = json!([value]);
    }
    event["mail"]["messageId"] = json!(provider_id);
    event["mail"]["destination"] = json!([to]);
    for list in ["bouncedRecipients", "complainedRecipients"] {
        for kind in ["bounce", "complaint"] {
            if event[kind][list].is_array() {
                event[kind][list][0]["emailAddress"] = json!(to);
            }
        }
    }
    let mut sns = fixture("sns-notification");
    sns["Records"][0]["Sns"]["Message"] = json!(event.to_string());
    sns
}

/// Runs an administrator's event, a second after the last (each is
/// audited under the time and the request id).
async fn admin(w: &World, event: Value) -> Value {
    w.clock.advance(1);
    admin_event::handle(&w.recovery, &event, "arn:aws:iam::123456789012:user/root", "req").await
}

async fn messages(w: &World, login: &str) -> Value {
    admin(w, json!({ "action": "list_messages", "login": login, "requested_by": "root" })).await
}

#[tokio::test]
async fn a_bounce_is_shown_on_the_message_and_the_account_and_a_late_delivery_does_not_hide_it() {
    let w = world().await;
    request(&w, "ada").await;
    assert_eq!(w.emails().await.len(), 1);
    let reference = w.mail.references().pop().expect("the email's message");
    let listed = messages(&w, "ada").await;
    assert_eq!(listed["email"], json!({ "status": "ok" }), "{listed}");
    let message = &listed["messages"][0];
    assert_eq!(message["message"], json!(reference.key));
    assert_eq!((&message["kind"], &message["delivery"]), (&json!("reset_link"), &json!("sent")));
    let provider_id = message["provider_id"].as_str().unwrap().to_owned();
    assert!(message.get("feedback").is_none());

    let bounce = notification("bounce", &reference, &provider_id, "ada@example.com");
    let answer = delivery_event::handle(&w.delivery, &bounce, READERS).await.unwrap();
    assert_eq!(answer, json!({ "recorded": 1 }));
    let late = notification("delivery", &reference, &provider_id, "ada@example.com");
    delivery_event::handle(&w.delivery, &late, READERS).await.unwrap();

    let listed = messages(&w, "ada").await;
    assert_eq!(
        listed["email"],
        json!({ "status": "bounced", "since": "2017-08-05T00:41:02.000Z" })
    );
    let message = &listed["messages"][0];
    assert_eq!(message["feedback"], "bounced");
    assert_eq!(message["feedback_detail"], "Permanent/General 5.1.1");
    assert_eq!(message["feedback_at"], "2017-08-05T00:41:02.000Z");
    assert!(!listed.to_string().contains("ada@example.com"), "{listed}");
}

#[tokio::test]
async fn a_report_about_a_message_not_sent_under_that_id_records_nothing() {
    let w = world().await;
    request(&w, "ada").await;
    w.emails().await;
    let reference = w.mail.references().pop().unwrap();
    let forged = notification("complaint", &reference, "not-its-id", "ada@example.com");
    let answer = delivery_event::handle(&w.delivery, &forged, READERS).await.unwrap();
    assert_eq!(answer, json!({ "recorded": 1 }), "handled, not recorded");
    let listed = messages(&w, "ada").await;
    assert_eq!(listed["email"]["status"], "ok");
    assert!(listed["messages"][0].get("feedback").is_none());

    // Not a report of ours at all: skipped.
    let mut other = fixture("sns-notification");
    other["Records"][0]["Sns"]["Message"] = json!("not json");
    let answer = delivery_event::handle(&w.delivery, &other, READERS).await.unwrap();
    assert_eq!(answer, json!({ "recorded": 0 }));
}

#[tokio::test]
async fn a_report_that_cannot_be_recorded_fails_the_invocation_for_lambda_to_retry() {
    let w = world().await;
    request(&w, "ada").await;
    w.emails().await;
    let reference = w.mail.references().pop().unwrap();
    let bounce = notification("bounce", &reference, "email-1", "ada@example.com");
    w.store.fail_from_now();
    let err = delivery_event::handle(&w.delivery, &bounce, READERS).await.unwrap_err();
    assert_eq!(err.operation, "record_feedback");
}

#[tokio::test]
async fn list_messages_names_its_limits_and_unknown_accounts() {
    let w = world().await;
    let unknown = messages(&w, "nobody").await;
    assert_eq!(unknown["error"], "user_not_found");
    for limit in [json!(0), json!(201), json!("3")] {
        let answer = admin(
            &w,
            json!({ "action": "list_messages", "login": "ada", "limit": limit, "requested_by": "root" }),
        )
        .await;
        assert_eq!(answer["error"], "invalid_event", "{limit}");
    }
    for _ in 0..3 {
        request(&w, "ada").await;
        w.clock.advance(61);
    }
    let two = admin(
        &w,
        json!({ "action": "list_messages", "login": "ada", "limit": 2, "requested_by": "root" }),
    )
    .await;
    assert_eq!(two["messages"].as_array().unwrap().len(), 2, "{two}");
    let audit =
        admin(&w, json!({ "action": "list_audit", "login": "ada", "requested_by": "root" })).await;
    assert_eq!(audit["records"][0]["action"], "list_messages", "{audit}");
    assert_eq!(audit["records"][0]["detail"], "listed 2");
}
