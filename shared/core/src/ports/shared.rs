//! What every caller of a deployment writes or reads alike: counters kept
//! in shards ([`SharedCounters`]), and the holds on texts
//! ([`SmsHolds`]): the budget reached, a country suspended.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{DependencyError, Written};
use recovery_domain::{Shards, Timestamp};

/// A counter kept in [`Shards`]: `name`'s shard `i` is its own item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCounter {
    /// What it counts (`sms-spend#day#2026-12-06`).
    pub name: String,
    pub shards: Shards,
    /// When the store may forget it (the table's TTL).
    pub expires_at: Timestamp,
}

/// One shard's part of a write under a cap: `amount` added to `shard`,
/// which then holds at most `most`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardPart {
    pub shard: u16,
    pub amount: u64,
    pub most: u64,
}

#[async_trait]
pub trait SharedCounters: Send + Sync {
    /// Adds `part.amount` to its shard if that shard then holds at most
    /// `part.most`: what it holds now, or `None` (nothing written) when it
    /// would hold more.
    async fn add_to_shard(
        &self,
        counter: &SharedCounter,
        part: ShardPart,
    ) -> Result<Option<u64>, DependencyError>;
    /// Every part, each under its `most`, all or none: [`Written::Stale`]
    /// when one would pass it.
    async fn add_to_shards(
        &self,
        counter: &SharedCounter,
        parts: &[ShardPart],
    ) -> Result<Written, DependencyError>;
    /// Takes `amount` back from `shard` (a write given up), unconditionally.
    async fn take_from_shard(
        &self,
        counter: &SharedCounter,
        shard: u16,
        amount: u64,
    ) -> Result<(), DependencyError>;
    /// What each shard holds, in order (0 for one never written).
    async fn read_shards(&self, counter: &SharedCounter) -> Result<Vec<u64>, DependencyError>;
    /// Adds one to each of `names` (letters, digits, `_` and `.`) in
    /// `tally`'s shard `shard`: a tally is a shared counter of many
    /// counts, kept in one item per shard.
    async fn add_to_tally(
        &self,
        tally: &SharedCounter,
        shard: u16,
        names: &[String],
    ) -> Result<(), DependencyError>;
    /// Each count of `tally`, summed over its shards (none for a name
    /// never counted).
    async fn read_tally(
        &self,
        tally: &SharedCounter,
    ) -> Result<BTreeMap<String, u64>, DependencyError>;
    /// The baseline named `name`: the minute (since the epoch) it was last
    /// folded at, and its value.
    async fn baseline(&self, name: &str) -> Result<Option<Baseline>, DependencyError>;
    /// Sets `baseline` provided the one stored was folded before its
    /// minute ([`Written::Stale`]: another instance folded that minute).
    async fn fold_baseline(
        &self,
        name: &str,
        baseline: Baseline,
    ) -> Result<Written, DependencyError>;
}

/// A route's usual rate: requests a minute, in hundredths, as of `minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Baseline {
    pub minute: i64,
    pub per_minute_x100: u64,
}

/// What a hold stops texts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SmsHoldOn {
    /// Every text: a budget is reached.
    Budget,
    /// Texts to one calling code.
    Country(u16),
}

/// Texts stopped from `since` until `until`, for `reason`
/// (`daily_budget`, `monthly_budget`, `pumping`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsHold {
    pub on: SmsHoldOn,
    pub reason: String,
    pub since: Timestamp,
    pub until: Timestamp,
}

impl SmsHold {
    pub fn live_at(&self, now: Timestamp) -> bool {
        self.since <= now && now < self.until
    }
}

#[async_trait]
pub trait SmsHolds: Send + Sync {
    /// The holds there are on each of `on` (live or not; at most one
    /// each), in no order.
    async fn sms_holds(&self, on: &[SmsHoldOn]) -> Result<Vec<SmsHold>, DependencyError>;
    /// Places `hold`, unless one on the same thing is live at
    /// `hold.since` ([`Written::Stale`]: that one stays).
    async fn place_sms_hold(&self, hold: &SmsHold) -> Result<Written, DependencyError>;
    /// Every hold there is (live or ended, until the store forgets it).
    async fn list_sms_holds(&self) -> Result<Vec<SmsHold>, DependencyError>;
    /// Ends the hold on `on` at `now`, if one is live then
    /// ([`Written::Stale`]: none is).
    async fn lift_sms_hold(
        &self,
        on: SmsHoldOn,
        now: Timestamp,
    ) -> Result<Written, DependencyError>;
    /// Whether this is the first time `notice` (a warning that is given
    /// once, such as a budget past 80%) is taken: [`Written::Done`] the
    /// first time, [`Written::Stale`] after. Kept until `expires_at`.
    async fn take_notice(
        &self,
        notice: &str,
        expires_at: Timestamp,
    ) -> Result<Written, DependencyError>;
}
