//! What keeps texts from running up a bill: the holds on them (a budget
//! reached, a country suspended), read at most once a second by each
//! function instance, and each text's estimated cost counted against the
//! day's and the month's budgets before it goes out, in shards
//! ([`SPEND_SHARDS`]) that no one text's write can push past the budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tracing::{error, warn};

use crate::ports::{
    AuditLog, DependencyError, ShardPart, SharedCounter, SharedCounters, SmsHold, SmsHoldOn,
    SmsHolds, Written,
};
use recovery_domain::{
    BudgetPeriod, MicroUsd, OsRandom, RandomSource, Shards, SmsBudget, Timestamp, WARN_AT_PERCENT,
};

/// The shards of each budget's spend. At 10,000 texts a second, 32 shards
/// take about 312 writes a second each, under a third of what one item
/// takes.
pub const SPEND_SHARDS: Shards = Shards::new(32);

/// How often a write that found its shards moved by others tries again.
const SPEND_ROUNDS: usize = 3;

/// The holds on texts and the budgets' counters, with what this instance
/// last read of the holds.
#[derive(Clone)]
pub struct SmsGuard {
    pub(super) counters: Arc<dyn SharedCounters>,
    pub(super) holds: Arc<dyn SmsHolds>,
    pub(super) random: Arc<dyn RandomSource>,
    /// Each hold as read, and the second it was read in.
    seen: Arc<Mutex<Seen>>,
    /// Where a suspension is recorded (the deliver function's guard).
    pub(super) audit: Option<Arc<dyn AuditLog>>,
    /// When this instance last looked at each country's codes.
    pub(super) watched: Arc<Mutex<HashMap<u16, Timestamp>>>,
}

/// What an instance last read of each hold, and when (to the second).
type Seen = HashMap<SmsHoldOn, (Timestamp, Option<SmsHold>)>;

/// What counting a text against the budgets did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spend {
    /// Counted: it may go out. What was taken, to give back if it does not.
    Spent(Vec<(SharedCounter, Vec<(u16, u64)>)>),
    /// It would pass this period's budget: nothing counted, and texts are
    /// held until the period ends.
    Reached(BudgetPeriod),
}

impl SmsGuard {
    pub fn new(store: Arc<impl SharedCounters + SmsHolds + 'static>) -> Self {
        Self {
            counters: store.clone(),
            holds: store,
            random: Arc::new(OsRandom),
            seen: Arc::default(),
            audit: None,
            watched: Arc::default(),
        }
    }

    /// The same guard recording the suspensions it decides in `audit`.
    pub fn with_audit(self, audit: Arc<dyn AuditLog>) -> Self {
        Self { audit: Some(audit), ..self }
    }

    /// The same guard drawing shards from `random`.
    pub fn with_random(self, random: Arc<dyn RandomSource>) -> Self {
        Self { random, ..self }
    }

    /// The first hold of `on` that is live at `now`, as read within the
    /// second.
    pub async fn held(
        &self,
        on: &[SmsHoldOn],
        now: Timestamp,
    ) -> Result<Option<SmsHold>, DependencyError> {
        let mut found = Vec::new();
        let mut unread = Vec::new();
        {
            let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            for what in on {
                match seen.get(what) {
                    Some((read, hold)) if *read == now => found.extend(hold.clone()),
                    _ => unread.push(*what),
                }
            }
        }
        if !unread.is_empty() {
            let read = self.holds.sms_holds(&unread).await?;
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            for what in unread {
                let hold = read.iter().find(|h| h.on == what).cloned();
                found.extend(hold.clone());
                seen.insert(what, (now, hold));
            }
        }
        Ok(found.into_iter().find(|hold| hold.live_at(now)))
    }

    /// Counts `cost` against each of `budget`'s periods at `now`, all or
    /// none; at a period's budget, holds texts until it ends.
    pub async fn spend(
        &self,
        budget: &SmsBudget,
        cost: MicroUsd,
        now: Timestamp,
    ) -> Result<Spend, DependencyError> {
        let mut taken = Vec::new();
        for (period, cap) in budget.periods() {
            let counter = spend_counter(period, now);
            match self.spend_in(&counter, period, cap, cost, now).await {
                Ok(Some(parts)) => taken.push((counter, parts)),
                Ok(None) => {
                    self.give_back(Spend::Spent(taken)).await;
                    self.stop(period, now).await;
                    return Ok(Spend::Reached(period));
                }
                Err(err) => {
                    self.give_back(Spend::Spent(taken)).await;
                    return Err(err);
                }
            }
        }
        Ok(Spend::Spent(taken))
    }

