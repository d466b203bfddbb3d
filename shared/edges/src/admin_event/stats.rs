//! `recovery_stats`: the funnel's daily tallies over a period, for a
//! deployment's administrators.

use std::collections::BTreeMap;

use recovery_admin_api::{AdminResponse, MAX_STATS_DAYS, RecoveryStats};
use recovery_core::flows::{Administration, Requester};
use recovery_domain::{
    LOCKED_TALLY, RECOVERED_WITHIN, Step, Timestamp, Way, parse_iso8601, recovered_tally_name,
    tally_day, tally_days, tally_name,
};

use super::EventError;

/// The start of the day `text` names (`2026-12-06`), or today's.
fn day(text: Option<&str>, today: Timestamp, field: &str) -> Result<Timestamp, EventError> {
    let Some(text) = text.map(str::trim) else {
        return Ok(Timestamp::from_epoch_seconds(
            today.epoch_seconds().div_euclid(86_400) * 86_400,
        ));
    };
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    well_formed
        .then(|| parse_iso8601(&format!("{text}T00:00:00Z")))
        .flatten()
        .filter(|at| tally_day(*at) == text)
        .ok_or_else(|| {
            EventError::Invalid(format!("The field `{field}` is a date, such as 2026-12-06."))
        })
}

pub(super) async fn execute(
    recovery: &Administration,
    by: &Requester,
    from: Option<String>,
    to: Option<String>,
) -> Result<AdminResponse, EventError> {
    let today = recovery.now();
    let (from, to) = (day(from.as_deref(), today, "from")?, day(to.as_deref(), today, "to")?);
    let days = tally_days(from, to);
    if days.is_empty() || days.len() > MAX_STATS_DAYS {
        return Err(EventError::Invalid(format!(
            "A period is 1 to {MAX_STATS_DAYS} days, `from` no later than `to`."
        )));
    }
    let counts = recovery.recovery_stats(by, &days).await?;
    let count = |name: &str| counts.get(name).copied().unwrap_or(0);
    let mut ways = BTreeMap::new();
    let mut recovered_within = BTreeMap::new();
    for way in Way::all() {
        let steps = Step::all().map(|step| (step.name().to_owned(), count(&tally_name(step, way))));
        ways.insert(way.name().to_owned(), steps.collect());
        let bands = RECOVERED_WITHIN.into_iter().map(Some).chain([None]).map(|bound| {
            let band = bound.map_or_else(|| "more".to_owned(), |b| b.to_string());
            (band, count(&recovered_tally_name(way, bound)))
        });
        recovered_within.insert(way.name().to_owned(), bands.collect());
    }
    Ok(AdminResponse::Stats {
        stats: RecoveryStats {
            from: days.first().cloned().unwrap_or_default(),
            to: days.last().cloned().unwrap_or_default(),
            ways,
            recovered_within,
            locked: count(LOCKED_TALLY),
        },
    })
}
