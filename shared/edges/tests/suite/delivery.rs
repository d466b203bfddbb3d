//! Delivery that isolates failure: a message that can never go out (its
//! payload does not open, SES refuses its address, SNS refuses its number)
//! is recorded `refused` with the reason and not handed back, so the
//! messages beside it go out in the same pass and nothing waits on it.

use recovery_core::flows::{DeliverError, Delivered};
use recovery_core::ports::OutboxStore;
use recovery_domain::AccountLookup;
use recovery_testing::TestAccount;
use recovery_testing::accounts::{IP, phone, request, world};
use std::time::Duration;

#[tokio::test]
async fn a_message_that_can_never_go_out_is_recorded_refused_and_delays_nothing_beside_it() {
    let w = world().await;
    let bob = TestAccount::new("bob").password("old password 1").email("bob@example.com");
    let bob = bob.create_in(&*w.store).await;
    let carl = TestAccount::new("carl").password("old password 1").phone(phone(8).as_e164());
    carl.create_in(&*w.store).await;
    w.mail.refuse("bob@example.com");
    w.sms.refuse(phone(8).as_e164());
    request(&w, "bob").await;
    request(&w, "ada").await;
    w.recovery.request_reset(&AccountLookup::Phone(phone(8)), IP).await.unwrap();
    w.recovery.request_reset(&AccountLookup::Phone(phone(1)), IP).await.unwrap();
    let mut waiting = w.store.take_new_messages();
    assert_eq!(waiting.len(), 4);
    // A poison message first: its payload altered, so it never opens.
    let mut poison = waiting[1].clone();
    poison.key.push('0');
    *poison.sealed.last_mut().unwrap() ^= 1;
    w.store.enqueue(&poison).await.unwrap();
    waiting.insert(0, poison);

    let mut outcomes = Vec::new();
    for item in &waiting {
        outcomes.push(w.delivery.deliver(item).await.expect("nothing handed back"));
    }
    let refused = |reason: &str| Delivered::Refused { reason: reason.into() };
    assert_eq!(outcomes[0], refused("Unsealable"));
    assert_eq!(outcomes[1], refused("BadRequestException"), "bob's address");
    assert!(matches!(outcomes[2], Delivered::Sent { .. }), "ada's link: {:?}", outcomes[2]);
    assert_eq!(outcomes[3], refused("InvalidParameter"), "carl's number");
    assert!(matches!(outcomes[4], Delivered::Sent { .. }), "ada's code: {:?}", outcomes[4]);
    assert_eq!(w.mail.sent().len(), 1);
    assert_eq!(w.sms.sent().len(), 1);

    // Recorded with the reason, without the payload; handed over again, it
    // is done.
    let status = &w.store.messages(&bob.id, 10).await.unwrap()[0];
    assert_eq!(
        (status.delivery.as_str(), status.last_error.as_deref()),
        ("refused", Some("BadRequestException"))
    );
    assert!(!status.holds_payload);
    assert_eq!(w.delivery.deliver(&waiting[1]).await.unwrap(), Delivered::AlreadyDone);
}

#[tokio::test]
async fn a_link_or_code_replaced_before_it_went_out_is_not_sent() {
    let w = world().await;
    request(&w, "ada").await;
    w.clock.advance(61);
    request(&w, "ada").await;
    w.recovery.request_reset(&AccountLookup::Phone(phone(1)), IP).await.unwrap();
    w.clock.advance(30);
    w.recovery.request_reset(&AccountLookup::Phone(phone(1)), IP).await.unwrap();
    let waiting = w.store.take_new_messages();
    assert_eq!(waiting.len(), 4, "two links and two codes");
    let mut outcomes = Vec::new();
    for item in &waiting {
        outcomes.push(w.delivery.deliver(item).await.unwrap());
    }
    assert_eq!(outcomes[0], Delivered::Superseded, "the first link");
    assert!(matches!(outcomes[1], Delivered::Sent { .. }));
    assert_eq!(outcomes[2], Delivered::Superseded, "the first code");
    assert!(matches!(outcomes[3], Delivered::Sent { .. }));
    assert_eq!((w.mail.sent().len(), w.sms.sent().len()), (1, 1));
    let ada = &waiting[0].user_id;
    let listed = w.store.messages(ada, 10).await.unwrap();
    let first = listed.iter().find(|m| m.key == waiting[0].key).unwrap();
    assert_eq!(first.delivery, "superseded");
}

