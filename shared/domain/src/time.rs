//! Time as the flows see it: whole seconds since the Unix epoch, behind a port
//! so tests can move it instead of sleeping; and how a time is written for
//! people (emails) and records, on the `time` crate's calendar.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

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

/// A moment's date and time of day in UTC, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcMinute {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Timestamp {
    /// This moment's date and time of day in UTC.
    pub fn utc(self) -> UtcMinute {
        let at = utc(self.epoch_seconds());
        UtcMinute {
            year: i64::from(at.year()),
            month: u32::from(u8::from(at.month())),
            day: u32::from(at.day()),
            hour: u32::from(at.hour()),
            minute: u32::from(at.minute()),
        }
    }
}

/// The UTC date and time `seconds` after the epoch (clamped to the
/// calendar's range, years -9999 to 9999).
fn utc(seconds: i64) -> OffsetDateTime {
    let seconds = seconds.clamp(
        OffsetDateTime::new_utc(Date::MIN, Time::MIDNIGHT).unix_timestamp(),
        OffsetDateTime::new_utc(Date::MAX, Time::MIDNIGHT).unix_timestamp(),
    );
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-11-24 18:56 UTC`.
pub fn utc_minutes(time: Timestamp) -> String {
    let at = time.utc();
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year, at.month, at.day, at.hour, at.minute)
}

/// `2026-11-24T18:56:43.123Z` from milliseconds since the epoch.
pub fn iso8601_millis(millis: i64) -> String {
    let at = utc(millis.div_euclid(1000));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        millis.rem_euclid(1000)
    )
}

/// The instant (to the second) of a UTC time as AWS events write it:
/// `2017-08-05T00:41:02.669Z` (fraction optional); `None` for anything
/// else, another offset included.
pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
    if !text.ends_with('Z') || !text.contains('T') {
        return None;
    }
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    Some(Timestamp::from_epoch_seconds(at.unix_timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.now().epoch_seconds() > 1_700_000_000);
    }

    #[test]
    fn parses_what_it_formats_and_refuses_the_rest() {
        for millis in [0, 951_782_400_000, 1_795_978_603_123, 1_501_893_662_669] {
            let text = iso8601_millis(millis);
            assert_eq!(
                parse_iso8601(&text),
                Some(Timestamp::from_epoch_seconds(millis / 1000)),
                "{text}"
            );
        }
        assert_eq!(
            parse_iso8601("2017-08-05T00:41:02Z"),
            Some(Timestamp::from_epoch_seconds(1_501_893_662))
        );
        for bad in [
            "",
            "2017-08-05T00:41:02.669",
            "2017-08-05 00:41:02Z",
            "2017-13-05T00:41:02Z",
            "2017-08-05T24:41:02Z",
            "2017-08-05T00:41:02.6x9Z",
            "17-08-05T00:41:02Z",
            "2017-08-05T00:41:02+01:00",
            "2017-02-30T00:41:02Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(utc_minutes(Timestamp::from_epoch_seconds(0)), "1970-01-01 00:00 UTC");
        assert_eq!(
            utc_minutes(Timestamp::from_epoch_seconds(1_795_978_603)),
            "2026-11-29 18:56 UTC"
        );
        assert_eq!(utc_minutes(Timestamp::from_epoch_seconds(951_782_400)), "2000-02-29 00:00 UTC");
        assert_eq!(iso8601_millis(1_795_978_603_042), "2026-11-29T18:56:43.042Z");
        assert_eq!(iso8601_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(utc_minutes(Timestamp::from_epoch_seconds(i64::MAX)), "9999-12-31 00:00 UTC");
    }
}