    /// Takes back what `spent` counted (its text did not go out); a
    /// failure leaves it counted, which errs on the side of the budget.
    pub async fn give_back(&self, spent: Spend) {
        let Spend::Spent(taken) = spent else { return };
        for (counter, parts) in taken {
            for (shard, amount) in parts {
                if let Err(err) = self.counters.take_from_shard(&counter, shard, amount).await {
                    warn!(error = %err, "could not give back a text's cost; it stays counted");
                }
            }
        }
    }

    /// `cost` counted in one random shard, or, when that one is full, in
    /// parts over those with room; `None` when all of them together have
    /// none.
    async fn spend_in(
        &self,
        counter: &SharedCounter,
        period: BudgetPeriod,
        cap: MicroUsd,
        cost: MicroUsd,
        now: Timestamp,
    ) -> Result<Option<Vec<(u16, u64)>>, DependencyError> {
        let shards = counter.shards;
        let shard = shards.pick(self.random.as_ref());
        let most = shards.share(cap, shard);
        if cost <= most {
            let part = ShardPart { shard, amount: cost, most };
            if let Some(held) = self.counters.add_to_shard(counter, part).await? {
                // The whole is read only when a shard passes the warning
                // line, which the last of them does by the time the whole
                // has.
                if crosses(held - cost, held, most) {
                    self.warn_if_past(counter, period, cap, now).await;
                }
                return Ok(Some(vec![(shard, cost)]));
            }
        }
        for _ in 0..SPEND_ROUNDS {
            let held = self.counters.read_shards(counter).await?;
            let Some(split) = shards.split(&held, cost, cap) else { return Ok(None) };
            let parts: Vec<ShardPart> = (split.iter())
                .map(|&(shard, amount)| ShardPart { shard, amount, most: shards.share(cap, shard) })
                .collect();
            if self.counters.add_to_shards(counter, &parts).await? == Written::Done {
                let before: u64 = held.iter().sum();
                if crosses(before, before + cost, cap) {
                    self.warn(period, before + cost, cap, now).await;
                }
                return Ok(Some(split));
            }
        }
        Err(DependencyError::new("sms_budget", "ShardsContended"))
    }

    async fn warn_if_past(
        &self,
        counter: &SharedCounter,
        period: BudgetPeriod,
        cap: MicroUsd,
        now: Timestamp,
    ) {
        match self.counters.read_shards(counter).await {
            Ok(held) => {
                let spent: u64 = held.iter().sum();
                if past_warning(spent, cap) {
                    self.warn(period, spent, cap, now).await;
                }
            }
            Err(err) => warn!(error = %err, "could not read the SMS budget's spend"),
        }
    }

    /// Logs that a budget is past its warning line, once a period (the
    /// alarm counts these lines).
    async fn warn(&self, period: BudgetPeriod, spent: MicroUsd, cap: MicroUsd, now: Timestamp) {
        let notice = format!("sms-budget-{WARN_AT_PERCENT}#{}", period.key(now));
        let keep_until = period.ends(now).plus_seconds(86_400);
        match self.holds.take_notice(&notice, keep_until).await {
            Ok(Written::Done) => error!(
                period = <&str>::from(period),
                spent_micro_usd = spent,
                budget_micro_usd = cap,
                "SMS budget past its warning share"
            ),
            Ok(Written::Stale) => {}
            Err(err) => warn!(error = %err, "could not note the SMS budget's warning"),
        }
    }

    /// Holds every text until `period` ends.
    async fn stop(&self, period: BudgetPeriod, now: Timestamp) {
        let hold = SmsHold {
            on: SmsHoldOn::Budget,
            reason: format!("{}_budget", <&str>::from(period)),
            since: now,
            until: period.ends(now),
        };
        match self.holds.place_sms_hold(&hold).await {
            Ok(Written::Done) => error!(
                period = <&str>::from(period),
                until = hold.until.epoch_seconds(),
                "SMS budget reached: texts stop until the period ends"
            ),
            Ok(Written::Stale) => {}
            Err(err) => warn!(error = %err, "could not hold texts at the SMS budget"),
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(SmsHoldOn::Budget, (now, Some(hold)));
    }
}

/// The counter of `period`'s spend at `now`, kept a day past its period.
pub fn spend_counter(period: BudgetPeriod, now: Timestamp) -> SharedCounter {
    SharedCounter {
        name: format!("sms-spend#{}", period.key(now)),
        shards: SPEND_SHARDS,
        expires_at: period.ends(now).plus_seconds(86_400),
    }
}

fn past_warning(spent: u64, cap: u64) -> bool {
    u128::from(spent) * 100 >= u128::from(cap) * u128::from(WARN_AT_PERCENT)
}

/// Whether going from `before` to `after` passes the warning line of `cap`.
fn crosses(before: u64, after: u64, cap: u64) -> bool {
    !past_warning(before, cap) && past_warning(after, cap)
}
