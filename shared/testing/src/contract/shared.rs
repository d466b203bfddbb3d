//! Contract cases of what every caller writes alike: a counter's shards,
//! each written under its cap, and the holds on texts.

use std::sync::Arc;

use super::{T0, at, at_once};
use recovery_core::ports::{ShardPart, SharedCounter, SmsHold, SmsHoldOn, Store, Written};
use recovery_domain::Shards;

fn counter() -> SharedCounter {
    SharedCounter { name: "test#spend".into(), shards: Shards::new(4), expires_at: at(T0 + 86_400) }
}

pub async fn a_shard_is_added_to_only_while_it_has_room_and_the_shards_sum(
    store: Arc<impl Store + 'static>,
) {
    let counter = counter();
    let part = |shard, amount, most| ShardPart { shard, amount, most };
    assert_eq!(store.read_shards(&counter).await.unwrap(), [0, 0, 0, 0]);
    assert_eq!(store.add_to_shard(&counter, part(1, 6, 10)).await.unwrap(), Some(6));
    assert_eq!(store.add_to_shard(&counter, part(1, 4, 10)).await.unwrap(), Some(10));
    assert_eq!(store.add_to_shard(&counter, part(1, 1, 10)).await.unwrap(), None, "full");
    assert_eq!(store.add_to_shard(&counter, part(2, 11, 10)).await.unwrap(), None, "too big");
    // Parts over several shards land all or none.
    let parts = [part(0, 5, 10), part(1, 1, 10)];
    assert_eq!(store.add_to_shards(&counter, &parts).await.unwrap(), Written::Stale);
    let parts = [part(0, 5, 10), part(3, 2, 10)];
    assert_eq!(store.add_to_shards(&counter, &parts).await.unwrap(), Written::Done);
    store.take_from_shard(&counter, 1, 4).await.unwrap();
    assert_eq!(store.read_shards(&counter).await.unwrap(), [5, 6, 0, 2]);
    // Many writers at once on one shard: exactly as many land as fit.
    let landed = at_once(12, |_| {
        let (store, counter) = (store.clone(), counter.clone());
        async move { store.add_to_shard(&counter, part(2, 1, 10)).await.unwrap() }
    })
    .await;
    assert_eq!(landed.iter().flatten().count(), 10);
    assert_eq!(store.read_shards(&counter).await.unwrap().iter().sum::<u64>(), 23);
    // A baseline is folded once a minute, by whichever instance is first.
    use recovery_core::ports::Baseline;
    assert_eq!(store.baseline("route#forgot").await.unwrap(), None);
    let first = Baseline { minute: 100, per_minute_x100: 1_000 };
    assert_eq!(store.fold_baseline("route#forgot", first).await.unwrap(), Written::Done);
    let same = Baseline { minute: 100, per_minute_x100: 5_000 };
    assert_eq!(store.fold_baseline("route#forgot", same).await.unwrap(), Written::Stale);
    let next = Baseline { minute: 101, per_minute_x100: 1_200 };
    assert_eq!(store.fold_baseline("route#forgot", next).await.unwrap(), Written::Done);
    assert_eq!(store.baseline("route#forgot").await.unwrap(), Some(next));
}

pub async fn a_tally_counts_each_name_over_its_shards_and_writers_at_once_all_land(
    store: Arc<impl Store + 'static>,
) {
    let tally = SharedCounter {
        name: "funnel#2026-12-06".into(),
        shards: Shards::new(130),
        expires_at: at(T0 + 86_400),
    };
    assert!(store.read_tally(&tally).await.unwrap().is_empty());
    let names = |list: &[&str]| list.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    store.add_to_tally(&tally, 0, &names(&["email_link.requested", "locked"])).await.unwrap();
    // A name twice in one write counts twice; the last shard past the
    // first hundred (one read takes a hundred keys) counts too.
    let twice = names(&["sms_code.sent", "sms_code.sent"]);
    store.add_to_tally(&tally, 129, &twice).await.unwrap();
    store.add_to_tally(&tally, 7, &[]).await.unwrap();
    let landed = at_once(12, |i| {
        let (store, tally) = (store.clone(), tally.clone());
        let names = vec!["email_link.requested".to_owned()];
        async move { store.add_to_tally(&tally, (i % 3) as u16, &names).await.unwrap() }
    })
    .await;
    assert_eq!(landed.len(), 12);
    let counts = store.read_tally(&tally).await.unwrap();
    let expected = [("email_link.requested", 13), ("locked", 1), ("sms_code.sent", 2)];
    let expected = expected.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect();
    assert_eq!(counts, expected);
    // Another day's tally is apart.
    let other = SharedCounter { name: "funnel#2026-12-07".into(), ..tally };
    assert!(store.read_tally(&other).await.unwrap().is_empty());
}

