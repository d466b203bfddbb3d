//! The rate limits of `POST /password/forgot`, decided on the counters a
//! request read: which are past their limit, and the new hits to write
//! (with the request's other writes, conditioned on the versions read); and
//! the rounds of read-decide-write a request (or a sign-in check) makes
//! while other requests move those counters under it.

use tracing::{info, warn};

use super::{FlowError, Recovery};
use crate::ports::{CounterChange, CounterKey, CounterUpdate, DependencyError, RateCounter};
use crate::settings::RecoverySettings;
use recovery_domain::{
    AccountLookup, RateDecision, RateWindow, Timestamp, decide, hit_buckets, longest_window,
    room_beside,
};

/// Read-decide-write rounds of a request before it gives up because
/// concurrent requests keep moving its rate-limit counters. Between rounds it
/// waits (see [`Recovery::back_off`]), so requests from one busy address (a
/// campus or company network behind one NAT) that collide on its counter
/// spread out instead of colliding again.
pub(super) const RATE_ATTEMPTS: usize = 8;

/// The longest wait before the second round; it doubles for each round lost.
const BACK_OFF_FIRST_MS: u64 = 25;

/// What a request answers when concurrent requests moved its counters in
/// every one of its rounds: a 429 to retry in a second, logged, since it
/// says an address (or what was typed) is busier than its counter can take.
pub(super) fn counters_kept_moving() -> FlowError {
    warn!(rounds = RATE_ATTEMPTS, "rate counters kept moving; asked to retry");
    FlowError::RateLimited { retry_after_seconds: 1 }
}

/// What one read-decide-write round of a counted request came to.
pub(super) enum Round<T> {
    /// Its writes landed (or it decided without writing): the answer.
    Done(T),
    /// A counter moved since it was read: nothing was written; read again.
    Again,
}

impl Recovery {
    /// Runs `round` (read the counters, decide, write) until one lands, at
    /// most [`RATE_ATTEMPTS`] times, waiting before each round but the
    /// first ([`Self::back_off`]). `None` when other requests moved the
    /// counters under every round.
    pub(super) async fn in_rounds<T, E, Rounds>(
        &self,
        mut round: impl FnMut() -> Rounds,
    ) -> Result<Option<T>, E>
    where
        Rounds: Future<Output = Result<Round<T>, E>>,
    {
        for n in 0..RATE_ATTEMPTS {
            self.back_off(n).await;
            if let Round::Done(answer) = round().await? {
                return Ok(Some(answer));
            }
        }
        Ok(None)
    }

    /// Before round `round` (from 0) of a read-decide-write loop: nothing
    /// before the first, else a random wait below a ceiling that doubles per
    /// round lost ("full jitter": 0–25 ms, 0–50 ms, … at most 0–400 ms; under
    /// two seconds in all, long enough to outlast the rounds of requests
    /// that took a slow store's time). Without randomness it waits the whole
    /// ceiling.
    async fn back_off(&self, round: usize) {
        let Some(lost) = round.checked_sub(1) else {
            return;
        };
        let ceiling_micros = (BACK_OFF_FIRST_MS * 1000) << lost.min(4);
        let mut draw = [0u8; 2];
        let fraction = match self.random.fill(&mut draw) {
            Ok(()) => u64::from(u16::from_le_bytes(draw)),
            Err(_) => u64::from(u16::MAX),
        };
        let wait = ceiling_micros * fraction / u64::from(u16::MAX);
        tokio::time::sleep(std::time::Duration::from_micros(wait)).await;
    }
}

/// A counter's key and the windows it is held to.
pub(super) type Limit<'a> = (CounterKey, &'a [RateWindow]);

