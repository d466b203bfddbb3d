//! What every caller writes or reads alike:
//!
//! | item | `pk` | `sk` | other attributes |
//! |------|------|------|------------------|
//! | shard of a shared counter | `SHARED#<counter>#<shard>` | `SHARED` | `counted` |
//! | hold on texts | `SMSHOLDS#` | `budget`, `country#<calling code>` | `reason`, `held_since`, `held_until` |
//! | notice given once | `NOTICES#` | `<notice>` | |
//! | challenge used | `CHALLENGE#<nonce>` | `CHALLENGE` | |
//! | a route's baseline | `SHARED#<name>` | `BASELINE` | `folded_minute`, `per_minute_x100` |
//! | shard of a tally (the funnel's day) | `SHARED#<tally>#<shard>` | `TALLY` | `tally_<name>` per count |
//!
//! Each shard is its own partition, so that writes spread; the holds share
//! one, read by key (and listed by one Query), never written on a hot path.

use recovery_core::ports::{Baseline, SharedCounter, SmsHold, SmsHoldOn};
use recovery_domain::Timestamp;

use super::*;

const COUNTED: &str = "counted";
const REASON: &str = "reason";
const HELD_SINCE: &str = "held_since";
const HELD_UNTIL: &str = "held_until";
const HOLDS: &str = "SMSHOLDS#";
const NOTICES: &str = "NOTICES#";
/// How long a hold that ended is kept, to be listed.
const ENDED_HOLDS_KEPT_SECONDS: i64 = 30 * 86_400;

pub(in crate::dynamodb) mod shared_expr {
    /// `:amount` more, the item made if it was not there.
    pub const ADD: &str = "SET kind = :kind, expires_at = :expires ADD counted :amount";
    /// Room for `:amount`: it holds at most `:room` (its most less the
    /// amount) now.
    pub const HAS_ROOM: &str = "attribute_not_exists(counted) OR counted <= :room";
    /// No hold, or one that ended by `:since`.
    pub const NO_LIVE_HOLD: &str = "attribute_not_exists(pk) OR held_until <= :since";
    /// Ended at `:now`.
    pub const END_HOLD: &str = "SET held_until = :now";
    /// A hold live at `:now`.
    pub const LIVE_HOLD: &str = "attribute_exists(pk) AND held_since <= :now AND held_until > :now";
}

pub(in crate::dynamodb) fn shard_key(counter: &SharedCounter, shard: u16) -> Item {
    key(format!("SHARED#{}#{shard}", counter.name), "SHARED")
}

/// The values of [`shared_expr::ADD`] for `amount` (negative: taken back).
pub(in crate::dynamodb) fn shard_add_values(counter: &SharedCounter, amount: i64) -> Item {
    HashMap::from([
        (":kind".to_owned(), s("shared_counter")),
        (":expires".to_owned(), n(counter.expires_at.epoch_seconds())),
        (":amount".to_owned(), n(amount)),
    ])
}

/// What a shard holds, from its item (0 when it was never written).
pub(in crate::dynamodb) fn shard_counted(item: Option<&Item>) -> u64 {
    item.and_then(|i| get_n(i, COUNTED)).map_or(0, |v| v.max(0) as u64)
}

fn hold_sort_key(on: SmsHoldOn) -> String {
    match on {
        SmsHoldOn::Budget => "budget".to_owned(),
        SmsHoldOn::Country(code) => format!("country#{code}"),
    }
}

pub(in crate::dynamodb) fn hold_key(on: SmsHoldOn) -> Item {
    key(HOLDS.to_owned(), &hold_sort_key(on))
}

/// The partition every hold is in.
pub(in crate::dynamodb) const HOLDS_PARTITION: &str = HOLDS;

pub(in crate::dynamodb) fn hold_item(hold: &SmsHold) -> Item {
    let mut item = hold_key(hold.on);
    item.insert(KIND.into(), s("sms_hold"));
    item.insert(REASON.into(), s(hold.reason.clone()));
    item.insert(HELD_SINCE.into(), n(hold.since.epoch_seconds()));
    item.insert(HELD_UNTIL.into(), n(hold.until.epoch_seconds()));
    let expires = hold.until.plus_seconds(ENDED_HOLDS_KEPT_SECONDS);
    item.insert(EXPIRES_AT.into(), n(expires.epoch_seconds()));
    item
}

