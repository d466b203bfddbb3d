//! The proof of work asked for under pressure: when the counters a
//! request read are near their limits (or every code by SMS, if the
//! deployment asks), a request without a solution is answered with a
//! signed challenge, harder the nearer the limits; a solved (or waited
//! out) challenge is redeemed once. Decided on the counters alone, before
//! any account is looked at: the same for every identifier.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tracing::{info, warn};

use super::limits::Limit;
use super::{FlowError, Recovery};
use crate::ports::{
    Baseline, CounterKey, RateCounter, ShardPart, SharedCounter, SharedCounters, Written,
};
use recovery_domain::{
    AccountLookup, Challenge, ChallengeRoute, OsRandom, OutboxKey, RandomSource, Shards, Timestamp,
    hex,
};

/// A solution presented with a request: the challenge's token and the
/// number found (empty: waited out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof<'a> {
    pub token: &'a str,
    pub solution: &'a str,
}

/// A challenge to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub token: String,
    pub difficulty: u8,
    pub expires_in: i64,
    pub wait_seconds: i64,
}

/// The share, in percent, of the fullest window of `counters` (read for
/// `limits`) at `now`: how near the request is to a limit.
pub(super) fn pressure(limits: &[Limit<'_>], counters: &[RateCounter], now: Timestamp) -> u32 {
    let now = now.epoch_seconds();
    (limits.iter().zip(counters))
        .flat_map(|((_, windows), counter)| {
            windows.iter().map(move |w| counter.hits.inside(w, now) * 100 / w.max.max(1))
        })
        .max()
        .unwrap_or(0)
}

impl Recovery {
    /// Whether `proof` solves one of our challenges for `route` that was
    /// not used before; it is used now. Anything else is no proof.
    /// Also counts the request on its route.
    pub(super) async fn proven(
        &self,
        route: ChallengeRoute,
        proof: Option<Proof<'_>>,
    ) -> Result<bool, FlowError> {
        if self.settings.challenge.route_multiple > 0 {
            self.route_load.count(route, self.clock.now()).await;
        }
        let Some(proof) = proof else { return Ok(false) };
        let keys = self.keys.get().await?;
        let versions = keys.outbox_keys()?;
        let keys = versions.named(None).map(|key| key.as_ref());
        let now = self.clock.now();
        let accepted = Challenge::read(proof.token, keys)
            .and_then(|c| c.accepts(proof.token, proof.solution, route, now).map(|()| c));
        let challenge = match accepted {
            Ok(challenge) => challenge,
            Err(refused) => {
                info!(refused = <&str>::from(refused), "challenge not accepted");
                return Ok(false);
            }
        };
        match self.codes.redeem_challenge(&challenge.nonce, challenge.expires_at).await? {
            Written::Done => Ok(true),
            Written::Stale => {
                info!(refused = "replayed", "challenge not accepted");
                Ok(false)
            }
        }
    }

    /// A request at `pressure` percent of its nearest limit (a code by SMS:
    /// `sms`) from `source` for what was `typed` passes when it is
    /// `proven` or the pressure is low; else it is answered with a
    /// challenge.
    pub(super) async fn gate(
        &self,
        route: ChallengeRoute,
        (pressure, sms): (u32, bool),
        proven: bool,
        (source, typed): (&str, &AccountLookup),
    ) -> Result<(), FlowError> {
        let settings = &self.settings.challenge;
        if proven {
            return Ok(());
        }
        let now = self.clock.now();
        let route_limits = (settings.route_multiple, settings.route_floor_per_minute);
        let surge = self.route_load.surging(route, now, route_limits).await;
        let by_route = surge.then_some(settings.difficulty);
        let Some(difficulty) = settings.difficulty(pressure, sms).max(by_route) else {
            return Ok(());
        };
        let keys = self.keys.get().await?;
        let key = keys.outbox_key()?;
        let wait_seconds = settings.wait_seconds(difficulty);
        let challenge = Challenge {
            route,
            difficulty,
            issued_at: now,
            wait_until: now.plus_seconds(wait_seconds),
            expires_at: now.plus_seconds(settings.lifetime_seconds),
            nonce: nonce(key, route, (source, typed), now, pressure),
        };
        info!(difficulty, pressure, surge, "challenge asked for");
        Err(FlowError::ChallengeRequired(Issued {
            token: challenge.token(key),
            difficulty,
            expires_in: settings.lifetime_seconds,
            wait_seconds,
        }))
    }
}

/// A challenge's nonce: of the request's route, source, what was typed,
/// second and pressure; never of an account, so what was typed gets the
/// same whether it names one or not, and two people behind one address
/// typing different things get different ones.
fn nonce(
    key: &OutboxKey,
    route: ChallengeRoute,
    (source, typed): (&str, &AccountLookup),
    now: Timestamp,
    pressure: u32,
) -> String {
    let content = format!(
        "challenge-nonce:{}:{source}:{}:{}:{pressure}",
        <&str>::from(route),
        CounterKey::typed(typed),
        now.epoch_seconds()
    );
    hex(&key.sign_link(content.as_bytes())[..16])
}

/// The shards of a route's count per minute: at 10,000 requests a second,
/// about 312 writes a second each.
const ROUTE_SHARDS: Shards = Shards::new(32);

/// How often one instance looks at a route's rate, at most.
const LOOK_EVERY_SECONDS: i64 = 10;

/// The smoothing of a route's baseline: each minute moves it a sixteenth
/// of the way to that minute's count.
const BASELINE_WEIGHT: u64 = 16;

/// How much busier than its baseline a route is, and what an instance last
/// saw of it.
#[derive(Clone)]
pub struct RouteLoad {
    counters: Arc<dyn SharedCounters>,
    random: Arc<dyn RandomSource>,
    seen: Arc<Mutex<HashMap<ChallengeRoute, (Timestamp, bool)>>>,
}

/// The count of `route`'s requests in `minute` (since the epoch).
pub fn route_counter(route: ChallengeRoute, minute: i64) -> SharedCounter {
    SharedCounter {
        name: format!("route#{}#{minute}", <&str>::from(route)),
        shards: ROUTE_SHARDS,
        expires_at: Timestamp::from_epoch_seconds((minute + 10) * 60),
    }
}

/// The name of `route`'s baseline.
pub fn route_baseline(route: ChallengeRoute) -> String {
    format!("route-baseline#{}", <&str>::from(route))
}

impl RouteLoad {
    pub fn new(counters: Arc<dyn SharedCounters>) -> Self {
        Self { counters, random: Arc::new(OsRandom), seen: Arc::default() }
    }

    /// One more request on `route` at `now`; a failure is logged.
    pub(super) async fn count(&self, route: ChallengeRoute, now: Timestamp) {
        let counter = route_counter(route, now.epoch_seconds().div_euclid(60));
        let part =
            ShardPart { shard: ROUTE_SHARDS.pick(self.random.as_ref()), amount: 1, most: u64::MAX };
        if let Err(err) = self.counters.add_to_shard(&counter, part).await {
            warn!(error = %err, "could not count a request on its route");
        }
    }

    /// Whether `route` runs at more than `multiple` times its baseline
    /// (and at least `floor` a minute), as this instance saw it within
    /// ten seconds. A read that fails says no.
    pub(super) async fn surging(
        &self,
        route: ChallengeRoute,
        now: Timestamp,
        (multiple, floor): (u64, u64),
    ) -> bool {
        if multiple == 0 {
            return false;
        }
        {
            let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, surging)) = seen.get(&route)
                && now.epoch_seconds() - at.epoch_seconds() < LOOK_EVERY_SECONDS
            {
                return *surging;
            }
        }
        let surging = match self.look(route, now, (multiple, floor)).await {
            Ok(surging) => surging,
            Err(err) => {
                warn!(error = %err, "could not read a route's rate");
                false
            }
        };
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).insert(route, (now, surging));
        surging
    }

    async fn look(
        &self,
        route: ChallengeRoute,
        now: Timestamp,
        (multiple, floor): (u64, u64),
    ) -> Result<bool, crate::ports::DependencyError> {
        let minute = now.epoch_seconds().div_euclid(60);
        let into = now.epoch_seconds().rem_euclid(60) as u64;
        let name = route_baseline(route);
        let (before, now_counter) =
            (route_counter(route, minute - 1), route_counter(route, minute));
        let (last, current, baseline) = tokio::join!(
            self.counters.read_shards(&before),
            self.counters.read_shards(&now_counter),
            self.counters.baseline(&name),
        );
        let last: u64 = last?.iter().sum();
        let current: u64 = current?.iter().sum();
        let baseline = baseline?;
        // The minute before folds into the baseline, once, by whichever
        // instance looks first; a surge counts as at most twice the floor
        // above it, so that it does not become the baseline.
        let before = baseline.map_or(last * 100, |b| b.per_minute_x100);
        if baseline.is_none_or(|b| b.minute < minute - 1) {
            let capped = (last * 100).min(before.saturating_mul(2) + floor * 200);
            let folded = before - before / BASELINE_WEIGHT + capped / BASELINE_WEIGHT;
            let next = Baseline { minute: minute - 1, per_minute_x100: folded };
            let _ = self.counters.fold_baseline(&name, next).await?;
        }
        // This minute so far, as a rate, once ten seconds of it are in.
        let rate = match into {
            0..10 => last,
            into => last.max(current * 60 / into),
        };
        let usual = (before / 100).max(floor);
        Ok(rate > multiple.saturating_mul(usual))
    }
}
