//! The contract of the outbox: messages are written with the change that
//! causes them or not at all, and a delivery claims, sends and records each
//! at most once.

use std::sync::Arc;

use super::*;
use recovery_core::ports::Written;
use recovery_core::ports::{Carried, Claim, DeliveryState, MessageStatus, Standing};
use recovery_core::ports::{CounterKey, RequestState};
use recovery_domain::AccountLookup;

async fn listed(store: &impl Store, user: &UserAccount) -> Vec<MessageStatus> {
    store.messages(&user.id, 50).await.unwrap()
}

pub async fn messages_are_written_with_the_change_that_causes_them(store: Arc<impl Store>) {
    let user = account(&*store, "ada", Some(NUMBER)).await;
    let (_, record) = token(&user, T0, 3600);
    let link = message(&user, T0);
    store.issue(&user, &record, &link).await.unwrap();
    let number = phone(NUMBER);
    let sms =
        OutboxItem { channel: Channel::Sms, kind: MessageKind::Code, ..message(&user, T0 + 1) };
    let sent = code(Some(&user), &number, "123456", T0 + 1);
    assert_eq!(store.store_code(&sent, &[], Some(&sms)).await.unwrap(), Written::Done);
    let user = reread(&*store, &user).await;
    // A message speaking for a workspace says which.
    let acme = recovery_domain::WorkspaceId::parse("acme").unwrap();
    let notice = OutboxItem {
        kind: MessageKind::PasswordChanged,
        workspace: Some(acme.clone()),
        ..message(&user, T0 + 2)
    };
    let redeemed = store
        .redeem(Redemption {
            notices: std::slice::from_ref(&notice),
            ..redemption(&record, &user, &hash("new"), T0 + 2)
        })
        .await
        .unwrap();
    assert_eq!(redeemed, RedeemOutcome::Redeemed);
    let user = reread(&*store, &user).await;
    let by_admin = OutboxItem { kind: MessageKind::PasswordChanged, ..message(&user, T0 + 3) };
    assert_eq!(
        store
            .replace_password(&user, &hash("admin"), at(T0 + 3), std::slice::from_ref(&by_admin))
            .await
            .unwrap(),
        Written::Done
    );
    let keys: Vec<String> = listed(&*store, &user).await.into_iter().map(|m| m.key).collect();
    assert_eq!(keys, vec![by_admin.key, notice.key, sms.key, link.key]);
    let spoke_for: Vec<_> = listed(&*store, &user).await.into_iter().map(|m| m.workspace).collect();
    assert_eq!(spoke_for, [None, Some(acme), None, None]);
    for status in listed(&*store, &user).await {
        assert_eq!(status.delivery, "pending");
        assert!(status.holds_payload && status.attempts == 0);
    }
}

pub async fn a_refused_change_writes_no_message(store: Arc<impl Store>) {
    let (user, record, number) = with_link_and_code(&*store).await;
    let before = listed(&*store, &user).await.len();
    // A token not live any more.
    let late = store
        .redeem(Redemption {
            notices: &[message(&user, T0 + 7200)],
            ..redemption(&record, &user, &hash("late"), T0 + 7200)
        })
        .await
        .unwrap();
    assert_eq!(late, RedeemOutcome::Rejected);
    // Counters that moved since they were read.
    let keys = vec![CounterKey::typed(&AccountLookup::Phone(number.clone()))];
    let read = store.load_request(&AccountLookup::Phone(number.clone()), &keys, &[]).await.unwrap();
    fn update(state: &RequestState) -> Vec<CounterUpdate<'_>> {
        (state.counters.iter())
            .map(|counter| CounterUpdate::replace(counter, super::tally(&[T0]), at(T0 + 900)))
            .collect()
    }
    let first = code(Some(&user), &number, "111111", T0);
    assert_eq!(store.store_code(&first, &update(&read), None).await.unwrap(), Written::Done);
    let stale = code(Some(&user), &number, "222222", T0);
    let moved = store.store_code(&stale, &update(&read), Some(&message(&user, T0))).await.unwrap();
    assert_eq!(moved, Written::Stale);
    // An account that is gone.
    let gone = UserAccount { id: UserId::from_stored("gone"), ..user.clone() };
    let (_, other) = token(&gone, T0, 3600);
    let issued = store.issue(&gone, &other, &message(&gone, T0)).await.unwrap();
    assert_eq!(issued, IssueOutcome::AccountChanged);
    assert_eq!(
        store.replace_password(&gone, &hash("x"), at(T0), &[message(&gone, T0)]).await.unwrap(),
        Written::Stale
    );
    assert_eq!(listed(&*store, &user).await.len(), before);
    assert!(listed(&*store, &gone).await.is_empty());
}

