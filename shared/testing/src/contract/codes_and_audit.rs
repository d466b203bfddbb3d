//! The contract of the SMS-code and audit ports.

use std::sync::Arc;

use super::*;
use recovery_core::ports::Written;
use recovery_core::ports::{CounterKey, RequestState};
use recovery_domain::AccountLookup;

// --------------------------------------------------------------- codes --

pub async fn codes_are_replaced_by_newer_ones(store: Arc<impl Store>) {
    let number = phone(NUMBER);
    let first = code(None, &number, "123456", T0);
    assert_eq!(store.store_code(&first, &[], None).await.unwrap(), Written::Done);
    assert_eq!(store.find_code(&number).await.unwrap(), Some(first.clone()));
    let second = code(None, &number, "654321", T0 + 30);
    assert_eq!(store.store_code(&second, &[], None).await.unwrap(), Written::Done);
    assert_eq!(store.find_code(&number).await.unwrap(), Some(second));
    assert_eq!(store.take_attempt(&first).await.unwrap(), Attempt::Stale);
    assert!(store.find_code(&phone("+4915100000009")).await.unwrap().is_none());
}

pub async fn wrong_attempts_count_down_to_a_burned_code(store: Arc<impl Store>) {
    let number = phone(NUMBER);
    let record = code(None, &number, "123456", T0);
    assert_eq!(store.store_code(&record, &[], None).await.unwrap(), Written::Done);
    for left in (0..5).rev() {
        assert_eq!(
            store.take_attempt(&record).await.unwrap(),
            Attempt::Counted { attempts_left: left }
        );
    }
    assert_eq!(store.take_attempt(&record).await.unwrap(), Attempt::Stale);
    let burned = store.find_code(&number).await.unwrap().unwrap();
    assert_eq!(burned.attempts_left, 0);
    // The guess that took the last attempt is compared after it: if it was
    // right, it still exchanges the code.
    let (_, record) = token(&account(&*store, "ada", Some(NUMBER)).await, T0, 600);
    assert_eq!(store.exchange_code(&burned, at(T0 + 1), &record).await.unwrap(), Written::Done);
}

pub async fn twenty_guesses_at_once_take_only_the_attempts_a_code_has(
    store: Arc<impl Store + 'static>,
) {
    let number = phone(NUMBER);
    let record = code(None, &number, "123456", T0);
    assert_eq!(store.store_code(&record, &[], None).await.unwrap(), Written::Done);
    let guesses = at_once(20, |_| {
        let (store, record) = (store.clone(), record.clone());
        async move { store.take_attempt(&record).await.unwrap() }
    })
    .await;
    let mut left = Vec::new();
    for guess in guesses {
        if let Attempt::Counted { attempts_left } = guess {
            left.push(attempts_left);
        }
    }
    left.sort_unstable();
    assert_eq!(left, [0, 1, 2, 3, 4], "five guesses counted, each once");
    assert_eq!(store.find_code(&number).await.unwrap().unwrap().attempts_left, 0);
    assert_eq!(store.take_attempt(&record).await.unwrap(), Attempt::Stale);
}

pub async fn a_code_is_exchanged_once_for_the_only_live_token(store: Arc<impl Store + 'static>) {
    let user = account(&*store, "ada", Some(NUMBER)).await;
    let number = phone(NUMBER);
    // An emailed link outstanding before the code.
    let (_, link) = token(&user, T0, 3600);
    store.issue(&user, &link, &message(&user, T0)).await.unwrap();
    let user = reread(&*store, &user).await;
    let sent = code(Some(&user), &number, "123456", T0);
    assert_eq!(store.store_code(&sent, &[], None).await.unwrap(), Written::Done);

    // Expired: refused, nothing changes.
    let (_, late) = token(&user, T0 + 60, 600);
    assert_eq!(store.exchange_code(&sent, at(T0 + 60), &late).await.unwrap(), Written::Stale);
    assert!(store.find_code(&number).await.unwrap().is_some());
    assert!(store.find(&late.digest).await.unwrap().is_none());

    let exchanges = at_once(10, |_| {
        let (store, sent, user) = (store.clone(), sent.clone(), user.clone());
        async move {
            let (token, record) = token(&user, T0 + 10, 600);
            let exchanged = store.exchange_code(&sent, at(T0 + 10), &record).await.unwrap();
            (exchanged, token)
        }
    })
    .await;
    let mut winners = Vec::new();
    for (exchanged, token) in exchanges {
        if exchanged == Written::Done {
            winners.push(token);
        }
    }
    assert_eq!(winners.len(), 1, "a code is exchanged once");
    assert!(store.find_code(&number).await.unwrap().is_none());
    let user = reread(&*store, &user).await;
    assert_eq!(user.active_reset, Some(winners[0].digest()), "the only live token");
    assert!(store.find(&winners[0].digest()).await.unwrap().is_some());
    let new_hash = hash("new");
    let emailed = redemption(&link, &user, &new_hash, T0 + 10);
    assert_eq!(store.redeem(emailed).await.unwrap(), RedeemOutcome::Rejected, "the link died");
}

