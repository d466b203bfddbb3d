//! Time as the flows see it: whole seconds since the Unix epoch, behind a port
//! so tests can move it instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time, in whole seconds since the Unix epoch (the unit DynamoDB
/// TTL uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_epoch_seconds(seconds: i64) -> Self {
        Self(seconds)
    }

    pub const fn epoch_seconds(self) -> i64 {
        self.0
    }

    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds))
    }
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Milliseconds since the epoch, for ordering records made within one
    /// second.
    fn now_millis(&self) -> i64 {
        self.now().epoch_seconds().saturating_mul(1000)
    }
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(seconds)
    }

    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(time: Timestamp) -> Self {
        Self(AtomicI64::new(time.0))
    }

    pub fn set(&self, time: Timestamp) {
        self.0.store(time.0, Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at(Timestamp::from_epoch_seconds(100));
        assert_eq!(clock.now().epoch_seconds(), 100);
        clock.advance(61);
        assert_eq!(clock.now().epoch_seconds(), 161);
    }

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.now().epoch_seconds() > 1_700_000_000);
    }
}
