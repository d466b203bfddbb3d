//! Contract cases of the account lifecycle: details changed with their
//! lookup items in one step and never onto another account's address or
//! number; disabling kills the link and the code; deleting leaves nothing
//! that names the account.

use std::sync::Arc;

use super::*;
use recovery_core::ports::Written;
use recovery_core::ports::{AuditRecord, CounterUpdate, DetailsUpdate, counters_naming};
use recovery_domain::{AccountLookup, EmailAddress, Locale};

/// What the lifecycle may change of an account, to compare.
fn details(user: &UserAccount) -> impl PartialEq + std::fmt::Debug {
    (
        user.email.clone(),
        user.phone.clone(),
        user.social_provider.clone(),
        user.locale.clone(),
        user.disabled,
        user.active_reset.clone(),
        user.password_hash.as_ref().map(|h| h.expose_phc().to_owned()),
    )
}

/// The keys of `user`'s newest messages.
async fn message_keys(store: &impl Store, user: &UserAccount) -> Vec<String> {
    let messages = store.messages(&user.id, 10).await.unwrap();
    messages.into_iter().map(|m| m.key).collect()
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

pub async fn details_move_their_lookups_and_never_take_another_accounts(store: Arc<impl Store>) {
    let (ada, record, number) = with_link_and_code(&*store).await;
    let ada = reread(&*store, &ada).await;
    let bob = account(&*store, "bob", Some(OTHER_NUMBER)).await;

    let mut taken = ada.clone();
    taken.phone = bob.phone.clone();
    let outcome = store.update_details(&ada, &taken).await.unwrap();
    assert_eq!(outcome, DetailsUpdate::PhoneTaken);
    let mut taken = ada.clone();
    taken.email = bob.email.clone();
    let outcome = store.update_details(&ada, &taken).await.unwrap();
    assert_eq!(outcome, DetailsUpdate::EmailTaken);
    assert_eq!(
        details(&reread(&*store, &ada).await),
        details(&ada),
        "a refused change writes nothing"
    );
    assert!(store.find(&record.digest).await.unwrap().is_some());

    let mut after = ada.clone();
    after.email = Some(email("ada.new@recovery.test"));
    after.phone = None;
    after.locale = Some(Locale::parse("de").unwrap());
    after.social_provider = Some("Google".into());
    after.active_reset = None;
    let outcome = store.update_details(&ada, &after).await.unwrap();
    assert_eq!(outcome, DetailsUpdate::Updated);
    let stored = reread(&*store, &ada).await;
    assert_eq!(stored.email, after.email);
    assert_eq!(stored.phone, None);
    assert_eq!(stored.locale.as_ref().map(Locale::as_str), Some("de"));
    assert_eq!(stored.social_provider.as_deref(), Some("Google"));
    assert_eq!(
        stored.password_hash.as_ref().map(|h| h.expose_phc().to_owned()),
        ada.password_hash.as_ref().map(|h| h.expose_phc().to_owned()),
        "the password stays"
    );
    let found = store.find_by_email(&email("ada.new@recovery.test")).await;
    assert_eq!(found.unwrap().map(|a| a.id), Some(ada.id.clone()));
    assert!(store.find_by_email(&email("ada@recovery.test")).await.unwrap().is_none());
    assert!(store.find_by_phone(&number).await.unwrap().is_none());
    assert!(store.find_code(&number).await.unwrap().is_none(), "the code to the old number dies");
    assert!(
        store.find(&record.digest).await.unwrap().is_none(),
        "the link to the old address dies"
    );
    // The old address and number are free for another account now.
    let mut bob_after = bob.clone();
    bob_after.email = Some(email("ada@recovery.test"));
    bob_after.phone = Some(number);
    assert_eq!(store.update_details(&bob, &bob_after).await.unwrap(), DetailsUpdate::Updated);

    // Read before a change that happened since: nothing is written.
    let mut stale = ada.clone();
    stale.email = Some(email("ada.stale@recovery.test"));
    assert_eq!(store.update_details(&ada, &stale).await.unwrap(), DetailsUpdate::Moved);
    assert!(store.find_by_email(&email("ada.stale@recovery.test")).await.unwrap().is_none());
}

pub async fn disabling_kills_the_link_and_the_code_and_writes_its_event(store: Arc<impl Store>) {
    let (ada, record, number) = with_link_and_code(&*store).await;
    let ada = reread(&*store, &ada).await;
    let event = message(&ada, T0 + 1);
    assert_eq!(
        store.set_disabled(&ada, true, std::slice::from_ref(&event)).await.unwrap(),
        Written::Done
    );
    let stored = reread(&*store, &ada).await;
    assert!(stored.disabled);
    assert_eq!(stored.active_reset, None);
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert!(store.find_code(&number).await.unwrap().is_none());
    let keys = message_keys(&*store, &ada).await;
    assert!(keys.contains(&event.key), "the event goes with the change");

    let enabled = message(&ada, T0 + 2);
    assert_eq!(store.set_disabled(&stored, false, &[enabled]).await.unwrap(), Written::Done);
    assert!(!reread(&*store, &ada).await.disabled);

    let gone = account(&*store, "gone", None).await;
    assert_eq!(store.delete(&gone, &[]).await.unwrap(), Written::Done);
    assert_eq!(
        store.set_disabled(&gone, true, &[message(&gone, T0)]).await.unwrap(),
        Written::Stale
    );
    assert!(store.messages(&gone.id, 10).await.unwrap().is_empty(), "nothing written");
}

pub async fn a_lock_takes_the_password_link_and_code_only_while_the_change_stands(
    store: Arc<impl Store>,
) {
    // A password changed at T0, then a link and a code.
    let ada = account(&*store, "ada", Some(NUMBER)).await;
    assert_eq!(
        store.replace_password(&ada, &hash("set by someone"), at(T0), &[]).await.unwrap(),
        Written::Done
    );
    let ada = reread(&*store, &ada).await;
    assert_eq!(ada.password_changed_at, Some(at(T0)));
    let (_, record) = token(&ada, T0 + 1, 3600);
    store.issue(&ada, &record, &message(&ada, T0 + 1)).await.unwrap();
    let number = phone(NUMBER);
    let sent = code(Some(&ada), &number, "123456", T0 + 1);
    assert_eq!(store.store_code(&sent, &[], None).await.unwrap(), Written::Done);
    let ada = reread(&*store, &ada).await;

    // A lock for another change writes nothing.
    let event = message(&ada, T0 + 2);
    let other = lock_record(&ada, "other");
    let stale =
        store.lock(&ada, at(T0 - 60), at(T0 + 2), std::slice::from_ref(&event), (&other, DAY));
    assert_eq!(stale.await.unwrap(), Written::Stale);
    let untouched = reread(&*store, &ada).await;
    assert!(untouched.locked_at.is_none() && untouched.password_hash.is_some());
    assert!(!message_keys(&*store, &ada).await.contains(&event.key));
    assert!(store.list("ada", 10).await.unwrap().is_empty(), "no record either");

    // The lock for this change: locked (not disabled), no password, no
    // link, no code.
    let this = lock_record(&ada, "this");
    assert_eq!(
        store
            .lock(&ada, at(T0), at(T0 + 2), std::slice::from_ref(&event), (&this, DAY))
            .await
            .unwrap(),
        Written::Done
    );
    let records = store.list("ada", 10).await.unwrap();
    assert_eq!(records.len(), 1, "the record came with the lock");
    assert_eq!((records[0].request_id.as_str(), records[0].outcome.as_str()), ("this", "ok"));
    let locked = reread(&*store, &ada).await;
    assert!(!locked.disabled && locked.blocked());
    assert_eq!(locked.password_hash.as_ref().map(|h| h.expose_phc().to_owned()), None);
    assert_eq!(locked.active_reset, None);
    assert_eq!(locked.locked_at, Some(at(T0 + 2)));
    assert_eq!(locked.password_changed_at, Some(at(T0)));
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert!(store.find_code(&number).await.unwrap().is_none());
    assert!(message_keys(&*store, &ada).await.contains(&event.key));

    // A second lock of the same change writes nothing.
    let second = lock_record(&ada, "second");
    let again = store.lock(&locked, at(T0), at(T0 + 3), &[], (&second, DAY));
    assert_eq!(again.await.unwrap(), Written::Stale);
    assert_eq!(store.list("ada", 10).await.unwrap().len(), 1);

    let gone = account(&*store, "gone", None).await;
    assert_eq!(store.delete(&gone, &[]).await.unwrap(), Written::Done);
    let record = lock_record(&gone, "gone");
    let stale = store.lock(&gone, at(T0), at(T0 + 3), &[], (&record, DAY));
    assert_eq!(stale.await.unwrap(), Written::Stale);
}

/// How long the contract's audit records are kept.
const DAY: i64 = 86_400;

/// The audit record of a lock asked with request `request_id`.
fn lock_record(user: &UserAccount, request_id: &str) -> AuditRecord {
    AuditRecord {
        target: user.login.as_str().to_owned(),
        user_id: Some(user.id.as_str().to_owned()),
        action: "lock_account".into(),
        caller: "the account's owner".into(),
        on_behalf_of: None,
        outcome: "ok".into(),
        detail: None,
        at_millis: T0 * 1000,
        request_id: request_id.to_owned(),
        workspaces: user.workspaces.clone(),
    }
}

pub async fn posts_sent_at_once_lock_once(store: Arc<impl Store + 'static>) {
    let ada = account(&*store, "ada", None).await;
    assert_eq!(
        store.replace_password(&ada, &hash("set by someone"), at(T0), &[]).await.unwrap(),
        Written::Done
    );
    let ada = reread(&*store, &ada).await;
    let posts = at_once(10, |n| {
        let (store, ada) = (store.clone(), ada.clone());
        async move {
            let event = message(&ada, T0 + 1);
            let record = lock_record(&ada, &format!("post-{n}"));
            let events = std::slice::from_ref(&event);
            let locked = store.lock(&ada, at(T0), at(T0 + 1), events, (&record, DAY)).await;
            (locked.unwrap(), event.key)
        }
    })
    .await;
    let mut landed = Vec::new();
    for (locked, key) in posts {
        if locked == Written::Done {
            landed.push(key);
        }
    }
    assert_eq!(landed.len(), 1, "one lock");
    let keys = message_keys(&*store, &ada).await;
    assert!(keys.contains(&landed[0]), "its event");
    assert_eq!(keys.len(), 1, "one event");
    assert_eq!(store.list("ada", 20).await.unwrap().len(), 1, "one record");
}

pub async fn deleting_leaves_nothing_that_names_the_account(store: Arc<impl Store>) {
    let (ada, record, number) = with_link_and_code(&*store).await;
    let ada = reread(&*store, &ada).await;
    // Its counters, as forgot and the sign-in check leave them.
    let lookup = AccountLookup::Login(ada.login.clone());
    let keys = counters_naming(&ada);
    let state = store.load_request(&lookup, &keys, &[]).await.unwrap();
    let updates: Vec<CounterUpdate<'_>> = state
        .counters
        .iter()
        .map(|counter| CounterUpdate::replace(counter, super::tally(&[T0]), at(T0 + 86_400)))
        .collect();
    assert_eq!(store.record_hits(&updates, None).await.unwrap(), Written::Done);
    for n in 0..3 {
        store.enqueue(&message(&ada, T0 + n)).await.unwrap();
    }
    let bob = account(&*store, "bob", Some(OTHER_NUMBER)).await;

    let event = message(&ada, T0 + 10);
    assert_eq!(store.delete(&ada, std::slice::from_ref(&event)).await.unwrap(), Written::Done);
    assert!(store.get(&ada.id).await.unwrap().is_none());
    assert!(store.find_by_login(&ada.login).await.unwrap().is_none());
    assert!(store.find_by_email(&email("ada@recovery.test")).await.unwrap().is_none());
    assert!(store.find_by_phone(&number).await.unwrap().is_none());
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert!(store.find_code(&number).await.unwrap().is_none());
    let state = store.load_request(&lookup, &keys, &[]).await.unwrap();
    assert!(state.counters.iter().all(|c| c.version == 0 && c.hits.is_empty()));
    let left = message_keys(&*store, &ada).await;
    assert_eq!(left, vec![event.key], "only the deletion's event is left");
    assert_eq!(store.delete(&ada, &[]).await.unwrap(), Written::Stale, "already gone");
    assert_eq!(
        details(&reread(&*store, &bob).await),
        details(&bob),
        "another account is untouched"
    );
    // The login, its look-alikes, the address and the number are free.
    let again =
        TestAccount::new("ada").email("ada@recovery.test").phone(NUMBER).create_in(&*store).await;
    assert_ne!(again.id, ada.id);
}

pub async fn a_link_is_issued_only_while_the_account_is_as_read(store: Arc<impl Store>) {
    let read = account(&*store, "ada", Some(NUMBER)).await;
    // An administrator changes the email after a forgot request read it.
    let moved = UserAccount {
        email: Some(EmailAddress::parse("ada.new@recovery.test").unwrap()),
        ..read.clone()
    };
    assert_eq!(store.update_details(&read, &moved).await.unwrap(), DetailsUpdate::Updated);
    let (_, stale) = token(&read, T0, 3600);
    let issued = store.issue(&read, &stale, &message(&read, T0)).await.unwrap();
    assert_eq!(issued, IssueOutcome::AccountChanged, "no link to the old address");
    assert!(store.find(&stale.digest).await.unwrap().is_none());
    assert!(store.messages(&read.id, 50).await.unwrap().is_empty(), "nothing in the outbox");
    // Read again, it is issued; then a link issued meanwhile, or a disabled
    // account, refuses the request that read it before.
    let now = reread(&*store, &read).await;
    let (_, first) = token(&now, T0 + 1, 3600);
    assert_eq!(
        store.issue(&now, &first, &message(&now, T0 + 1)).await.unwrap(),
        IssueOutcome::Issued
    );
    let (_, second) = token(&now, T0 + 2, 3600);
    let issued = store.issue(&now, &second, &message(&now, T0 + 2)).await.unwrap();
    assert_eq!(issued, IssueOutcome::AccountChanged, "another link went out meanwhile");
    let now = reread(&*store, &now).await;
    assert_eq!(store.set_disabled(&now, true, &[]).await.unwrap(), Written::Done);
    let (_, third) = token(&now, T0 + 3, 3600);
    let issued = store.issue(&now, &third, &message(&now, T0 + 3)).await.unwrap();
    assert_eq!(issued, IssueOutcome::AccountChanged, "disabled meanwhile");
    assert!(store.find(&third.digest).await.unwrap().is_none());
}

/// Locked (by the owner) and disabled (by an administrator) are two states:
/// a lock lands on a disabled account and takes its password, link and
/// code; a disable lands on a locked one; each way back clears its own
/// state and leaves the other.
pub async fn locked_and_disabled_are_two_states_each_with_its_way_back(store: Arc<impl Store>) {
    let ada = account(&*store, "ada", Some(NUMBER)).await;
    let by_someone = hash("set by someone");
    let set = store.replace_password(&ada, &by_someone, at(T0), &[]);
    assert_eq!(set.await.unwrap(), Written::Done);
    let ada = reread(&*store, &ada).await;

    // Lock after disable: the lock still takes everything.
    assert_eq!(store.set_disabled(&ada, true, &[]).await.unwrap(), Written::Done);
    let disabled = reread(&*store, &ada).await;
    let (_, record) = token(&disabled, T0 + 1, 3600);
    let number = phone(NUMBER);
    let sent = code(Some(&disabled), &number, "123456", T0 + 1);
    assert_eq!(store.store_code(&sent, &[], None).await.unwrap(), Written::Done);
    let event = message(&disabled, T0 + 2);
    let audit = lock_record(&disabled, "after-disable");
    let events = std::slice::from_ref(&event);
    let locked = store.lock(&disabled, at(T0), at(T0 + 2), events, (&audit, DAY));
    assert_eq!(locked.await.unwrap(), Written::Done);
    let both = reread(&*store, &ada).await;
    assert!(both.disabled && both.locked_at == Some(at(T0 + 2)));
    assert!(both.password_hash.is_none());
    assert!(store.find(&record.digest).await.unwrap().is_none());
    assert!(store.find_code(&number).await.unwrap().is_none());
    assert_eq!(store.list("ada", 10).await.unwrap().len(), 1, "audited");
    assert!(message_keys(&*store, &ada).await.contains(&event.key), "announced");

    // Enabling clears the disable only; unlocking clears the lock only.
    assert_eq!(store.set_disabled(&both, false, &[]).await.unwrap(), Written::Done);
    let enabled = reread(&*store, &ada).await;
    assert!(!enabled.disabled && enabled.locked_at.is_some() && enabled.blocked());
    assert_eq!(store.unlock(&enabled, &[]).await.unwrap(), Written::Done);
    let open = reread(&*store, &ada).await;
    assert!(!open.blocked() && open.password_hash.is_none(), "a password comes by the link");
    assert_eq!(store.unlock(&open, &[]).await.unwrap(), Written::Stale, "not locked");

    // Disable after lock, then unlock: still disabled.
    let set_again = hash("set again");
    let set = store.replace_password(&open, &set_again, at(T0 + 10), &[]);
    assert_eq!(set.await.unwrap(), Written::Done);
    let open = reread(&*store, &ada).await;
    let audit = lock_record(&open, "before-disable");
    assert_eq!(
        store.lock(&open, at(T0 + 10), at(T0 + 11), &[], (&audit, DAY)).await.unwrap(),
        Written::Done
    );
    let locked = reread(&*store, &ada).await;
    assert_eq!(store.set_disabled(&locked, true, &[]).await.unwrap(), Written::Done);
    let both = reread(&*store, &ada).await;
    assert!(both.disabled && both.locked_at == Some(at(T0 + 11)));
    assert_eq!(store.unlock(&both, &[]).await.unwrap(), Written::Done);
    let unlocked = reread(&*store, &ada).await;
    assert!(unlocked.disabled && unlocked.locked_at.is_none() && unlocked.blocked());
}