pub async fn a_code_is_exchanged_only_for_an_account_that_has_the_number_and_may_recover(
    store: Arc<impl Store>,
) {
    let number = phone(NUMBER);
    let other_number = phone("+4915100000002");
    let disabled = TestAccount::new("off").phone(NUMBER).hash("$argon2id$x").disabled();
    let provider = TestAccount::new("social").phone("+4915100000003").provider("Google");
    let elsewhere = TestAccount::new("elsewhere").phone("+4915100000004");
    let cases = [
        (disabled.create_in(&*store).await, number),
        (provider.create_in(&*store).await, phone("+4915100000003")),
        // A code sent to a number the account does not have.
        (elsewhere.create_in(&*store).await, other_number),
    ];
    for (user, number) in cases {
        let sent = code(Some(&user), &number, "123456", T0);
        assert_eq!(store.store_code(&sent, &[], None).await.unwrap(), Written::Done);
        let (_, record) = token(&user, T0 + 10, 600);
        let login = user.login.as_str();
        assert_eq!(
            store.exchange_code(&sent, at(T0 + 10), &record).await.unwrap(),
            Written::Stale,
            "{login}"
        );
        assert!(store.find_code(&number).await.unwrap().is_some(), "{login}: code kept");
        assert!(store.find(&record.digest).await.unwrap().is_none(), "{login}: no token");
        assert!(reread(&*store, &user).await.active_reset.is_none(), "{login}");
    }
}

pub async fn counters_and_code_are_written_together_or_not_at_all(store: Arc<impl Store>) {
    let number = phone(NUMBER);
    let keys = vec![
        CounterKey::address("192.0.2.1"),
        CounterKey::typed(&AccountLookup::Phone(number.clone())),
    ];
    let first =
        store.load_request(&AccountLookup::Phone(number.clone()), &keys, &[]).await.unwrap();
    let stale =
        store.load_request(&AccountLookup::Phone(number.clone()), &keys, &[]).await.unwrap();
    assert!(first.account.is_none());
    assert_eq!(first.counters.iter().map(|c| c.key.clone()).collect::<Vec<_>>(), keys);
    assert!(first.counters.iter().all(|c| c.version == 0 && c.hits.is_empty()));
    fn updates(state: &RequestState, hit: i64) -> Vec<CounterUpdate<'_>> {
        (state.counters.iter())
            .map(|counter| CounterUpdate::replace(counter, super::tally(&[hit]), at(hit + 86_400)))
            .collect()
    }
    let written = code(None, &number, "111111", T0);
    assert_eq!(
        store.store_code(&written, &updates(&first, T0), None).await.unwrap(),
        Written::Done
    );
    let late = code(None, &number, "222222", T0 + 1);
    let refused = store.store_code(&late, &updates(&stale, T0 + 1), None).await.unwrap();
    assert_eq!(refused, Written::Stale, "a write from a stale read is refused");
    assert_eq!(
        store.find_code(&number).await.unwrap().unwrap().mac,
        written.mac,
        "and writes nothing, not even the code"
    );
    let now = store.load_request(&AccountLookup::Phone(number.clone()), &keys, &[]).await.unwrap();
    for counter in &now.counters {
        assert_eq!(counter.hits, super::tally(&[T0]));
        assert_eq!(counter.version, 1);
    }
    assert_eq!(store.store_code(&late, &updates(&now, T0 + 1), None).await.unwrap(), Written::Done);
}

pub async fn a_code_request_reads_the_account_with_the_number(store: Arc<impl Store>) {
    let user = account(&*store, "grace", Some(NUMBER)).await;
    let state =
        store.load_request(&AccountLookup::Phone(phone(NUMBER).clone()), &[], &[]).await.unwrap();
    assert_eq!(state.account.map(|a| a.id), Some(user.id));
    assert!(state.counters.is_empty());
    let unknown = store
        .load_request(&AccountLookup::Phone(phone("+4915100000009").clone()), &[], &[])
        .await
        .unwrap();
    assert!(unknown.account.is_none());
}

// --------------------------------------------------------------- audit --

pub async fn audit_records_are_listed_newest_first_and_concluded_once_appended(
    store: Arc<impl Store>,
) {
    let record = |at_millis: i64, request_id: &str, target: &str| AuditRecord {
        target: target.to_owned(),
        user_id: None,
        action: "set_password".into(),
        caller: "arn:aws:iam::123456789012:user/root".into(),
        on_behalf_of: Some("ops@example.com".into()),
        outcome: "pending".into(),
        detail: None,
        at_millis,
        request_id: request_id.to_owned(),
        workspaces: vec![],
    };
    let first = record(T0 * 1000, "a", "ada");
    let second = record(T0 * 1000, "b", "ada");
    // The workspaces a record concerns come back with it.
    let workspaces = ["acme", "beta"].map(|w| recovery_domain::WorkspaceId::parse(w).unwrap());
    let third = AuditRecord {
        detail: Some("listed 2".into()),
        workspaces: workspaces.to_vec(),
        ..record(T0 * 1000 + 1, "c", "ada")
    };
    for r in [&first, &second, &third, &record(T0 * 1000 + 2, "d", "bob")] {
        store.append(r, 86_400).await.unwrap();
    }
    let err = store.append(&first, 86_400).await.unwrap_err();
    assert_eq!(err.code, "DuplicateRecord");
    store.conclude(&first, "ok", Some("email to a***@x")).await.unwrap();
    store.conclude(&third, "ok", None).await.unwrap();
    let never = record(T0 * 1000 + 5, "e", "ada");
    assert_eq!(store.conclude(&never, "ok", None).await.unwrap_err().code, "MissingRecord");

    let listed = store.list("ada", 10).await.unwrap();
    let summary: Vec<_> = (listed.iter())
        .map(|r| (r.request_id.as_str(), r.outcome.as_str(), r.detail.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("c", "ok", Some("listed 2")),
            ("b", "pending", None),
            ("a", "ok", Some("email to a***@x")),
        ]
    );
    assert_eq!(store.list("ada", 2).await.unwrap().len(), 2);
    assert!(store.list("nobody", 10).await.unwrap().is_empty());
}
