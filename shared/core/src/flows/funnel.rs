//! The recovery funnel: each measure to the metrics as it happens, and the
//! funnel's steps (with the locks and how long recoveries took) to a daily
//! tally in the table, kept in [`FUNNEL_SHARDS`] shards so that no item
//! takes more than a few hundred writes a second at 10,000 recoveries a
//! second. The tally is what `recovery_stats` reads: it works without
//! CloudWatch.

use std::collections::BTreeMap;
use std::sync::Arc;

use tracing::warn;

use super::{AdminAction, AdminError, Administration, Requester};
use crate::ports::{DependencyError, Metrics, NoMetrics, SharedCounter, SharedCounters};
use recovery_domain::{
    Clock, LOCKED_TALLY, Measure, RandomSource, Shards, Timestamp, recovered_tally_name,
    recovered_within, tally_day, tally_name,
};

/// The shards of each day's tally: at 10,000 recoveries a second, about
/// five counted steps each, some 390 writes a second on each.
pub const FUNNEL_SHARDS: Shards = Shards::new(128);

/// How long a day's tally is kept after its day.
pub const TALLY_KEPT_DAYS: i64 = 400;

/// `day`'s tally (`2026-12-06`), forgotten [`TALLY_KEPT_DAYS`] after `at`.
pub fn funnel_tally(day: &str, at: Timestamp) -> SharedCounter {
    SharedCounter {
        name: format!("funnel#{day}"),
        shards: FUNNEL_SHARDS,
        expires_at: at.plus_seconds(TALLY_KEPT_DAYS * 86_400),
    }
}

/// Where measures go: the metrics, and the day's tally.
#[derive(Clone)]
pub struct Funnel {
    metrics: Arc<dyn Metrics>,
    tallies: Arc<dyn SharedCounters>,
    random: Arc<dyn RandomSource>,
    clock: Arc<dyn Clock>,
}

impl Funnel {
    /// Counting into `tallies`, with metrics that go nowhere until
    /// [`Self::with_metrics`].
    pub fn new(
        tallies: Arc<dyn SharedCounters>,
        random: Arc<dyn RandomSource>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { metrics: Arc::new(NoMetrics), tallies, random, clock }
    }

    /// The same, with `metrics`.
    pub fn with_metrics(self, metrics: Arc<dyn Metrics>) -> Self {
        Self { metrics, ..self }
    }

    /// `measure` to the metrics only.
    pub fn record(&self, measure: Measure) {
        self.metrics.record(measure);
    }

    /// Each of `measures` to the metrics, and those the tally keeps to
    /// today's, in one write to one shard. A tally that cannot be written
    /// is logged: a recovery never fails for its count.
    pub async fn count(&self, measures: &[Measure]) {
        let mut names = Vec::new();
        for measure in measures {
            self.metrics.record(*measure);
            match *measure {
                Measure::Step(step, way) => names.push(tally_name(step, way)),
                Measure::Locked => names.push(LOCKED_TALLY.to_owned()),
                Measure::Recovered { way, seconds } => {
                    names.push(recovered_tally_name(way, recovered_within(seconds)));
                }
                _ => {}
            }
        }
        if names.is_empty() {
            return;
        }
        let now = self.clock.now();
        let tally = funnel_tally(&tally_day(now), now);
        let shard = tally.shards.pick(self.random.as_ref());
        if let Err(err) = self.tallies.add_to_tally(&tally, shard, &names).await {
            warn!(error = %err, "could not count the recovery funnel's day");
        }
    }

    /// The tallies of `days`, summed.
    async fn read(&self, days: &[String]) -> Result<BTreeMap<String, u64>, DependencyError> {
        let now = self.clock.now();
        let mut sum = BTreeMap::new();
        for day in days {
            for (name, count) in self.tallies.read_tally(&funnel_tally(day, now)).await? {
                *sum.entry(name).or_insert(0) += count;
            }
        }
        Ok(sum)
    }
}

impl Administration {
    /// The funnel's counts on `days` (`2026-12-06`; the edge bounds how
    /// many), summed, by tally name (`email_link.password_set`, `locked`,
    /// `sms_code.within_300`). Deployment administrators only.
    pub async fn recovery_stats(
        &self,
        by: &Requester,
        days: &[String],
    ) -> Result<BTreeMap<String, u64>, AdminError> {
        let record = self.audit_record(by, AdminAction::RecoveryStats.name(), "FUNNEL", None);
        self.audited(&record, async {
            super::workspaces::deployment_only(by)?;
            Ok((self.funnel.read(days).await?, None))
        })
        .await
    }
}
