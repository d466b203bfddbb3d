//! The messages the service sends, worded in the recipient's language from
//! the catalogs under `locales/` (emails laid out by `templates/email/`).
//! Every message is built the same way:
//! `messages::<channel>::<message>(to, &context, what it carries)`.

use std::fmt;

use recovery_domain::{EmailAddress, PhoneNumber, Timestamp};

pub mod email;
pub mod event;
mod payload;
pub mod sms;
pub mod texts;

pub use event::{AccountEvent, EVENT_SOURCE, EventKind, OutgoingEvent};
pub use payload::{Channel, MalformedPayload, Message, MessageKind};
pub use texts::{Arg, Texts};

/// What every message says about its sender and the account it is about,
/// and the language it says it in.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The service's name ("Example Cloud").
    pub service_name: &'a str,
    /// The account's login.
    pub login: &'a str,
    /// The product's sign-in page, for the registration details.
    pub login_url: &'a str,
    /// The recipient's words: the account's locale, else the language of
    /// the request that causes the message.
    pub t: Texts,
}

/// An email ready to send. Its body may hold a recovery link, so only the
/// recipient and subject print.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: EmailAddress,
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingEmail")
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A text message ready to send. Its text may hold a code, so only the
/// masked number prints.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub to: PhoneNumber,
    pub text: String,
}

impl fmt::Debug for OutgoingSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingSms")
            .field("to", &self.to.masked())
            .field("text", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a message template failed to render")]
pub struct RenderError;

impl From<askama::Error> for RenderError {
    fn from(_: askama::Error) -> Self {
        RenderError
    }
}

/// `at` as a date and time in `t`'s language: "December 3, 2026 at 07:45
/// UTC", "3. Dezember 2026 um 07:45 UTC", "3 декабря 2026 г., 07:45 UTC".
pub fn date_time(t: &Texts, at: Timestamp) -> String {
    let utc = at.utc();
    let month = t.get(&format!("month-{}", utc.month));
    let time = format!("{:02}:{:02}", utc.hour, utc.minute);
    t.format(
        "date-time",
        &[
            ("day", i64::from(utc.day).into()),
            ("month", month.as_str().into()),
            ("year", Arg::Text(&utc.year.to_string())),
            ("time", time.as_str().into()),
        ],
    )
}

/// "1 hour", "90 minutes", "24 hours", "45 seconds": for the JSON API's
/// English sentences (messages to people use [`Texts::duration`]).
pub fn describe_lifetime(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
    };
    if seconds % 3600 == 0 && seconds >= 3600 {
        plural(seconds / 3600, "hour")
    } else if seconds % 60 == 0 && seconds >= 60 {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_naturally() {
        assert_eq!(describe_lifetime(3600), "1 hour");
        assert_eq!(describe_lifetime(86_400), "24 hours");
        assert_eq!(describe_lifetime(1800), "30 minutes");
        assert_eq!(describe_lifetime(60), "1 minute");
        assert_eq!(describe_lifetime(90), "90 seconds");
    }
}
