//! The rate limits of `POST /password/forgot`, decided on the counters a
//! request read: which are past their limit, and the new hits to write
//! (with the request's other writes, conditioned on the versions read).

use tracing::info;

use super::FlowError;
use crate::domain::{RateDecision, RateWindow, Timestamp, decide, longest_window};
use crate::ports::{CounterUpdate, DependencyError, RateCounter};

/// A counter's key and the windows it is held to.
pub(super) type Limit<'a> = (String, &'a [RateWindow]);

/// The new hits for `counters` (read for `limits`, in order) when a request
/// at `now` is within every limit; else [`FlowError::RateLimited`] with the
/// longest wait.
pub(super) fn within<'c>(
    limits: &[Limit<'_>],
    counters: &'c [RateCounter],
    now: Timestamp,
) -> Result<Vec<CounterUpdate<'c>>, FlowError> {
    if counters.len() != limits.len() {
        return Err(DependencyError::new("load_request", "MissingCounter").into());
    }
    let mut updates = Vec::with_capacity(limits.len());
    let mut retry_after = 0;
    for ((key, windows), counter) in limits.iter().zip(counters) {
        match hit(counter, windows, now) {
            Ok(update) => updates.push(update),
            Err(retry_after_seconds) => {
                info!(
                    limit = key.split('#').next().unwrap_or(""),
                    retry_after_seconds, "rate limited"
                );
                retry_after = retry_after.max(retry_after_seconds);
            }
        }
    }
    if retry_after > 0 {
        return Err(FlowError::RateLimited {
            retry_after_seconds: retry_after,
        });
    }
    Ok(updates)
}

/// One more hit on `counter` at `now`, or the seconds until one fits.
pub(super) fn hit<'c>(
    counter: &'c RateCounter,
    windows: &[RateWindow],
    now: Timestamp,
) -> Result<CounterUpdate<'c>, i64> {
    match decide(&counter.hits, windows, now) {
        (RateDecision::Allowed, hits) => Ok(CounterUpdate {
            counter,
            hits,
            expires_at: now.plus_seconds(longest_window(windows)),
        }),
        (
            RateDecision::Limited {
                retry_after_seconds,
            },
            _,
        ) => Err(retry_after_seconds),
    }
}
