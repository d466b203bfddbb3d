//! SMS pumping, told apart from people: per country, the share of the
//! codes sent that are entered. People enter most of theirs; bots that
//! send codes to numbers whose texts pay them enter none.

/// When a country's codes look pumped, and for how long its texts stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PumpingPolicy {
    /// Codes sent in the window before the share means anything.
    pub min_codes: u64,
    /// Below this share of codes entered, in percent, texts stop.
    pub min_entered_percent: u64,
    /// How long a country's texts stop.
    pub suspend_seconds: i64,
}

impl Default for PumpingPolicy {
    fn default() -> Self {
        Self { min_codes: 50, min_entered_percent: 20, suspend_seconds: 6 * 3600 }
    }
}

/// The window the share is counted over: the current hour and the one
/// before (so between one and two hours of codes).
pub const PUMPING_WINDOW_SECONDS: i64 = 3600;

impl PumpingPolicy {
    /// Whether `entered` of `sent` codes is too few, with enough volume.
    pub fn suspects(&self, sent: u64, entered: u64) -> bool {
        sent >= self.min_codes
            && u128::from(entered) * 100 < u128::from(sent) * u128::from(self.min_entered_percent)
    }

    /// The share of `sent` codes `entered`, in percent, when there are
    /// enough to judge (what the outcome alarm watches, before any
    /// suspension).
    pub fn entered_percent(&self, sent: u64, entered: u64) -> Option<u32> {
        (sent >= self.min_codes && sent > 0)
            .then(|| u32::try_from(u128::from(entered) * 100 / u128::from(sent)).unwrap_or(100))
    }
}

/// The hours (indexes since the epoch) the window at `now` counts.
pub fn pumping_hours(now: crate::Timestamp) -> [i64; 2] {
    let hour = now.epoch_seconds().div_euclid(PUMPING_WINDOW_SECONDS);
    [hour, hour - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_entered_is_judged_only_with_enough_codes() {
        let policy = PumpingPolicy::default();
        assert_eq!(policy.entered_percent(49, 0), None);
        assert_eq!(policy.entered_percent(50, 9), Some(18));
        assert_eq!(policy.entered_percent(200, 200), Some(100));
        let any = PumpingPolicy { min_codes: 0, ..policy };
        assert_eq!(any.entered_percent(0, 0), None);
    }

    #[test]
    fn too_few_codes_entered_with_enough_volume_is_pumping() {
        let policy = PumpingPolicy::default();
        assert!(policy.suspects(50, 9));
        assert!(!policy.suspects(50, 10), "20% exactly is people");
        assert!(!policy.suspects(49, 0), "too few to tell");
        assert!(policy.suspects(10_000, 0));
        assert_eq!(pumping_hours(crate::Timestamp::from_epoch_seconds(7_200)), [2, 1]);
    }
}
