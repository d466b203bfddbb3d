//! Delivery from the outbox: what the flows put there (sealed), sent once
//! however often it is handed over, never after it expired, and the notices
//! on the account's channel; the deliver function's stream event.

use recovery_aws::{
    delivery_report_from_ses_event, outbox_item_from_stream_image, outbox_stream_image,
};
use recovery_core::flows::{DeliverError, Delivered, Delivery, KeySet, Keys};
use recovery_core::ports::{OutboxStore, UserStore};
use recovery_domain::{AccountLookup, LoginName, OutboxKey};
use recovery_edges::delivery_event::{self, Readers};
use recovery_testing::{MailSink, TestAccount, World};
use serde_json::{Value, json};
use std::sync::Arc;

use recovery_testing::accounts::{change, code_in, phone, request, token_in, world};

const READERS: Readers =
    Readers { image: outbox_item_from_stream_image, report: delivery_report_from_ses_event };

#[tokio::test]
async fn the_outbox_holds_only_sealed_messages() {
    let w = world().await;
    request(&w, "grace").await;
    request(&w, "+4915100000001").await;
    request(&w, "ada").await;
    let items = w.store.outbox_items();
    assert_eq!(items.len(), 3);
    let token = token_in(&w).await;
    let code = code_in(&w).await;
    for item in &items {
        let bytes = String::from_utf8_lossy(&item.sealed);
        for secret in [token.as_str(), code.as_str(), "ada@example.com", "Google"] {
            assert!(!bytes.contains(secret), "{secret} in clear in {item:?}");
        }
        assert!(!format!("{item:?}").contains(&token));
    }
}

#[tokio::test]
async fn a_message_handed_over_twice_is_sent_once() {
    let w = world().await;
    request(&w, "ada").await;
    let item = w.store.take_new_messages().pop().unwrap();
    let first = w.delivery.deliver(&item).await.unwrap();
    assert!(matches!(first, Delivered::Sent { .. }));
    assert_eq!(w.delivery.deliver(&item).await.unwrap(), Delivered::AlreadyDone);
    assert_eq!(w.mail.sent().len(), 1);
}

#[tokio::test]
async fn a_message_whose_link_expired_is_never_sent() {
    let w = world().await;
    request(&w, "+4915100000001").await;
    w.clock.advance(61);
    let outcomes = w.deliver().await;
    assert!(matches!(outcomes[..], [Ok(Delivered::Expired)]));
    assert!(w.sms.sent().is_empty());
    let ada = w.store.find_by_login(&LoginName::parse("ada").unwrap()).await.unwrap().unwrap();
    let status = w.store.messages(&ada.id, 1).await.unwrap();
    assert_eq!(status[0].delivery, "expired");
    assert!(!status[0].holds_payload);
}

#[tokio::test]
async fn a_payload_under_a_key_not_held_is_handed_back_and_one_moved_is_refused() {
    let w = world().await;
    request(&w, "ada").await;
    let other = Delivery {
        keys: Keys::outbox(Arc::new(OutboxKey::derive(&[9u8; 32]).unwrap())),
        ..w.delivery.clone()
    };
    let item = w.store.take_new_messages().pop().unwrap();
    let not_held = other.deliver(&item).await;
    assert!(
        matches!(&not_held, Err(DeliverError::Keys(e)) if e.code == "KeyVersionNotHeld"),
        "{not_held:?}"
    );
    assert!(w.mail.sent().is_empty());
    // Moved to another account's message, it does not open either.
    let mut moved = item.clone();
    moved.key.push('0');
    let outcome = w.delivery.deliver(&moved).await.unwrap();
    assert!(
        matches!(&outcome, Delivered::Gone)
            || outcome == Delivered::Refused { reason: "Unsealable".into() },
        "{outcome:?}"
    );
    assert!(w.mail.sent().is_empty());
}