/// The limits a forgot or reminder request for `lookup` from `source_ip`
/// meets before its account is known: on what it sent and where from, so an
/// unknown identifier meets them exactly when a known one does. Per
/// address; then for a number per address for texts, per range of a
/// thousand numbers (bursts to many numbers of one range, as SMS pumping
/// sends) and per number, else per identifier as typed.
pub(super) fn request_limits<'s>(
    settings: &'s RecoverySettings,
    lookup: &AccountLookup,
    source_ip: &str,
) -> Vec<Limit<'s>> {
    let mut limits = vec![(CounterKey::address(source_ip), settings.limits.address.as_slice())];
    let typed = CounterKey::typed(lookup);
    match lookup {
        AccountLookup::Phone(phone) => {
            let sms = &settings.sms;
            limits.push((CounterKey::texts_from(source_ip), sms.ip_limits.as_slice()));
            limits.push((CounterKey::number_range(phone), sms.range_limits.as_slice()));
            limits.push((typed, sms.phone_limits.as_slice()));
        }
        AccountLookup::Login(_) | AccountLookup::Email(_) => {
            limits.push((typed, settings.limits.email.as_slice()));
        }
    }
    limits
}

/// The keys of `limits`, to read.
pub(super) fn keys(limits: &[Limit<'_>]) -> Vec<CounterKey> {
    limits.iter().map(|(key, _)| key.clone()).collect()
}

/// The new hits for `counters` (read for `limits`, in order) when a request
/// at `now` is within every limit; else [`FlowError::RateLimited`] with the
/// longest wait ([`FlowError::AddressLimited`] when only address limits
/// refused). Each hit is added to what the counter holds when it is
/// written (see [`counted`]), so requests that share a counter (one
/// address) do not make each other read again.
pub(super) fn within<'c>(
    limits: &[Limit<'_>],
    counters: &'c [RateCounter],
    now: Timestamp,
) -> Result<Vec<CounterUpdate<'c>>, FlowError> {
    if counters.len() != limits.len() {
        return Err(DependencyError::new("load_request", "MissingCounter").into());
    }
    let mut updates = Vec::with_capacity(limits.len());
    let (mut retry_after, mut by_address_only) = (0, true);
    for ((key, windows), counter) in limits.iter().zip(counters) {
        match counted(counter, windows, now) {
            Ok(update) => updates.push(update),
            Err(retry_after_seconds) => {
                info!(limit = key.kind(), retry_after_seconds, "rate limited");
                retry_after = retry_after.max(retry_after_seconds);
                by_address_only &= key.is_address();
            }
        }
    }
    if retry_after > 0 {
        let retry_after_seconds = retry_after;
        return Err(if by_address_only {
            FlowError::AddressLimited { retry_after_seconds }
        } else {
            FlowError::RateLimited { retry_after_seconds }
        });
    }
    Ok(updates)
}

/// One more hit on `counter` at `now`, added to what the counter holds when
/// it is written, provided the windows still have room for it then; or the
/// seconds until one fits. When the counter holds intervals that left
/// their windows, they are dropped instead, in a write of the counter as
/// read.
pub(super) fn counted<'c>(
    counter: &'c RateCounter,
    windows: &[RateWindow],
    now: Timestamp,
) -> Result<CounterUpdate<'c>, i64> {
    let mut update = hit(counter, windows, now)?;
    if counter.hits.pruned(windows, now.epoch_seconds()) == counter.hits {
        let beside = room_beside(&counter.hits, windows, now);
        let most = counter.hits.count().saturating_add(beside);
        let (hit, into) = (now.epoch_seconds(), hit_buckets(windows, now.epoch_seconds()));
        update.change = CounterChange::Add { hit, into, most };
    }
    Ok(update)
}

/// One more hit on `counter` at `now`, written only if the counter is still
/// as read (for a decision on more than the windows' counts); or the
/// seconds until one fits.
pub(super) fn hit<'c>(
    counter: &'c RateCounter,
    windows: &[RateWindow],
    now: Timestamp,
) -> Result<CounterUpdate<'c>, i64> {
    match decide(&counter.hits, windows, now) {
        (RateDecision::Allowed, hits) => {
            Ok(CounterUpdate::replace(counter, hits, now.plus_seconds(longest_window(windows))))
        }
        (RateDecision::Limited { retry_after_seconds }, _) => Err(retry_after_seconds),
    }
}