pub async fn a_message_is_claimed_by_one_delivery_at_a_time_and_never_after_it_is_sent(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", None).await;
    let item = message(&user, T0);
    store.enqueue(&item).await.unwrap();
    assert!(store.enqueue(&item).await.is_err(), "one item per message");
    assert_eq!(store.claim(&item, at(T0), at(T0 + 60)).await.unwrap(), Claim::Claimed);
    assert_eq!(
        store.claim(&item, at(T0 + 30), at(T0 + 90)).await.unwrap(),
        Claim::Busy,
        "while the lease lasts"
    );
    let sent = DeliveryState::Sent { provider_id: "provider-1".into() };
    store.record(&item, at(T0 + 1), &sent).await.unwrap();
    for now in [T0 + 2, T0 + 600] {
        assert_eq!(store.claim(&item, at(now), at(now + 60)).await.unwrap(), Claim::Done);
    }
    // A late failure report does not undo a sent message.
    let failed = DeliveryState::Failed { error: "Throttling".into() };
    store.record(&item, at(T0 + 3), &failed).await.unwrap();
    let status = listed(&*store, &user).await.remove(0);
    assert_eq!(status.delivery, "sent");
    assert_eq!(status.provider_id.as_deref(), Some("provider-1"));
    assert_eq!(status.attempts, 1);
    assert!(!status.holds_payload, "a sent message keeps no payload");
    let unknown = message(&user, T0 + 5);
    assert_eq!(store.claim(&unknown, at(T0), at(T0 + 60)).await.unwrap(), Claim::Gone);
    store.record(&unknown, at(T0), &sent).await.unwrap();
    assert_eq!(listed(&*store, &user).await.len(), 1, "recording creates nothing");
}

pub async fn a_failed_delivery_ends_the_lease_and_an_expired_message_is_never_claimed(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", None).await;
    let item = message(&user, T0);
    store.enqueue(&item).await.unwrap();
    assert_eq!(store.claim(&item, at(T0), at(T0 + 60)).await.unwrap(), Claim::Claimed);
    let failed = DeliveryState::Failed { error: "MessageRejected".into() };
    store.record(&item, at(T0 + 1), &failed).await.unwrap();
    let status = listed(&*store, &user).await.remove(0);
    assert_eq!(
        (status.delivery.as_str(), status.last_error.as_deref()),
        ("failed", Some("MessageRejected"))
    );
    assert!(status.holds_payload);
    assert_eq!(
        store.claim(&item, at(T0 + 2), at(T0 + 62)).await.unwrap(),
        Claim::Claimed,
        "the next delivery may try at once"
    );
    store.record(&item, at(T0 + 3), &DeliveryState::Expired).await.unwrap();
    assert_eq!(store.claim(&item, at(T0 + 200), at(T0 + 260)).await.unwrap(), Claim::Done);
    let status = listed(&*store, &user).await.remove(0);
    assert_eq!(status.delivery, "expired");
    assert_eq!(status.attempts, 2);
    assert!(!status.holds_payload, "a message given up keeps no payload");
}