#[tokio::test]
async fn a_phone_only_account_is_told_its_password_changed_by_sms() {
    let w = World::new();
    TestAccount::new("margaret")
        .phone(phone(7).as_e164())
        .password("old password 1")
        .create_in(&*w.store)
        .await;
    request(&w, phone(7).as_e164()).await;
    let accepted = w.recovery.verify_code(&phone(7), &code_in(&w).await).await.unwrap();
    w.recovery
        .set_password(change(&accepted.reset_token, "new passphrase 7", "new passphrase 7"))
        .await
        .unwrap();
    let texts = w.texts().await;
    assert_eq!(texts.len(), 2);
    assert!(texts[1].text.contains("password"), "{}", texts[1].text);
    assert!(w.emails().await.is_empty());
}

#[tokio::test]
async fn a_change_through_an_sms_code_is_told_by_sms_as_well_as_email() {
    let w = world().await;
    request(&w, "+4915100000001").await;
    let accepted = w.recovery.verify_code(&phone(1), &code_in(&w).await).await.unwrap();
    w.recovery
        .set_password(change(&accepted.reset_token, "new passphrase 8", "new passphrase 8"))
        .await
        .unwrap();
    assert_eq!(w.texts().await.len(), 2, "the code, then the notice");
    let emails = w.emails().await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].subject.to_lowercase().contains("password"));
    // Through an email link, the notice goes by email only.
    request(&w, "ada").await;
    let token = token_in(&w).await;
    w.recovery.set_password(change(&token, "new passphrase 9", "new passphrase 9")).await.unwrap();
    assert_eq!(w.texts().await.len(), 2);
    assert_eq!(w.emails().await.len(), 3);
}

#[tokio::test]
async fn without_an_outbox_key_nothing_is_written_and_the_answer_stays_alike() {
    let mut w = World::new();
    let no_outbox_key = KeySet { outbox: None, ..recovery_testing::keys() };
    w.recovery = w.recovery.clone().with_keys(Keys::ready(no_outbox_key));
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    let outcome = w
        .recovery
        .request_reset(&AccountLookup::parse("ada").unwrap(), "203.0.113.7")
        .await
        .unwrap();
    assert!(matches!(outcome, recovery_core::flows::ResetRequestOutcome::NotDelivered(_)));
    assert_eq!(w.store.token_count(), 0, "no token without its message");
    assert!(w.store.outbox_items().is_empty());
}

fn record(sequence: &str, event: &str, image: Value) -> Value {
    json!({
        "eventID": format!("id-{sequence}"),
        "eventName": event,
        "eventSource": "aws:dynamodb",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_800_000_000,
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 512,
            "StreamViewType": "NEW_IMAGE"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/recovery/stream/2026-11-25T00:00:00.000"
    })
}

#[tokio::test]
async fn the_stream_event_reports_only_the_records_to_hand_over_again() {
    let w = world().await;
    request(&w, "ada").await;
    request(&w, "grace").await;
    let mut items = w.store.take_new_messages();
    let notice = items.pop().unwrap();
    let link = items.pop().unwrap();
    let failing = Arc::new(MailSink::new());
    failing.set_failing(true);
    let down = Delivery { mailer: failing, ..w.delivery.clone() };
    let event = json!({ "Records": [
        record("100", "INSERT", outbox_stream_image(&link)),
        record("101", "MODIFY", outbox_stream_image(&notice)),
        record("102", "INSERT", json!({ "pk": { "S": "USER#x" } })),
    ]});
    let answer = delivery_event::handle(&down, &event, READERS).await.unwrap();
    assert_eq!(answer, json!({ "batchItemFailures": [{ "itemIdentifier": "100" }] }));
    let event = json!({ "Records": [
        record("100", "INSERT", outbox_stream_image(&link)),
        record("103", "INSERT", outbox_stream_image(&notice)),
        record("104", "INSERT", outbox_stream_image(&notice)),
    ]});
    let answer = delivery_event::handle(&w.delivery, &event, READERS).await.unwrap();
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
    assert_eq!(w.mail.sent().len(), 2, "the link and the notice, once each");
    let empty = delivery_event::handle(&w.delivery, &json!({}), READERS).await.unwrap();
    assert_eq!(empty, json!({ "batchItemFailures": [] }));
}
