//! Contract cases of the rate counters of forgot requests: read with the
//! account an identifier names, and written only together with what the
//! request does, when each counter's write still holds: a replacing write
//! on the counter as read, an added hit while the counter has room.

use std::sync::Arc;

use super::{OTHER_NUMBER, T0, WINDOWS, account, at, message, reread, tally, token};
use recovery_core::ports::Written;
use recovery_core::ports::{
    CounterChange, CounterKey, CounterUpdate, IssueOutcome, RateCounter, RequestState, Store,
};
use recovery_domain::{AccountLookup, EmailAddress, LoginName, hit_buckets};

/// One hit at `hit` on each counter `state` read (the account's too).
fn hits(state: &RequestState, hit: i64) -> Vec<CounterUpdate<'_>> {
    (state.counters.iter().chain(&state.account_counters))
        .map(|counter| CounterUpdate::replace(counter, tally(&[hit]), at(hit + 86_400)))
        .collect()
}

pub async fn a_request_reads_its_counters_the_account_and_the_accounts_counters(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "lin", Some(OTHER_NUMBER)).await;
    let keys = vec![
        CounterKey::address("192.0.2.1"),
        CounterKey::typed(&AccountLookup::Login(LoginName::parse("lin").unwrap())),
    ];
    let lookups = [
        AccountLookup::Login(LoginName::parse("lin").unwrap()),
        AccountLookup::Email(EmailAddress::parse("lin@recovery.test").unwrap()),
        AccountLookup::parse(OTHER_NUMBER).unwrap(),
    ];
    for lookup in &lookups {
        let state = store.load_request(lookup, &keys, &["emails"]).await.unwrap();
        assert_eq!(state.account.as_ref().map(|a| &a.id), Some(&user.id));
        let names: Vec<&CounterKey> = state.counters.iter().map(|c| &c.key).collect();
        assert_eq!(names, keys.iter().collect::<Vec<_>>());
        assert_eq!(state.account_counters.len(), 1);
        assert_eq!(state.account_counters[0].key, CounterKey::account("emails", &user.id));
        assert!(
            (state.counters.iter().chain(&state.account_counters))
                .all(|c| c.version == 0 && c.hits.is_empty())
        );
    }
    let state = store.load_request(&lookups[0], &keys, &["emails"]).await.unwrap();
    assert_eq!(store.record_hits(&hits(&state, T0), None).await.unwrap(), Written::Done);
    let again = store.load_request(&lookups[1], &keys, &["emails"]).await.unwrap();
    for counter in again.counters.iter().chain(&again.account_counters) {
        assert_eq!((&counter.hits, counter.version), (&tally(&[T0]), 1));
    }
    let unknown = AccountLookup::Login(LoginName::parse("nobody").unwrap());
    let state = store.load_request(&unknown, &keys, &["emails"]).await.unwrap();
    assert!(state.account.is_none());
    assert!(state.account_counters.is_empty());
    assert_eq!(state.counters.len(), 2);
}

pub async fn hits_are_written_with_the_link_or_the_notice_or_nothing_is(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let lookup = AccountLookup::Login(LoginName::parse("ada").unwrap());
    let keys = vec![CounterKey::typed(&lookup)];
    let first = store.load_request(&lookup, &keys, &["emails"]).await.unwrap();
    let stale = store.load_request(&lookup, &keys, &["emails"]).await.unwrap();
    let (_, link) = token(&user, T0, 3600);
    let issued =
        store.issue_counted(&user, &link, &message(&user, T0), &hits(&first, T0)).await.unwrap();
    assert_eq!(issued, IssueOutcome::Issued);
    let user = reread(&*store, &user).await;
    let (_, late) = token(&user, T0 + 1, 3600);
    let refused = store
        .issue_counted(&user, &late, &message(&user, T0 + 1), &hits(&stale, T0 + 1))
        .await
        .unwrap();
    assert_eq!(refused, IssueOutcome::CountersMoved);
    assert!(store.find(&late.digest).await.unwrap().is_none());
    assert_eq!(reread(&*store, &user).await.active_reset, Some(link.digest));
    assert_eq!(store.messages(&user.id, 10).await.unwrap().len(), 1);
    // Hits alone, with a notice or without, from a stale read: nothing.
    assert_eq!(
        store.record_hits(&hits(&stale, T0 + 2), Some(&message(&user, T0 + 2))).await.unwrap(),
        Written::Stale
    );
    assert_eq!(store.messages(&user.id, 10).await.unwrap().len(), 1);
    let now = store.load_request(&lookup, &keys, &["emails"]).await.unwrap();
    assert_eq!(
        store.record_hits(&hits(&now, T0 + 3), Some(&message(&user, T0 + 3))).await.unwrap(),
        Written::Done
    );
    assert_eq!(store.messages(&user.id, 10).await.unwrap().len(), 2);
    let after = store.load_request(&lookup, &keys, &["emails"]).await.unwrap();
    assert_eq!(after.counters[0].version, 2);
}

