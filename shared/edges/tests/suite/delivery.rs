//! Delivery that isolates failure: a message that can never go out (its
//! payload does not open, SES refuses its address, SNS refuses its number)
//! is recorded `refused` with the reason and not handed back, so the
//! messages beside it go out in the same pass and nothing waits on it.

use recovery_core::flows::Delivered;
use recovery_core::ports::OutboxStore;
use recovery_domain::AccountLookup;
use recovery_testing::TestAccount;
use recovery_testing::accounts::{IP, phone, request, world};

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
