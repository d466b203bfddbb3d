//! The messages the service sends, rendered from the template files under
//! `templates/email/` and `templates/sms/`. Every message is built the same
//! way: `messages::<channel>::<message>(to, &context, what it carries)`.

use std::fmt;

use askama::Template;

use crate::domain::{EmailAddress, PhoneNumber};

pub mod email;
pub mod event;
mod payload;
pub mod sms;
pub mod texts;

pub use event::{AccountEvent, EVENT_SOURCE, EventKind, OutgoingEvent};
pub use payload::{Channel, MalformedPayload, Message, MessageKind};
pub use texts::{Arg, Texts};

/// What every message says about its sender and the account it is about.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The service's name ("Example Cloud").
    pub service_name: &'a str,
    /// The account's login.
    pub login: &'a str,
    /// The product's sign-in page, for the registration details.
    pub login_url: &'a str,
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

/// An email from its three templates: subject, HTML part and text part.
fn render_email(
    to: &EmailAddress,
    subject: impl Template,
    html: impl Template,
    text: impl Template,
) -> Result<OutgoingEmail, RenderError> {
    Ok(OutgoingEmail {
        to: to.clone(),
        subject: subject.render()?.trim().to_owned(),
        html: html.render()?,
        text: text.render()?,
    })
}

/// A text message from its template.
fn render_sms(to: &PhoneNumber, text: impl Template) -> Result<OutgoingSms, RenderError> {
    Ok(OutgoingSms {
        to: to.clone(),
        text: text.render()?.trim().to_owned(),
    })
}

/// "1 hour", "90 minutes", "24 hours", "45 seconds".
pub fn describe_lifetime(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
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
