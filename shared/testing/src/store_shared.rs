//! Shared counters and the holds on texts in memory, as the DynamoDB store
//! keeps them.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use recovery_core::ports::{
    Baseline, DependencyError, ShardPart, SharedCounter, SharedCounters, SmsHold, SmsHoldOn,
    SmsHolds, Written,
};
use recovery_domain::Timestamp;

use super::store::InMemoryStore;

/// Each counter's shards, the holds, the notices taken.
#[derive(Default)]
pub(super) struct Shared {
    shards: BTreeMap<(String, u16), u64>,
    holds: BTreeMap<SmsHoldOn, SmsHold>,
    notices: BTreeSet<String>,
    /// Challenges used.
    pub(super) redeemed: BTreeSet<String>,
    baselines: BTreeMap<String, Baseline>,
    /// Each tally's shards: a count by name.
    tallies: BTreeMap<(String, u16), BTreeMap<String, u64>>,
}

impl Shared {
    fn has_room(&self, counter: &SharedCounter, part: &ShardPart) -> bool {
        let held = self.shards.get(&(counter.name.clone(), part.shard)).copied().unwrap_or(0);
        part.amount <= part.most && held <= part.most - part.amount
    }

    fn add(&mut self, counter: &SharedCounter, shard: u16, amount: u64) -> u64 {
        let held = self.shards.entry((counter.name.clone(), shard)).or_default();
        *held += amount;
        *held
    }
}

#[async_trait]
impl SharedCounters for InMemoryStore {
    async fn add_to_shard(
        &self,
        counter: &SharedCounter,
        part: ShardPart,
    ) -> Result<Option<u64>, DependencyError> {
        let mut state = self.guard("add_to_shard")?;
        let shared = &mut state.shared;
        Ok(shared.has_room(counter, &part).then(|| shared.add(counter, part.shard, part.amount)))
    }

    async fn add_to_shards(
        &self,
        counter: &SharedCounter,
        parts: &[ShardPart],
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("add_to_shards")?;
        let shared = &mut state.shared;
        if !parts.iter().all(|part| shared.has_room(counter, part)) {
            return Ok(Written::Stale);
        }
        for part in parts {
            shared.add(counter, part.shard, part.amount);
        }
        Ok(Written::Done)
    }

    async fn take_from_shard(
        &self,
        counter: &SharedCounter,
        shard: u16,
        amount: u64,
    ) -> Result<(), DependencyError> {
        let mut state = self.guard("take_from_shard")?;
        let held = state.shared.shards.entry((counter.name.clone(), shard)).or_default();
        *held = held.saturating_sub(amount);
        Ok(())
    }

    async fn add_to_tally(
        &self,
        tally: &SharedCounter,
        shard: u16,
        names: &[String],
    ) -> Result<(), DependencyError> {
        let mut state = self.guard("add_to_tally")?;
        if state.failing_tallies {
            return Err(DependencyError::new("add_to_tally", "Unavailable"));
        }
        let counts = state.shared.tallies.entry((tally.name.clone(), shard)).or_default();
        for name in names {
            *counts.entry(name.clone()).or_default() += 1;
        }
        Ok(())
    }

    async fn read_tally(
        &self,
        tally: &SharedCounter,
    ) -> Result<BTreeMap<String, u64>, DependencyError> {
        let state = self.guard("read_tally")?;
        let mut sum = BTreeMap::new();
        for shard in 0..tally.shards.count() {
            for (name, count) in
                state.shared.tallies.get(&(tally.name.clone(), shard)).into_iter().flatten()
            {
                *sum.entry(name.clone()).or_default() += count;
            }
        }
        Ok(sum)
    }

    async fn baseline(&self, name: &str) -> Result<Option<Baseline>, DependencyError> {
        Ok(self.guard("baseline")?.shared.baselines.get(name).copied())
    }

    async fn fold_baseline(
        &self,
        name: &str,
        baseline: Baseline,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("fold_baseline")?;
        let baselines = &mut state.shared.baselines;
        if baselines.get(name).is_some_and(|b| b.minute >= baseline.minute) {
            return Ok(Written::Stale);
        }
        baselines.insert(name.to_owned(), baseline);
        Ok(Written::Done)
    }

    async fn read_shards(&self, counter: &SharedCounter) -> Result<Vec<u64>, DependencyError> {
        let state = self.guard("read_shards")?;
        let shards = &state.shared.shards;
        Ok((0..counter.shards.count())
            .map(|shard| shards.get(&(counter.name.clone(), shard)).copied().unwrap_or(0))
            .collect())
    }
}

#[async_trait]
impl SmsHolds for InMemoryStore {
    async fn sms_holds(&self, on: &[SmsHoldOn]) -> Result<Vec<SmsHold>, DependencyError> {
        let state = self.guard("sms_holds")?;
        Ok(on.iter().filter_map(|what| state.shared.holds.get(what).cloned()).collect())
    }

    async fn place_sms_hold(&self, hold: &SmsHold) -> Result<Written, DependencyError> {
        let mut state = self.guard("place_sms_hold")?;
        let holds = &mut state.shared.holds;
        if holds.get(&hold.on).is_some_and(|there| there.until > hold.since) {
            return Ok(Written::Stale);
        }
        holds.insert(hold.on, hold.clone());
        Ok(Written::Done)
    }

    async fn list_sms_holds(&self) -> Result<Vec<SmsHold>, DependencyError> {
        Ok(self.guard("list_sms_holds")?.shared.holds.values().cloned().collect())
    }

    async fn lift_sms_hold(
        &self,
        on: SmsHoldOn,
        now: Timestamp,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("lift_sms_hold")?;
        match state.shared.holds.get_mut(&on) {
            Some(hold) if hold.live_at(now) => {
                hold.until = now;
                Ok(Written::Done)
            }
            _ => Ok(Written::Stale),
        }
    }

    async fn take_notice(
        &self,
        notice: &str,
        _expires_at: Timestamp,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("take_notice")?;
        Ok(if state.shared.notices.insert(notice.to_owned()) {
            Written::Done
        } else {
            Written::Stale
        })
    }
}