pub async fn a_refused_message_keeps_its_reason_and_no_payload_and_is_never_claimed_again(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", None).await;
    let item = message(&user, T0);
    store.enqueue(&item).await.unwrap();
    assert_eq!(store.claim(&item, at(T0), at(T0 + 60)).await.unwrap(), Claim::Claimed);
    let refused = DeliveryState::Refused { reason: "MessageRejected".into() };
    store.record(&item, at(T0 + 1), &refused).await.unwrap();
    for now in [T0 + 2, T0 + 600] {
        assert_eq!(store.claim(&item, at(now), at(now + 60)).await.unwrap(), Claim::Done);
    }
    let status = listed(&*store, &user).await.remove(0);
    assert_eq!(
        (status.delivery.as_str(), status.last_error.as_deref()),
        ("refused", Some("MessageRejected"))
    );
    assert!(!status.holds_payload, "a refused message keeps no payload");
    assert_eq!(status.attempts, 1);
}

pub async fn a_link_or_code_replaced_before_its_send_is_superseded_and_never_claimed_again(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "ada", Some(NUMBER)).await;
    let (_, first) = token(&user, T0, 3600);
    let link =
        OutboxItem { carries: Some(Carried::Link(first.digest.clone())), ..message(&user, T0) };
    store.issue(&user, &first, &link).await.unwrap();
    let carried = link.carries.clone().unwrap();
    assert_eq!(store.standing(&user.id, &carried).await.unwrap(), Standing::Live);
    let user = reread(&*store, &user).await;
    let (_, second) = token(&user, T0 + 1, 3600);
    store.issue(&user, &second, &message(&user, T0 + 1)).await.unwrap();
    assert_eq!(store.standing(&user.id, &carried).await.unwrap(), Standing::Superseded);
    let live = Carried::Link(second.digest.clone());
    assert_eq!(store.standing(&user.id, &live).await.unwrap(), Standing::Live);

    let number = phone(NUMBER);
    let sent = code(Some(&user), &number, "123456", T0 + 2);
    assert_eq!(store.store_code(&sent, &[], None).await.unwrap(), Written::Done);
    let carried = Carried::Code(number.clone(), sent.mac.clone());
    assert_eq!(store.standing(&user.id, &carried).await.unwrap(), Standing::Live);
    let replaced = code(Some(&user), &number, "654321", T0 + 3);
    assert_eq!(store.store_code(&replaced, &[], None).await.unwrap(), Written::Done);
    assert_eq!(store.standing(&user.id, &carried).await.unwrap(), Standing::Superseded);

    // Recorded so: no payload, and a later hand-over finds it done.
    assert_eq!(store.claim(&link, at(T0 + 4), at(T0 + 64)).await.unwrap(), Claim::Claimed);
    store.record(&link, at(T0 + 4), &DeliveryState::Superseded).await.unwrap();
    assert_eq!(store.claim(&link, at(T0 + 200), at(T0 + 260)).await.unwrap(), Claim::Done);
    let status = listed(&*store, &user).await.into_iter().find(|m| m.key == link.key).unwrap();
    assert_eq!(status.delivery, "superseded");
    assert!(!status.holds_payload);
}

pub async fn an_enqueued_notice_is_listed_newest_first_with_its_status(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let other = account(&*store, "bob", None).await;
    let mut keys = Vec::new();
    for i in 0..3 {
        let item = message(&user, T0 + i);
        store.enqueue(&item).await.unwrap();
        keys.push(item.key);
    }
    store.enqueue(&message(&other, T0 + 9)).await.unwrap();
    keys.reverse();
    let listed_keys: Vec<String> =
        listed(&*store, &user).await.into_iter().map(|m| m.key).collect();
    assert_eq!(listed_keys, keys);
    let two = store.messages(&user.id, 2).await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].key, keys[0]);
    assert_eq!(two[0].kind, MessageKind::ResetLink);
    assert_eq!(two[0].channel, Channel::Email);
    assert_eq!(two[0].created_at, at(T0 + 2));
}
