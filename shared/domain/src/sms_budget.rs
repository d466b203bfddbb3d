//! What all texts together may cost: a budget per UTC day and per UTC
//! month, in millionths of a US dollar, counted in estimates
//! ([`crate::SmsPrices`]) before each text goes out.

use time::{Date, Month, OffsetDateTime, Time};

use crate::sms::micro_usd;
use crate::{MicroUsd, Timestamp};

/// The deployment's SMS budgets; `None`: no budget for that period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmsBudget {
    pub daily: Option<MicroUsd>,
    pub monthly: Option<MicroUsd>,
}

/// A budget's share, in percent, at which its operator is warned.
pub const WARN_AT_PERCENT: u64 = 80;

/// What makes a budget unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a budget (USD, such as 25 or 12.50; empty or 0 for none)")]
pub struct InvalidBudget(pub String);

impl SmsBudget {
    /// `25`, `12.50` (USD, at most six decimals and a million dollars);
    /// empty or `0`: no budget.
    pub fn parse_usd(text: &str) -> Result<Option<MicroUsd>, InvalidBudget> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let micro = micro_usd(text, 1_000_000).ok_or_else(|| InvalidBudget(text.to_owned()))?;
        Ok((micro > 0).then_some(micro))
    }

    /// Each period that has a budget, with it.
    pub fn periods(&self) -> impl Iterator<Item = (BudgetPeriod, MicroUsd)> {
        let day = self.daily.map(|cap| (BudgetPeriod::Day, cap));
        day.into_iter().chain(self.monthly.map(|cap| (BudgetPeriod::Month, cap)))
    }
}

/// A budget's period: a UTC calendar day or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
pub enum BudgetPeriod {
    #[strum(serialize = "daily")]
    Day,
    #[strum(serialize = "monthly")]
    Month,
}

impl BudgetPeriod {
    /// The period `now` is in, as counters and holds name it
    /// (`day#2026-12-06`, `month#2026-12`).
    pub fn key(self, now: Timestamp) -> String {
        let at = now.utc();
        match self {
            Self::Day => format!("day#{:04}-{:02}-{:02}", at.year, at.month, at.day),
            Self::Month => format!("month#{:04}-{:02}", at.year, at.month),
        }
    }

    /// When the period `now` is in ends: the next UTC midnight, or the
    /// first of the next month.
    pub fn ends(self, now: Timestamp) -> Timestamp {
        let today = OffsetDateTime::from_unix_timestamp(now.epoch_seconds())
            .map(OffsetDateTime::date)
            .unwrap_or(Date::MIN);
        let next = match self {
            Self::Day => today.next_day(),
            Self::Month => {
                let (year, month) = match today.month() {
                    Month::December => (today.year() + 1, Month::January),
                    month => (today.year(), month.next()),
                };
                Date::from_calendar_date(year, month, 1).ok()
            }
        };
        let next = next.map(|d| d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp());
        Timestamp::from_epoch_seconds(next.unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_dollars_and_none_is_empty_or_zero() {
        assert_eq!(SmsBudget::parse_usd(" 25 "), Ok(Some(25_000_000)));
        assert_eq!(SmsBudget::parse_usd("12.5"), Ok(Some(12_500_000)));
        assert_eq!(SmsBudget::parse_usd("250000"), Ok(Some(250_000_000_000)));
        assert_eq!(SmsBudget::parse_usd(""), Ok(None));
        assert_eq!(SmsBudget::parse_usd("0"), Ok(None));
        for bad in ["-1", "ten", "1.0000001", "1000001", "$5"] {
            assert!(SmsBudget::parse_usd(bad).is_err(), "{bad}");
        }
        let both = SmsBudget { daily: Some(1), monthly: Some(2) };
        let periods: Vec<_> = both.periods().collect();
        assert_eq!(periods, [(BudgetPeriod::Day, 1), (BudgetPeriod::Month, 2)]);
        assert_eq!(SmsBudget::default().periods().count(), 0);
    }

    #[test]
    fn a_period_is_a_utc_day_or_month_and_ends_at_the_next() {
        // 2026-12-31T23:59:59Z
        let last_second = Timestamp::from_epoch_seconds(1_798_761_599);
        assert_eq!(BudgetPeriod::Day.key(last_second), "day#2026-12-31");
        assert_eq!(BudgetPeriod::Month.key(last_second), "month#2026-12");
        assert_eq!(BudgetPeriod::Day.ends(last_second).epoch_seconds(), 1_798_761_600);
        assert_eq!(BudgetPeriod::Month.ends(last_second).epoch_seconds(), 1_798_761_600);
        // 2026-02-10T12:00:00Z: the month ends on 1 March.
        let february = Timestamp::from_epoch_seconds(1_770_724_800);
        assert_eq!(BudgetPeriod::Month.ends(february).epoch_seconds(), 1_772_323_200);
        assert_eq!(BudgetPeriod::Day.ends(february).epoch_seconds(), 1_770_768_000);
    }
}
