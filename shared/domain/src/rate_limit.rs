//! Sliding-window rate limits. The decision is computed here from the times
//! of earlier hits; the stores only keep those times and update them
//! atomically.

use std::net::{IpAddr, Ipv6Addr};

use super::time::Timestamp;

/// What a per-address limit counts a caller as: an IPv4 address whole
/// (also when written as IPv4-mapped IPv6), an IPv6 address by its /64, the
/// prefix one subscriber or one host is given, so that rotating through it
/// buys nothing. Text that is no address is counted as itself.
pub fn address_key(source: &str) -> String {
    match source.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
        Err(_) => source.trim().to_owned(),
    }
}

/// At most `max` hits in any `seconds`-long window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub seconds: i64,
    pub max: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    /// Try again in this many seconds (at least 1).
    Limited {
        retry_after_seconds: i64,
    },
}

/// The longest of `windows`, in seconds: how long a counter must be kept.
pub fn longest_window(windows: &[RateWindow]) -> i64 {
    windows.iter().map(|w| w.seconds).max().unwrap_or(0)
}

/// Decides whether a hit at `now` is allowed after `hits` (epoch seconds, any
/// order), and returns the hits to keep: those inside the longest window,
/// plus `now` when allowed. A refused hit is not recorded.
pub fn decide(hits: &[i64], windows: &[RateWindow], now: Timestamp) -> (RateDecision, Vec<i64>) {
    let now = now.epoch_seconds();
    let longest = longest_window(windows);
    let mut kept: Vec<i64> = hits.iter().copied().filter(|&t| t > now - longest).collect();
    kept.sort_unstable();
    let mut retry_after = 0;
    for window in windows {
        let inside: Vec<i64> = kept.iter().copied().filter(|&t| t > now - window.seconds).collect();
        if inside.len() >= window.max as usize {
            // The hit that must leave the window before another fits.
            let index = inside.len() - window.max as usize;
            let frees_at = inside.get(index).copied().unwrap_or(now) + window.seconds;
            retry_after = retry_after.max(frees_at - now);
        }
    }
    if retry_after > 0 || windows.iter().any(|w| w.max == 0) {
        return (RateDecision::Limited { retry_after_seconds: retry_after.max(1) }, kept);
    }
    kept.push(now);
    (RateDecision::Allowed, kept)
}

/// How many hits beside one at `now` every window still has room for after
/// `hits`: what other requests that read the same hits may add at the same
/// time while each window stays within its limit. 0 when a hit at `now` is
/// the last that fits (or none does).
pub fn room_beside(hits: &[i64], windows: &[RateWindow], now: Timestamp) -> u32 {
    let now = now.epoch_seconds();
    windows
        .iter()
        .map(|window| {
            let inside = hits.iter().filter(|&&t| t > now - window.seconds).count();
            let inside = u32::try_from(inside).unwrap_or(u32::MAX);
            window.max.saturating_sub(inside).saturating_sub(1)
        })
        .min()
        .unwrap_or(0)
}

/// A growing delay between attempts keyed on what was typed: the first
/// `free` attempts in `window_seconds` wait for nothing; each after waits
/// twice as long as the one before (1 s, 2 s, 4 s, ...), counted from the
/// last attempt, at most `max_delay_seconds`. It never locks anyone out:
/// the delay is short for whoever waits, and old attempts leave the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u32,
    pub window_seconds: i64,
    pub max_delay_seconds: i64,
}

impl Backoff {
    /// Credential checks: five free attempts an hour, then 1 s doubling to
    /// 15 minutes: at most about 18 guesses an hour for one typed login.
    pub const SIGN_IN: Backoff = Backoff { free: 5, window_seconds: 3600, max_delay_seconds: 900 };

    /// Whether an attempt at `now` may go ahead after `hits` (epoch
    /// seconds): the hits to keep (inside the window, with `now` when it
    /// may), or the seconds to wait.
    pub fn decide(&self, hits: &[i64], now: Timestamp) -> Result<Vec<i64>, i64> {
        let now = now.epoch_seconds();
        let mut kept: Vec<i64> =
            hits.iter().copied().filter(|&t| t > now - self.window_seconds).collect();
        kept.sort_unstable();
        // This attempt included: the sixth of five free is one past.
        let past_free = (kept.len() + 1).saturating_sub(self.free as usize);
        if past_free > 0 {
            let doubled = 1i64.checked_shl(past_free as u32 - 1).unwrap_or(i64::MAX);
            let delay = doubled.min(self.max_delay_seconds);
            let last = kept.last().copied().unwrap_or(now);
            let wait = last + delay - now;
            if wait > 0 {
                return Err(wait);
            }
        }
        kept.push(now);
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_epoch_seconds(seconds)
    }

