//! Sliding-window rate limits, counted per interval. The decision is
//! computed here from a counter's tally; the stores only keep the tally and
//! update it atomically.

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

/// A source's stand-in where it is kept beside an account (a familiar
/// sign-in source): 16 hex digits of SHA-256, so the table holds no
/// caller's address under an account.
pub fn source_digest(source: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(b"sign-in source\0").chain_update(source).finalize();
    super::random::hex(&digest[..8])
}

/// At most `max` hits in any `seconds`-long window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub seconds: i64,
    pub max: u32,
}

/// How many intervals a window is counted in: its hits are kept per
/// sixtieth of it (15 s of a quarter hour, 24 minutes of a day), so a
/// counter's size depends on its windows, never on its limits.
pub const BUCKETS_PER_WINDOW: i64 = 60;

impl RateWindow {
    /// The length of one of its intervals.
    pub fn width(&self) -> i64 {
        (self.seconds / BUCKETS_PER_WINDOW).max(1)
    }

    /// The interval a hit at `at` (epoch seconds) is counted in.
    pub fn bucket(&self, at: i64) -> Bucket {
        Bucket { window: self.seconds, index: at.div_euclid(self.width()) }
    }

    /// The oldest interval the window ending at `now` still reaches into
    /// (counted whole: a limit is never exceeded, and a wait is at most one
    /// interval longer than the exact one).
    fn first(&self, now: i64) -> Bucket {
        self.bucket(now - self.seconds + 1)
    }

    /// When the interval `bucket` has left the window.
    fn left_at(&self, bucket: Bucket) -> i64 {
        (bucket.index + 1) * self.width() + self.seconds - 1
    }
}

/// One interval of one window: the window's length and the interval's
/// index since the epoch (`at / width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bucket {
    pub window: i64,
    pub index: i64,
}

/// A counter's hits as it keeps them: for each of its windows, how many
/// fell in each interval still inside it; and when the last one was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// In the order of [`Bucket`], each once.
    buckets: Vec<(Bucket, u32)>,
    pub last: Option<i64>,
}

impl Tally {
    /// `hits` more in `bucket`.
    pub fn insert(&mut self, bucket: Bucket, hits: u32) {
        match self.buckets.binary_search_by_key(&bucket, |(b, _)| *b) {
            Ok(at) => self.buckets[at].1 += hits,
            Err(at) => self.buckets.insert(at, (bucket, hits)),
        }
    }

    /// Each interval with its hits, in order.
    pub fn buckets(&self) -> &[(Bucket, u32)] {
        &self.buckets
    }

    /// The intervals from `first` on, in order.
    fn from(&self, first: Bucket) -> impl Iterator<Item = &(Bucket, u32)> {
        let start = self.buckets.partition_point(|(b, _)| *b < first);
        self.buckets[start..].iter()
    }

    /// The tally of hits at `times` (epoch seconds) under `windows`.
    pub fn of(windows: &[RateWindow], times: &[i64]) -> Self {
        times.iter().fold(Tally::default(), |tally, &at| tally.with_hit(windows, at))
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// The hits it holds: those of its longest window.
    pub fn count(&self) -> u32 {
        let longest = self.buckets.iter().map(|(b, _)| b.window).max();
        self.buckets.iter().filter(|(b, _)| Some(b.window) == longest).map(|(_, n)| n).sum()
    }

    /// The hits inside `window` at `now`.
    pub fn inside(&self, window: &RateWindow, now: i64) -> u32 {
        let last = Bucket { window: window.seconds, index: i64::MAX };
        self.from(window.first(now)).take_while(|(b, _)| *b <= last).map(|(_, n)| n).sum()
    }

    /// Without the intervals that left their windows at `now`, or that
    /// belong to no window of `windows`.
    pub fn pruned(&self, windows: &[RateWindow], now: i64) -> Self {
        let buckets: Vec<(Bucket, u32)> = (self.buckets.iter().copied())
            .filter(|(b, _)| windows.iter().any(|w| w.seconds == b.window && *b >= w.first(now)))
            .collect();
        let last = self.last.filter(|_| !buckets.is_empty());
        Tally { buckets, last }
    }

    /// With one more hit at `at`, in the interval of each window.
    pub fn with_hit(mut self, windows: &[RateWindow], at: i64) -> Self {
        self.add(at, &hit_buckets(windows, at), 1);
        self
    }

    /// `hits` more at `at`, counted in `buckets` (one of each window).
    pub fn add(&mut self, at: i64, buckets: &[Bucket], hits: u32) {
        for bucket in buckets {
            self.insert(*bucket, hits);
        }
        self.last = Some(self.last.map_or(at, |last| last.max(at)));
    }
}

/// The intervals a hit at `at` is counted in: one for each window.
pub fn hit_buckets(windows: &[RateWindow], at: i64) -> Vec<Bucket> {
    windows.iter().map(|w| w.bucket(at)).collect()
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

/// Decides whether a hit at `now` is allowed after `hits`, and returns the
/// tally to keep: without the intervals that left their windows, with
/// `now` counted when allowed. A refused hit is not recorded.
pub fn decide(hits: &Tally, windows: &[RateWindow], now: Timestamp) -> (RateDecision, Tally) {
    let now = now.epoch_seconds();
    let kept = hits.pruned(windows, now);
    let mut retry_after = 0;
    for window in windows {
        let inside = kept.inside(window, now);
        if inside >= window.max && window.max > 0 {
            // The oldest intervals that must leave the window before
            // another hit fits.
            let mut leaving = inside - window.max + 1;
            let from = window.first(now);
            for (bucket, n) in kept.from(from).take_while(|(b, _)| b.window == from.window) {
                leaving = leaving.saturating_sub(*n);
                if leaving == 0 {
                    retry_after = retry_after.max(window.left_at(*bucket) - now);
                    break;
                }
            }
        }
    }
    if retry_after > 0 || windows.iter().any(|w| w.max == 0) {
        return (RateDecision::Limited { retry_after_seconds: retry_after.max(1) }, kept);
    }
    (RateDecision::Allowed, kept.with_hit(windows, now))
}

/// How many hits beside one at `now` every window still has room for after
/// `hits`: what other requests that read the same hits may add at the same
/// time while each window stays within its limit. 0 when a hit at `now` is
/// the last that fits (or none does).
pub fn room_beside(hits: &Tally, windows: &[RateWindow], now: Timestamp) -> u32 {
    let now = now.epoch_seconds();
    windows
        .iter()
        .map(|window| window.max.saturating_sub(hits.inside(window, now)).saturating_sub(1))
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

    /// The window its attempts are counted in.
    pub fn windows(&self) -> [RateWindow; 1] {
        [RateWindow { seconds: self.window_seconds, max: self.free }]
    }

    /// Whether an attempt at `now` may go ahead after `hits`: the tally to
    /// keep (with `now` counted), or the seconds to wait.
    pub fn decide(&self, hits: &Tally, now: Timestamp) -> Result<Tally, i64> {
        let now = now.epoch_seconds();
        let windows = self.windows();
        let kept = hits.pruned(&windows, now);
        // This attempt included: the sixth of five free is one past.
        let past_free = (kept.inside(&windows[0], now) + 1).saturating_sub(self.free);
        if past_free > 0 {
            let doubled = 1i64.checked_shl(past_free - 1).unwrap_or(i64::MAX);
            let delay = doubled.min(self.max_delay_seconds);
            let wait = kept.last.unwrap_or(now) + delay - now;
            if wait > 0 {
                return Err(wait);
            }
        }
        Ok(kept.with_hit(&windows, now))
    }
}

#[cfg(test)]
mod tests;