/// A message SES took whose `sent` mark then fails is not handed back, and a
/// handover of it again while its claim lasts sends nothing; only one after
/// the claim's 2 minutes (what a function stopped between the send and the
/// mark leads to) sends a second copy: the one window README states.
#[tokio::test]
async fn a_sent_mark_that_fails_sends_no_second_email_but_in_the_stated_window() {
    let w = world().await;
    request(&w, "ada").await;
    let waiting = w.store.take_new_messages();
    assert_eq!(waiting.len(), 1);
    w.store.fail_next_record();
    let first = w.delivery.deliver(&waiting[0]).await.expect("not handed back");
    assert!(matches!(first, Delivered::Sent { .. }), "{first:?}");
    assert_eq!(w.mail.sent().len(), 1);
    // The stream hands the record over again (a retried batch beside it).
    w.clock.advance(recovery_core::flows::LEASE_SECONDS - 1);
    let busy = w.delivery.deliver(&waiting[0]).await;
    assert!(matches!(busy, Err(DeliverError::Busy)), "{busy:?}");
    assert_eq!(w.mail.sent().len(), 1, "no second email while the claim lasts");
    w.clock.advance(2);
    let again = w.delivery.deliver(&waiting[0]).await.unwrap();
    assert!(matches!(again, Delivered::Sent { .. }), "{again:?}");
    assert_eq!(w.mail.sent().len(), 2, "the window: a second copy after the claim");
}

/// A payload sealed under a version that is neither of the two a read of
/// the secret finds (two rotations old, or a forged id) is refused after
/// that read, not handed back for the stream to retry behind it; one not
/// held while the read for it must wait its turn is handed back.
#[tokio::test(start_paused = true)]
async fn a_payload_under_a_version_that_no_longer_exists_is_refused_after_one_read() {
    use recovery_core::flows::{Delivery, KeySet, Keys, ReadKeys, Versions};
    use recovery_domain::OutboxKey;
    use std::sync::Arc;
    let w = world().await;
    request(&w, "ada").await;
    let item = w.store.take_new_messages().pop().unwrap();
    // The secret rotated twice since: its versions are two others.
    let version = |n: u8| Arc::new(OutboxKey::derive(&[n; 32]).unwrap());
    let read: ReadKeys = Box::new(move |_| {
        Box::pin(async move {
            let outbox = Some(Versions { current: version(3), previous: Some(version(2)) });
            Ok(KeySet { outbox, ..KeySet::default() })
        })
    });
    let rotated =
        Delivery { keys: Keys::reading(read, Duration::from_secs(300)), ..w.delivery.clone() };
    let outcome = rotated.deliver(&item).await.expect("not handed back");
    assert_eq!(outcome, Delivered::Refused { reason: "KeyVersionGone".into() });
    assert!(w.mail.sent().is_empty());
    let status = &w.store.messages(&item.user_id, 1).await.unwrap()[0];
    assert_eq!((status.delivery.as_str(), status.holds_payload), ("refused", false));
    // Another such message within the 10 s in which no read is made again:
    // handed back, for a later try to read.
    request(&w, "grace").await;
    let other = w.store.take_new_messages().pop().unwrap();
    let busy = rotated.deliver(&other).await;
    assert!(
        matches!(&busy, Err(DeliverError::Keys(e)) if e.code == "KeyVersionNotHeld"),
        "{busy:?}"
    );
}

#[tokio::test]
async fn a_number_outside_the_countries_texts_may_go_to_gets_none() {
    use recovery_core::flows::{Delivery, ResetRequestOutcome};
    use recovery_domain::{PhoneNumber, SmsCountries, SmsPolicy};
    let w = world().await;
    let british = PhoneNumber::parse("+447911123456").unwrap();
    TestAccount::new("bob")
        .email("bob@example.com")
        .phone(british.as_e164())
        .create_in(&*w.store)
        .await;
    let answers = [
        w.recovery.request_reset(&AccountLookup::Phone(british.clone()), IP).await.unwrap(),
        w.recovery.request_reset(&AccountLookup::Phone(phone(1)), IP).await.unwrap(),
    ];
    assert!(answers.iter().all(|a| matches!(a, ResetRequestOutcome::CodeSent(_))), "{answers:?}");
    let sms = SmsPolicy { countries: SmsCountries::parse("+49").unwrap(), ..Default::default() };
    let germany = Delivery { sms, ..w.delivery.clone() };
    let mut outcomes = Vec::new();
    for item in w.store.take_new_messages() {
        outcomes.push(germany.deliver(&item).await.expect("nothing handed back"));
    }
    assert_eq!(outcomes[0], Delivered::Refused { reason: "CountryNotAllowed".into() });
    assert!(matches!(outcomes[1], Delivered::Sent { .. }), "{outcomes:?}");
    let sent = w.sms.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, phone(1), "only the German number got its text");
}

#[tokio::test]
async fn a_code_takes_one_segment_in_english_and_german_and_two_in_russian() {
    use recovery_core::flows::Caller;
    use recovery_domain::{Language, SmsEncoding, SmsSegments};
    let w = world().await;
    let mut seen = Vec::new();
    for language in [Language::English, Language::German, Language::Russian] {
        let caller = Caller { source_ip: IP, language, workspace: None, proof: None };
        w.recovery.request_reset(&AccountLookup::Phone(phone(1)), caller).await.unwrap();
        let text = w.texts().await.pop().expect("a code").text;
        let SmsSegments { encoding, segments, .. } = SmsSegments::of(&text);
        seen.push((encoding, segments));
    }
    assert_eq!(
        seen,
        [(SmsEncoding::Gsm7, 1), (SmsEncoding::Gsm7, 1), (SmsEncoding::Ucs2, 2)],
        "the codes' texts as sent: a Russian one is UCS-2, and kept within two segments"
    );
}
