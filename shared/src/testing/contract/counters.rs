//! Contract cases of the rate counters of forgot requests: read with the
//! account an identifier names, and written only together with what the
//! request does, at the versions read.

use std::sync::Arc;

use super::{OTHER_NUMBER, T0, account, at, message, reread, token};
use crate::domain::{AccountLookup, EmailAddress, LoginName};
use crate::ports::{CounterUpdate, IssueOutcome, RequestState, Store, account_counter_key};

/// One hit at `hit` on each counter `state` read (the account's too).
fn hits(state: &RequestState, hit: i64) -> Vec<CounterUpdate<'_>> {
    (state.counters.iter().chain(&state.account_counters))
        .map(|counter| CounterUpdate {
            counter,
            hits: vec![hit],
            expires_at: at(hit + 86_400),
        })
        .collect()
}

pub async fn a_request_reads_its_counters_the_account_and_the_accounts_counters(
    store: Arc<impl Store>,
) {
    let user = account(&*store, "lin", Some(OTHER_NUMBER)).await;
    let keys = vec!["ip#192.0.2.1".to_owned(), "login#lin".to_owned()];
    let lookups = [
        AccountLookup::Login(LoginName::parse("lin").unwrap()),
        AccountLookup::Email(EmailAddress::parse("lin@recovery.test").unwrap()),
        AccountLookup::parse(OTHER_NUMBER).unwrap(),
    ];
    for lookup in &lookups {
        let state = store
            .load_request(lookup, &keys, &["emails"])
            .await
            .unwrap();
        assert_eq!(state.account.as_ref().map(|a| &a.id), Some(&user.id));
        let names: Vec<&str> = state.counters.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(names, keys);
        assert_eq!(state.account_counters.len(), 1);
        assert_eq!(
            state.account_counters[0].key,
            account_counter_key("emails", &user.id)
        );
        assert!(
            (state.counters.iter().chain(&state.account_counters))
                .all(|c| c.version == 0 && c.hits.is_empty())
        );
    }
    let state = store
        .load_request(&lookups[0], &keys, &["emails"])
        .await
        .unwrap();
    assert!(store.record_hits(&hits(&state, T0), None).await.unwrap());
    let again = store
        .load_request(&lookups[1], &keys, &["emails"])
        .await
        .unwrap();
    for counter in again.counters.iter().chain(&again.account_counters) {
        assert_eq!((counter.hits.as_slice(), counter.version), (&[T0][..], 1));
    }
    let unknown = AccountLookup::Login(LoginName::parse("nobody").unwrap());
    let state = store
        .load_request(&unknown, &keys, &["emails"])
        .await
        .unwrap();
    assert!(state.account.is_none());
    assert!(state.account_counters.is_empty());
    assert_eq!(state.counters.len(), 2);
}

pub async fn hits_are_written_with_the_link_or_the_notice_or_nothing_is(store: Arc<impl Store>) {
    let user = account(&*store, "ada", None).await;
    let lookup = AccountLookup::Login(LoginName::parse("ada").unwrap());
    let keys = vec!["login#ada".to_owned()];
    let first = store
        .load_request(&lookup, &keys, &["emails"])
        .await
        .unwrap();
    let stale = store
        .load_request(&lookup, &keys, &["emails"])
        .await
        .unwrap();
    let (_, link) = token(&user, T0, 3600);
    let issued = store
        .issue_counted(&user, &link, &message(&user, T0), &hits(&first, T0))
        .await
        .unwrap();
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
    assert!(
        !store
            .record_hits(&hits(&stale, T0 + 2), Some(&message(&user, T0 + 2)))
            .await
            .unwrap()
    );
    assert_eq!(store.messages(&user.id, 10).await.unwrap().len(), 1);
    let now = store
        .load_request(&lookup, &keys, &["emails"])
        .await
        .unwrap();
    assert!(
        store
            .record_hits(&hits(&now, T0 + 3), Some(&message(&user, T0 + 3)))
            .await
            .unwrap()
    );
    assert_eq!(store.messages(&user.id, 10).await.unwrap().len(), 2);
    let after = store
        .load_request(&lookup, &keys, &["emails"])
        .await
        .unwrap();
    assert_eq!(after.counters[0].version, 2);
}
