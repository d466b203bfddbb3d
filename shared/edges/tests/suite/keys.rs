//! Keys read as a function starts, awaited where a flow first needs one: a
//! read that fails fails the request that awaited it, with nothing written,
//! and the next request reads again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use recovery_core::flows::{
    DeliverError, Delivered, KeySet, Keys, Read, ReadKeys, ResetRequestOutcome, SetPasswordError,
    Versions,
};
use recovery_core::ports::DependencyError;
use recovery_domain::{CodeSecret, OutboxKey};
use recovery_testing::{TestAccount, World, keys};

use recovery_testing::accounts::{change, request, token_in, world};

/// Keys whose first `failures` reads fail; counts the reads.
fn flaky_keys(failures: usize) -> (Keys, Arc<AtomicUsize>) {
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let read: ReadKeys = Box::new(move |_| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if n < failures {
                return Err(DependencyError::new("get_secret_value", "InternalServiceError"));
            }
            Ok(KeySet { outbox: keys().outbox, code: keys().code, origin: None })
        })
    });
    (Keys::reading(read, std::time::Duration::from_secs(300)), reads)
}

fn with_keys(mut w: World, keys: Keys) -> World {
    w.recovery = w.recovery.clone().with_keys(keys);
    w
}

#[tokio::test]
async fn a_link_request_whose_keys_fail_sends_and_writes_nothing_and_the_next_one_works() {
    let (keys, reads) = flaky_keys(1);
    let w = with_keys(world().await, keys);
    assert!(matches!(request(&w, "ada").await, ResetRequestOutcome::NotDelivered(_)));
    assert_eq!(w.store.token_count(), 0, "no token without its message");
    assert!(w.store.outbox_items().is_empty());
    assert!(matches!(request(&w, "ada").await, ResetRequestOutcome::LinkSent(_)));
    assert_eq!(reads.load(Ordering::SeqCst), 2);
    assert_eq!(w.emails().await.len(), 1);
}

#[tokio::test]
async fn a_code_request_whose_keys_fail_is_a_dependency_failure_that_stores_no_code() {
    let (keys, _) = flaky_keys(1);
    let w = with_keys(world().await, keys);
    let phone = recovery_testing::accounts::phone(1);
    let lookup = recovery_domain::AccountLookup::Phone(phone.clone());
    let failed = w.recovery.request_reset(&lookup, recovery_testing::accounts::IP).await;
    assert!(matches!(failed, Err(recovery_core::flows::FlowError::Dependency(_))), "{failed:?}");
    assert!(w.store.outbox_items().is_empty());
    let sent = w.recovery.request_reset(&lookup, recovery_testing::accounts::IP).await;
    assert!(matches!(sent, Ok(ResetRequestOutcome::CodeSent(_))), "{sent:?}");
    assert_eq!(w.texts().await.len(), 1);
}

#[tokio::test]
async fn a_password_change_whose_keys_fail_keeps_the_old_password_and_the_link() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let (keys, _) = flaky_keys(1);
    let w = with_keys(w, keys);
    let refused =
        w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await;
    assert!(matches!(refused, Err(SetPasswordError::Notice(_))), "{refused:?}");
    // The link still works, and then the change is made with its notices.
    w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await.unwrap();
    assert!(
        w.emails().await.iter().any(|mail| mail.subject.contains("was changed")),
        "the notice went out"
    );
}

#[tokio::test]
async fn a_delivery_whose_key_fails_hands_the_message_back_and_sends_it_next_time() {
    let mut w = world().await;
    request(&w, "ada").await;
    let (keys, _) = flaky_keys(1);
    w.delivery.keys = keys;
    let first = w.deliver().await;
    assert!(matches!(first.as_slice(), [Err(DeliverError::Keys(_))]), "{first:?}");
    assert!(w.mail.sent().is_empty());
    let second = w.deliver().await;
    assert!(matches!(second.as_slice(), [Ok(_)]), "{second:?}");
    assert_eq!(w.mail.sent().len(), 1);
}

/// A secret in Secrets Manager, as `wiring` reads it: its current version
/// and, when asked, the previous one. `rotate` puts a new version.
#[derive(Clone, Default)]
struct Secret(Arc<AtomicUsize>);

impl Secret {
    fn outbox(version: usize) -> Arc<OutboxKey> {
        Arc::new(OutboxKey::derive(format!("outbox secret {version:>30}").as_bytes()).unwrap())
    }
    fn code(version: usize) -> CodeSecret {
        CodeSecret::new(format!("code secret {version:>30}").into_bytes()).unwrap()
    }
    fn rotate(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    /// A sandbox started now: it reads the versions as they are.
    fn sandbox(&self) -> Keys {
        let version = self.0.clone();
        let read: ReadKeys = Box::new(move |what| {
            let v = version.load(Ordering::SeqCst);
            let previous = v.checked_sub(1).filter(|_| what == Read::CurrentAndPrevious);
            Box::pin(async move {
                Ok(KeySet {
                    outbox: Some(Versions {
                        current: Secret::outbox(v),
                        previous: previous.map(Secret::outbox),
                    }),
                    code: Some(Versions {
                        current: Secret::code(v),
                        previous: previous.map(Secret::code),
                    }),
                    origin: None,
                })
            })
        });
        Keys::reading(read, std::time::Duration::from_secs(300))
    }
}

#[tokio::test]
async fn after_a_rotation_a_new_sandbox_opens_what_an_old_one_sealed_and_the_other_way_round() {
    let secret = Secret::default();
    let warm = secret.sandbox();
    let mut w = with_keys(world().await, warm.clone());
    w.delivery.keys = warm.clone();
    warm.get().await.unwrap();
    request(&w, "ada").await;
    let phone = recovery_testing::accounts::phone(1);
    let lookup = recovery_domain::AccountLookup::Phone(phone.clone());
    w.recovery.request_reset(&lookup, recovery_testing::accounts::IP).await.unwrap();
    let waiting = w.store.take_new_messages();
    assert_eq!(waiting.len(), 2);

    // Rotated; a sandbox started since delivers what the warm one sealed.
    secret.rotate();
    let fresh = secret.sandbox();
    let mut delivery = w.delivery.clone();
    delivery.keys = fresh.clone();
    for item in &waiting {
        assert!(matches!(delivery.deliver(item).await, Ok(Delivered::Sent { .. })), "{item:?}");
    }
    // and checks the code the warm one MACed.
    let code = w.sms.sent().pop().unwrap().text[..6].to_owned();
    let fresh_recovery = w.recovery.clone().with_keys(fresh.clone());
    fresh_recovery.verify_code(&phone, &code).await.unwrap();

    // The warm one checks a code the fresh one MACed, reading the secret
    // again for the version it does not hold.
    let bob = recovery_testing::accounts::phone(9);
    TestAccount::new("bob")
        .password("old password 1")
        .phone(bob.as_e164())
        .create_in(&*w.store)
        .await;
    let lookup = recovery_domain::AccountLookup::Phone(bob.clone());
    fresh_recovery.request_reset(&lookup, recovery_testing::accounts::IP).await.unwrap();
    let sealed = w.store.take_new_messages();
    assert_eq!(OutboxKey::sealed_by(&sealed[0].sealed), Some(Secret::outbox(1).id()));
    delivery.keys = warm;
    assert!(matches!(delivery.deliver(&sealed[0]).await, Ok(Delivered::Sent { .. })));
    let code = w.sms.sent().pop().unwrap().text[..6].to_owned();
    w.recovery.verify_code(&bob, &code).await.unwrap();
}