/// `hit` added to `counter` as read, which may then hold at most `most`.
fn add(counter: &RateCounter, hit: i64, most: u32) -> CounterUpdate<'_> {
    let into = hit_buckets(&WINDOWS, hit);
    CounterUpdate {
        counter,
        change: CounterChange::Add { hit, into, most },
        expires_at: at(hit + 900),
    }
}

async fn read_counter(store: &impl Store, key: &CounterKey) -> RateCounter {
    let lookup = AccountLookup::Login(LoginName::parse("nobody").unwrap());
    let state = store.load_request(&lookup, std::slice::from_ref(key), &[]).await.unwrap();
    state.counters.into_iter().next().unwrap()
}

pub async fn hits_added_from_one_read_all_land_while_the_windows_have_room(store: Arc<impl Store>) {
    let user = account(&*store, "crowd", None).await;
    let key = &CounterKey::address("198.51.100.7");
    // Four requests read the counter never written, each with room for two
    // beside its own hit.
    let read = read_counter(&*store, key).await;
    assert_eq!((read.hits.count(), read.version), (0, 0));
    for n in 0..3 {
        assert_eq!(
            store.record_hits(&[add(&read, T0 + n, 2)], None).await.unwrap(),
            Written::Done,
            "hit {n} lands beside the others"
        );
    }
    let refused =
        store.record_hits(&[add(&read, T0 + 3, 2)], Some(&message(&user, T0 + 3))).await.unwrap();
    assert_eq!(refused, Written::Stale, "the fourth finds the window full");
    assert!(store.messages(&user.id, 10).await.unwrap().is_empty());
    let after = read_counter(&*store, key).await;
    assert_eq!(after.hits, tally(&[T0, T0 + 1, T0 + 2]));
    assert_eq!(after.version, 1, "added hits keep the version");
    // A read of the three adds with room for one more.
    assert_eq!(
        store.record_hits(&[add(&after, T0 + 4, 3)], Some(&message(&user, T0 + 4))).await.unwrap(),
        Written::Done
    );
    assert_eq!(store.messages(&user.id, 10).await.unwrap().len(), 1);
    assert_eq!(read_counter(&*store, key).await.hits.count(), 4);
}

pub async fn a_replacing_write_and_an_added_hit_from_one_read_never_both_land(
    store: Arc<impl Store>,
) {
    let key = &CounterKey::address("198.51.100.8");
    let fresh = read_counter(&*store, key).await;
    let first = CounterUpdate::replace(&fresh, tally(&[T0]), at(T0 + 900));
    assert_eq!(store.record_hits(&[first], None).await.unwrap(), Written::Done);
    // Two requests read [T0] at version 1; one adds, then the other's
    // replacing write (which would drop the added hit) is refused.
    let a = read_counter(&*store, key).await;
    let b = read_counter(&*store, key).await;
    assert_eq!((&a.hits, a.version), (&tally(&[T0]), 1));
    assert_eq!(store.record_hits(&[add(&a, T0 + 1, 5)], None).await.unwrap(), Written::Done);
    let dropped = CounterUpdate::replace(&b, tally(&[T0 + 2]), at(T0 + 900));
    assert_eq!(store.record_hits(&[dropped], None).await.unwrap(), Written::Stale);
    let c = read_counter(&*store, key).await;
    assert_eq!((&c.hits, c.version), (&tally(&[T0, T0 + 1]), 1));
    // A replacing write of the counter as read lands, a version on; a hit
    // added from a read before it is refused.
    let d = read_counter(&*store, key).await;
    let pruned = CounterUpdate::replace(&d, tally(&[T0 + 1, T0 + 3]), at(T0 + 900));
    assert_eq!(store.record_hits(&[pruned], None).await.unwrap(), Written::Done);
    assert_eq!(store.record_hits(&[add(&c, T0 + 4, 5)], None).await.unwrap(), Written::Stale);
    let e = read_counter(&*store, key).await;
    assert_eq!((&e.hits, e.version), (&tally(&[T0 + 1, T0 + 3]), 2));
    // A replacing write from a read of nothing, once something is there.
    let late = CounterUpdate::replace(&fresh, tally(&[T0 + 5]), at(T0 + 900));
    assert_eq!(store.record_hits(&[late], None).await.unwrap(), Written::Stale);
}
