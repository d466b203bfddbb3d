//! A clock for tests.

use std::sync::atomic::{AtomicI64, Ordering};

use recovery_domain::{Clock, Timestamp};

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(time: Timestamp) -> Self {
        Self(AtomicI64::new(time.epoch_seconds()))
    }

    pub fn set(&self, time: Timestamp) {
        self.0.store(time.epoch_seconds(), Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_epoch_seconds(self.0.load(Ordering::SeqCst))
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
}