pub(in crate::dynamodb) fn hold_from_item(item: &Item) -> Option<SmsHold> {
    let on = match get_s(item, SK)? {
        "budget" => SmsHoldOn::Budget,
        other => SmsHoldOn::Country(other.strip_prefix("country#")?.parse().ok()?),
    };
    Some(SmsHold {
        on,
        reason: get_s(item, REASON)?.to_owned(),
        since: Timestamp::from_epoch_seconds(get_n(item, HELD_SINCE)?),
        until: Timestamp::from_epoch_seconds(get_n(item, HELD_UNTIL)?),
    })
}

const MINUTE: &str = "folded_minute";
const PER_MINUTE_X100: &str = "per_minute_x100";

pub(in crate::dynamodb) mod baseline_expr {
    /// None yet, or one folded before `:minute`.
    pub const OLDER: &str = "attribute_not_exists(pk) OR folded_minute < :minute";
}

pub(in crate::dynamodb) fn baseline_key(name: &str) -> Item {
    key(format!("SHARED#{name}"), "BASELINE")
}

pub(in crate::dynamodb) fn baseline_item(name: &str, baseline: &Baseline) -> Item {
    let mut item = baseline_key(name);
    item.insert(KIND.into(), s("baseline"));
    item.insert(MINUTE.into(), n(baseline.minute));
    item.insert(
        PER_MINUTE_X100.into(),
        n(i64::try_from(baseline.per_minute_x100).unwrap_or(i64::MAX)),
    );
    item
}

pub(in crate::dynamodb) fn baseline_from_item(item: &Item) -> Option<Baseline> {
    Some(Baseline {
        minute: get_n(item, MINUTE)?,
        per_minute_x100: u64::try_from(get_n(item, PER_MINUTE_X100)?).ok()?,
    })
}

/// The prefix of a tally's count attributes.
const TALLY_PREFIX: &str = "tally_";

pub(in crate::dynamodb) fn tally_key(tally: &SharedCounter, shard: u16) -> Item {
    key(format!("SHARED#{}#{shard}", tally.name), "TALLY")
}

/// The UpdateItem adding one to each of `names` (each once, however often
/// named): its expression, attribute names and values.
pub(in crate::dynamodb) fn tally_update(
    tally: &SharedCounter,
    names: &[String],
) -> (String, HashMap<String, String>, Item) {
    let mut counts: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for name in names {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    let mut attribute_names = HashMap::new();
    let mut values = HashMap::from([
        (":kind".to_owned(), s("tally")),
        (":expires".to_owned(), n(tally.expires_at.epoch_seconds())),
    ]);
    let mut adds = Vec::new();
    for (i, (name, count)) in counts.into_iter().enumerate() {
        attribute_names.insert(format!("#c{i}"), format!("{TALLY_PREFIX}{name}"));
        values.insert(format!(":c{i}"), n(count));
        adds.push(format!("#c{i} :c{i}"));
    }
    let expression = format!("SET kind = :kind, expires_at = :expires ADD {}", adds.join(", "));
    (expression, attribute_names, values)
}

/// The counts a tally's shard holds, by name.
pub(in crate::dynamodb) fn tally_counts(item: &Item) -> Vec<(String, u64)> {
    item.keys()
        .filter_map(|attribute| {
            let name = attribute.strip_prefix(TALLY_PREFIX)?;
            let count = get_n(item, attribute)?;
            Some((name.to_owned(), count.max(0) as u64))
        })
        .collect()
}

/// A challenge taken as used, kept until it expires.
pub(in crate::dynamodb) fn challenge_item(nonce: &str, expires_at: Timestamp) -> Item {
    let mut item = key(format!("CHALLENGE#{nonce}"), "CHALLENGE");
    item.insert(KIND.into(), s("challenge"));
    item.insert(EXPIRES_AT.into(), n(expires_at.epoch_seconds()));
    item
}

pub(in crate::dynamodb) fn notice_item(notice: &str, expires_at: Timestamp) -> Item {
    let mut item = key(NOTICES.to_owned(), notice);
    item.insert(KIND.into(), s("notice"));
    item.insert(EXPIRES_AT.into(), n(expires_at.epoch_seconds()));
    item
}
