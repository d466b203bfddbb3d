//! Time as the flows see it: whole seconds since the Unix epoch, behind a port
//! so tests can move it instead of sleeping; and how a time is written for
//! people (emails) and records, without a calendar crate.

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
        let seconds = self.epoch_seconds();
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let of_day = u32::try_from(seconds.rem_euclid(86_400)).unwrap_or(0);
        UtcMinute {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: (of_day % 3600) / 60,
        }
    }
}

/// `2026-11-24 18:56 UTC`.
pub fn utc_minutes(time: Timestamp) -> String {
    let seconds = time.epoch_seconds();
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        of_day / 3600,
        (of_day % 3600) / 60
    )
}

/// `2026-11-24T18:56:43.123Z` from milliseconds since the epoch.
pub fn iso8601_millis(millis: i64) -> String {
    let seconds = millis.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        (of_day % 3600) / 60,
        of_day % 60,
        millis.rem_euclid(1000)
    )
}

/// The instant (to the second) of a UTC time as AWS events write it:
/// `2017-08-05T00:41:02.669Z` (fraction optional); `None` for anything
/// else.
pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let time = time.split_once('.').map_or(time, |(whole, fraction)| {
        if fraction.bytes().all(|b| b.is_ascii_digit()) {
            whole
        } else {
            ""
        }
    });
    let number = |part: &str, len: usize| -> Option<i64> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let mut d = date.split('-');
    let (y, m, day) = (
        number(d.next()?, 4)?,
        number(d.next()?, 2)?,
        number(d.next()?, 2)?,
    );
    let mut t = time.split(':');
    let (h, min, sec) = (
        number(t.next()?, 2)?,
        number(t.next()?, 2)?,
        number(t.next()?, 2)?,
    );
    if d.next().is_some() || t.next().is_some() {
        return None;
    }
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some(Timestamp::from_epoch_seconds(
        days * 86_400 + h * 3600 + min * 60 + sec,
    ))
}

/// A proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
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
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(
            utc_minutes(Timestamp::from_epoch_seconds(0)),
            "1970-01-01 00:00 UTC"
        );
        assert_eq!(
            utc_minutes(Timestamp::from_epoch_seconds(1_795_978_603)),
            "2026-11-29 18:56 UTC"
        );
        assert_eq!(
            utc_minutes(Timestamp::from_epoch_seconds(951_782_400)),
            "2000-02-29 00:00 UTC"
        );
        assert_eq!(
            iso8601_millis(1_795_978_603_042),
            "2026-11-29T18:56:43.042Z"
        );
    }
}