    const PHONE: [RateWindow; 2] =
        [RateWindow { seconds: 900, max: 3 }, RateWindow { seconds: 86_400, max: 10 }];

    fn run(times: &[i64]) -> Vec<RateDecision> {
        let mut hits = Vec::new();
        times
            .iter()
            .map(|&t| {
                let (decision, kept) = decide(&hits, &PHONE, at(t));
                hits = kept;
                decision
            })
            .collect()
    }

    #[test]
    fn the_fourth_hit_in_fifteen_minutes_is_refused_until_the_first_leaves() {
        let decisions = run(&[1000, 1010, 1020, 1030]);
        assert_eq!(&decisions[..3], &[RateDecision::Allowed; 3]);
        assert_eq!(decisions[3], RateDecision::Limited { retry_after_seconds: 870 });
        let later = run(&[1000, 1010, 1020, 1900]);
        assert_eq!(later[3], RateDecision::Allowed);
    }

    #[test]
    fn the_eleventh_hit_in_a_day_is_refused() {
        let times: Vec<i64> = (0..11).map(|i| i * 1000).collect();
        let decisions = run(&times);
        assert!(decisions[..10].iter().all(|d| *d == RateDecision::Allowed));
        assert_eq!(decisions[10], RateDecision::Limited { retry_after_seconds: 86_400 - 10_000 });
    }

    #[test]
    fn the_room_beside_a_hit_is_what_the_fullest_window_has_left() {
        // 3 in 15 minutes, 10 a day: nothing read leaves 2 beside a hit.
        assert_eq!(room_beside(&[], &PHONE, at(100_000)), 2);
        // One an hour ago counts for the day only: still 2 in 15 minutes.
        assert_eq!(room_beside(&[96_400], &PHONE, at(100_000)), 2);
        // One a minute ago: the 15 minutes have room for this hit and one.
        assert_eq!(room_beside(&[99_940], &PHONE, at(100_000)), 1);
        // Two: this hit is the last that fits.
        assert_eq!(room_beside(&[99_900, 99_940], &PHONE, at(100_000)), 0);
        // Nine in the day: the day has room for this hit only.
        let day: Vec<i64> = (1..=9).map(|n| 100_000 - n * 3_600).collect();
        assert_eq!(room_beside(&day, &PHONE, at(100_000)), 0);
        // Full: no room, whatever.
        let full: Vec<i64> = (1..=10).map(|n| 100_000 - n * 3_600).collect();
        assert_eq!(room_beside(&full, &PHONE, at(100_000)), 0);
    }

    #[test]
    fn sign_in_attempts_past_five_wait_twice_as_long_each_and_never_forever() {
        let backoff = Backoff::SIGN_IN;
        let mut hits = Vec::new();
        for t in 0..5 {
            hits = backoff.decide(&hits, at(1000 + t)).unwrap();
        }
        // The sixth waits 1 s after the fifth, the seventh 2 s after that.
        assert_eq!(backoff.decide(&hits, at(1004)), Err(1));
        hits = backoff.decide(&hits, at(1005)).unwrap();
        assert_eq!(backoff.decide(&hits, at(1005)), Err(2));
        hits = backoff.decide(&hits, at(1007)).unwrap();
        assert_eq!(backoff.decide(&hits, at(1008)), Err(3));
        // However many, the wait stops at 15 minutes.
        let many: Vec<i64> = (0..40).map(|i| 2000 + i).collect();
        assert_eq!(backoff.decide(&many, at(2039)), Err(900));
        // And an hour later they are forgotten.
        assert_eq!(backoff.decide(&many, at(2039 + 3600)), Ok(vec![2039 + 3600]));
    }

    #[test]
    fn an_ipv6_caller_counts_as_its_slash_64() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_ne!(address_key("2001:db8:1:3::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:DB8:1:2::9"), "2001:db8:1:2::/64");
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key(" unknown "), "unknown");
    }

    #[test]
    fn refused_hits_are_not_recorded_and_old_ones_are_pruned() {
        let (_, kept) = decide(&[1, 2, 3], &PHONE, at(100_000));
        assert_eq!(kept, vec![100_000]);
        let (decision, kept) = decide(&[10, 20, 30], &PHONE, at(40));
        assert!(matches!(decision, RateDecision::Limited { .. }));
        assert_eq!(kept, vec![10, 20, 30]);
    }
}