pub async fn a_hold_is_placed_once_while_it_lasts_and_notices_are_taken_once(
    store: Arc<impl Store>,
) {
    let hold = |on, since, until| SmsHold {
        on,
        reason: "daily_budget".into(),
        since: at(since),
        until: at(until),
    };
    let budget = hold(SmsHoldOn::Budget, T0, T0 + 100);
    assert!(store.sms_holds(&[SmsHoldOn::Budget]).await.unwrap().is_empty());
    assert_eq!(store.place_sms_hold(&budget).await.unwrap(), Written::Done);
    let again = hold(SmsHoldOn::Budget, T0 + 50, T0 + 200);
    assert_eq!(store.place_sms_hold(&again).await.unwrap(), Written::Stale, "one is live");
    let country = hold(SmsHoldOn::Country(44), T0, T0 + 10);
    assert_eq!(store.place_sms_hold(&country).await.unwrap(), Written::Done);
    let mut holds = store
        .sms_holds(&[SmsHoldOn::Budget, SmsHoldOn::Country(44), SmsHoldOn::Country(49)])
        .await
        .unwrap();
    holds.sort_by_key(|h| h.on);
    assert_eq!(holds, [budget.clone(), country]);
    // Once it has ended, another takes its place.
    let later = hold(SmsHoldOn::Budget, T0 + 100, T0 + 300);
    assert_eq!(store.place_sms_hold(&later).await.unwrap(), Written::Done);
    assert_eq!(store.sms_holds(&[SmsHoldOn::Budget]).await.unwrap(), [later]);
    // Listed, and lifted while live only.
    let mut listed = store.list_sms_holds().await.unwrap();
    listed.sort_by_key(|h| h.on);
    assert_eq!(listed.len(), 2);
    assert_eq!(
        store.lift_sms_hold(SmsHoldOn::Country(44), at(T0 + 20)).await.unwrap(),
        Written::Stale,
        "it ended"
    );
    assert_eq!(store.lift_sms_hold(SmsHoldOn::Budget, at(T0 + 150)).await.unwrap(), Written::Done);
    let lifted = store.sms_holds(&[SmsHoldOn::Budget]).await.unwrap();
    assert_eq!(lifted[0].until, at(T0 + 150));
    assert!(!lifted[0].live_at(at(T0 + 150)));
    assert_eq!(store.lift_sms_hold(SmsHoldOn::Budget, at(T0 + 160)).await.unwrap(), Written::Stale);
    let notice = "sms-budget-80#day#2027-01-15";
    assert_eq!(store.take_notice(notice, at(T0 + 86_400)).await.unwrap(), Written::Done);
    assert_eq!(store.take_notice(notice, at(T0 + 86_400)).await.unwrap(), Written::Stale);
    // A challenge is used once.
    let nonce = "00112233445566778899aabbccddeeff";
    assert_eq!(store.redeem_challenge(nonce, at(T0 + 300)).await.unwrap(), Written::Done);
    assert_eq!(store.redeem_challenge(nonce, at(T0 + 300)).await.unwrap(), Written::Stale);
    let other = "ffeeddccbbaa99887766554433221100";
    assert_eq!(store.redeem_challenge(other, at(T0 + 300)).await.unwrap(), Written::Done);
}
