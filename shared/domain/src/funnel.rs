//! The recovery funnel: what is counted of each recovery, by the way it
//! came (an email link, an SMS code, an administrator's link, an
//! invitation), step by step. Every dimension a measure has is one of
//! these enums or a calling code: no identifier, address, token or
//! workspace can be one, by type.

use crate::{Timestamp, TokenPurpose};

/// The way a recovery came: its link or code.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Way {
    EmailLink,
    SmsCode,
    AdminLink,
    Invitation,
}

impl Way {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn all() -> impl Iterator<Item = Way> {
        <Way as strum::IntoEnumIterator>::iter()
    }
}

impl From<TokenPurpose> for Way {
    fn from(purpose: TokenPurpose) -> Self {
        match purpose {
            TokenPurpose::SelfService => Way::EmailLink,
            TokenPurpose::SmsCode => Way::SmsCode,
            TokenPurpose::AdminLink => Way::AdminLink,
            TokenPurpose::Invitation => Way::Invitation,
        }
    }
}

/// A step of a recovery, in the order a recovery meets them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Step {
    /// A link or code was issued to an account.
    Requested,
    /// Refused by a rate limit.
    Limited,
    /// Answered with a challenge.
    Challenged,
    /// Handed to SES or SNS.
    Sent,
    /// The receiving server took it.
    Delivered,
    /// It bounced for good.
    Bounced,
    /// The recipient called it spam.
    Complained,
    /// The link's page was opened while the link was live.
    Opened,
    CodeAccepted,
    CodeRefused,
    PasswordSet,
}

impl Step {
    /// Its name in the daily tally and the API (`password_set`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Its metric's name (`PasswordSet`).
    pub fn metric(self) -> &'static str {
        match self {
            Step::Requested => "Requested",
            Step::Limited => "Limited",
            Step::Challenged => "Challenged",
            Step::Sent => "Sent",
            Step::Delivered => "Delivered",
            Step::Bounced => "Bounced",
            Step::Complained => "Complained",
            Step::Opened => "Opened",
            Step::CodeAccepted => "CodeAccepted",
            Step::CodeRefused => "CodeRefused",
            Step::PasswordSet => "PasswordSet",
        }
    }

    pub fn all() -> impl Iterator<Item = Step> {
        <Step as strum::IntoEnumIterator>::iter()
    }
}

/// What a sign-in check answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum SignInResult {
    Valid,
    Invalid,
    Delayed,
}

/// Why a message did not go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum NotSent {
    /// Its link or code expired first.
    Expired,
    /// A later link or code replaced it first.
    Superseded,
    /// Its number is in no country texts may go to.
    CountryNotAllowed,
    /// The SMS budget is reached.
    SmsBudget,
    /// Texts to its country are suspended.
    CountrySuspended,
    /// SES or SNS refused it for good.
    ProviderRefused,
    /// It does not open (its key is gone, or it is no message).
    Unopenable,
    /// SES, SNS or the table failed for now: it is tried again.
    WillRetry,
}

/// How long a recovery took, from the link or code to the new password,
/// in the bands the daily tally keeps (upper bounds, in seconds; the
/// last has none).
pub const RECOVERED_WITHIN: [i64; 5] = [60, 300, 900, 3600, 86_400];

/// The band of [`RECOVERED_WITHIN`] `seconds` falls in: its upper bound,
/// or `None` past the last.
pub fn recovered_within(seconds: i64) -> Option<i64> {
    RECOVERED_WITHIN.into_iter().find(|bound| seconds <= *bound)
}

/// One thing counted. Sent to the metrics as it happens; the funnel's
/// steps and the locks also go to the daily tally.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// A recovery reached `step`.
    Step(Step, Way),
    /// The owner locked the account ("This was not me").
    Locked,
    /// A sign-in check's answer.
    SignIn(SignInResult),
    /// A message of `way` (none: a notice, a reminder, an event) that did
    /// not go out this time.
    NotSent(Option<Way>, NotSent),
    /// A text handed to SNS: its calling code, segments and estimated cost.
    Text { calling_code: u16, segments: u32, cost_micro_usd: u64 },
    /// A code entered right, by its number's calling code.
    CodeEntered { calling_code: u16 },
    /// From the link or code issued to the new password set.
    Recovered { way: Way, seconds: i64 },
    /// Codes entered per code sent in the last hours, for a country with
    /// enough texts to judge.
    EnteredShare { calling_code: u16, percent: u32 },
}

/// The daily tally's name of a recovery's `step` by `way`
/// (`email_link.password_set`).
pub fn tally_name(step: Step, way: Way) -> String {
    format!("{}.{}", way.name(), step.name())
}

/// The daily tally's name of a recovery by `way` finished within `bound`
/// seconds (`email_link.within_300`; `None`: past the last band).
pub fn recovered_tally_name(way: Way, bound: Option<i64>) -> String {
    match bound {
        Some(bound) => format!("{}.within_{bound}", way.name()),
        None => format!("{}.within_more", way.name()),
    }
}

/// The tally of locks taken.
pub const LOCKED_TALLY: &str = "locked";

/// The day a tally counts in (`2026-12-06`, UTC).
pub fn tally_day(at: Timestamp) -> String {
    let day = at.utc();
    format!("{:04}-{:02}-{:02}", day.year, day.month, day.day)
}

/// Every day from `from`'s to `to`'s, in order (none when `to` is
/// earlier).
pub fn tally_days(from: Timestamp, to: Timestamp) -> Vec<String> {
    let start = from.epoch_seconds().div_euclid(86_400);
    let end = to.epoch_seconds().div_euclid(86_400);
    (start..=end).map(|day| tally_day(Timestamp::from_epoch_seconds(day * 86_400))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_the_dashboard_and_the_api_say() {
        assert_eq!(Step::PasswordSet.name(), "password_set");
        assert_eq!(Step::PasswordSet.metric(), "PasswordSet");
        assert_eq!(Way::from(TokenPurpose::SelfService).name(), "email_link");
        assert_eq!(tally_name(Step::Opened, Way::Invitation), "invitation.opened");
        for step in Step::all() {
            assert_eq!(step.metric().to_lowercase(), step.name().replace('_', ""));
        }
    }

    #[test]
    fn recoveries_fall_in_bands() {
        assert_eq!(recovered_within(0), Some(60));
        assert_eq!(recovered_within(60), Some(60));
        assert_eq!(recovered_within(61), Some(300));
        assert_eq!(recovered_within(86_400), Some(86_400));
        assert_eq!(recovered_within(86_401), None);
        assert_eq!(recovered_tally_name(Way::SmsCode, None), "sms_code.within_more");
    }

    #[test]
    fn days_run_from_the_first_to_the_last() {
        let at = |s| Timestamp::from_epoch_seconds(s);
        // 2026-12-06 23:59:59 and 2026-12-08 00:00:00 UTC.
        assert_eq!(
            tally_days(at(1_796_601_599), at(1_796_688_000)),
            ["2026-12-06", "2026-12-07", "2026-12-08"]
        );
        assert!(tally_days(at(1_796_688_000), at(1_796_601_599)).is_empty());
    }
}
