//! Rate counters as items, and back.

use super::*;
use recovery_core::ports::{CounterKey, CounterUpdate, RateCounter};
use recovery_domain::{Bucket, Tally, Timestamp};

/// The attribute of a counter's interval: `b<window seconds>_<index>`.
fn bucket_name(bucket: &Bucket) -> String {
    format!("{BUCKET_PREFIX}{}_{}", bucket.window, bucket.index)
}

/// The counter named `key`, as stored in `item` (or never written).
pub(in crate::dynamodb) fn counter_from_item(key: &CounterKey, item: Option<&Item>) -> RateCounter {
    let mut hits = Tally::default();
    for (name, value) in item.into_iter().flatten() {
        let bucket = name.strip_prefix(BUCKET_PREFIX).and_then(|b| b.split_once('_'));
        let count = value.as_n().ok().and_then(|n| n.parse().ok());
        if let (Some((window, index)), Some(count)) = (bucket, count)
            && let (Ok(window), Ok(index)) = (window.parse(), index.parse())
        {
            hits.insert(Bucket { window, index }, count);
        }
    }
    hits.last = item.and_then(|i| get_n(i, LAST_HIT)).filter(|_| !hits.is_empty());
    RateCounter {
        key: key.clone(),
        hits,
        version: item.and_then(|i| get_n(i, VERSION)).unwrap_or(0),
    }
}

/// The counter `counter` as a replacing write leaves it: `hits`, one
/// version on.
pub(in crate::dynamodb) fn counter_item(
    counter: &RateCounter,
    hits: &Tally,
    expires_at: Timestamp,
) -> Item {
    let mut item = rate_key(&counter.key);
    item.insert(KIND.into(), s("rate_counter"));
    for (bucket, count) in hits.buckets() {
        item.insert(bucket_name(bucket), n(i64::from(*count)));
    }
    item.insert(HIT_COUNT.into(), n(i64::from(hits.count())));
    if let Some(last) = hits.last {
        item.insert(LAST_HIT.into(), n(last));
    }
    item.insert(VERSION.into(), n(counter.version + 1));
    item.insert(EXPIRES_AT.into(), n(expires_at.epoch_seconds()));
    item
}

/// The update, names and values that add `hit`, counted in `into`, to the
/// counter `update` read, under [`expr::COUNTER_HAS_ROOM`] (it then holds
/// at most `most`).
pub(in crate::dynamodb) fn counter_add(
    update: &CounterUpdate<'_>,
    hit: i64,
    into: &[Bucket],
    most: u32,
) -> (String, HashMap<String, String>, Item) {
    let mut expression = String::from(expr::ADD_HIT);
    let mut names = HashMap::new();
    for (i, bucket) in into.iter().enumerate() {
        expression.push_str(&format!(", #b{i} = if_not_exists(#b{i}, :zero) + :one"));
        names.insert(format!("#b{i}"), bucket_name(bucket));
    }
    let values = HashMap::from([
        (":kind".to_owned(), s("rate_counter")),
        (":hit".to_owned(), n(hit)),
        (":zero".to_owned(), n(0)),
        (":one".to_owned(), n(1)),
        (":expires".to_owned(), n(update.expires_at.epoch_seconds())),
        (":version".to_owned(), n(update.counter.version.max(1))),
        (":most".to_owned(), n(i64::from(most))),
    ]);
    (expression, names, values)
}
