//! Events for the product that uses the passwords, published on its
//! EventBridge bus through the outbox: a password changed (end older
//! sessions), an account was disabled, enabled or deleted. The schema is
//! documented in the README ("Events"); `version` changes if it ever does.

use std::fmt;

use askama::Template;

use super::RenderError;
use recovery_domain::{Timestamp, UserAccount, iso8601_millis};

/// The `source` of every event the service publishes.
pub const EVENT_SOURCE: &str = "password-recovery";

/// What happened, by the `detail-type` the bus carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
pub enum EventKind {
    PasswordChanged,
    AccountDisabled,
    AccountEnabled,
    AccountDeleted,
}

impl EventKind {
    pub fn detail_type(self) -> &'static str {
        self.into()
    }
}

/// One event about one account: what, when, and through what (`reset_link`,
/// `sms_code`, `admin_link`, `invitation`, `administrator`).
#[derive(Debug, Clone, Copy)]
pub struct AccountEvent<'a> {
    pub kind: EventKind,
    pub account: &'a UserAccount,
    pub at: Timestamp,
    pub through: &'a str,
}

impl AccountEvent<'_> {
    /// The event as published: `detail` is JSON naming the account by id and
    /// login, never by its email address or phone number. `event_id` is
    /// unique per event: consumers drop an event whose id they have seen
    /// (delivery is at least once).
    pub fn render(&self, event_id: &str) -> Result<OutgoingEvent, RenderError> {
        let at_epoch_seconds = self.at.epoch_seconds();
        let detail = Detail {
            event_id,
            user_id: self.account.id.as_str(),
            login: self.account.login.as_str(),
            at: iso8601_millis(at_epoch_seconds * 1000),
            at_epoch_seconds,
            through: self.through,
            workspaces: self.account.workspaces.iter().map(|w| w.as_str()).collect(),
        };
        Ok(OutgoingEvent {
            detail_type: self.kind.detail_type().to_owned(),
            detail: detail.render()?,
        })
    }
}

/// `detail`, each string JSON-encoded by the template's `json` filter.
#[derive(Template)]
#[template(path = "events/detail.json.txt")]
struct Detail<'a> {
    event_id: &'a str,
    user_id: &'a str,
    login: &'a str,
    at: String,
    at_epoch_seconds: i64,
    through: &'a str,
    /// The account's workspaces (left out when none), for rules that
    /// route each workspace's events.
    workspaces: Vec<&'a str>,
}

/// An event ready to publish: its `detail-type` and its `detail` (JSON).
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    pub detail_type: String,
    pub detail: String,
}

impl fmt::Debug for OutgoingEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingEvent")
            .field("detail_type", &self.detail_type)
            .finish_non_exhaustive()
    }
}
