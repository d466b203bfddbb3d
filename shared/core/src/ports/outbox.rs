//! The outbox port: messages sealed for delivery, their delivery state, and
//! what the provider reports about them afterwards.

use async_trait::async_trait;

use super::DependencyError;
use recovery_domain::{
    CodeMac, EmailAddress, EmailTroubleKind, PhoneNumber, RandomError, RandomSource, Timestamp,
    TokenDigest, UserId, hex,
};
use recovery_messages::{Channel, MessageKind};

/// A message waiting for delivery, as the outbox keeps it: what it is, for
/// whom, until when it may go out, and the message itself sealed under the
/// outbox key (`domain::OutboxKey`), bound to [`Self::id`].
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// The account the message is about; its messages are kept together.
    pub user_id: UserId,
    /// Unique among the account's messages and ordered by creation:
    /// `<millis, 13 digits>#<16 hex digits>`.
    pub key: String,
    pub channel: Channel,
    pub kind: MessageKind,
    pub created_at: Timestamp,
    /// A message that has not gone out by then never does: the link or code
    /// in it has expired.
    pub send_before: Timestamp,
    pub sealed: Vec<u8>,
    /// The link or code it carries, when a later one replaces it: then it
    /// is not sent.
    pub carries: Option<Carried>,
    /// The workspace it speaks for (its name, its links), if any.
    pub workspace: Option<recovery_domain::WorkspaceId>,
}

/// A link or a code in a message, as the store knows it.
#[derive(Clone, PartialEq, Eq)]
pub enum Carried {
    /// A reset link: its token's digest, the account's `active_reset` while
    /// it is the live one.
    Link(TokenDigest),
    /// A code: the number and the MAC stored for it.
    Code(PhoneNumber, CodeMac),
}

/// Whether the link or code a message carries is still the live one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Live,
    /// Replaced by a later one, used, or gone: not to be sent.
    Superseded,
}

impl OutboxItem {
    /// A new key for a message made at `at_millis`: ordered by time, unique
    /// by 64 random bits.
    pub fn new_key(at_millis: i64, random: &dyn RandomSource) -> Result<String, RandomError> {
        let mut nonce = [0u8; 8];
        random.fill(&mut nonce)?;
        Ok(format!("{at_millis:013}#{}", hex(&nonce)))
    }

    /// What the payload is sealed to: the account and the key.
    pub fn id(&self) -> String {
        format!("{}/{}", self.user_id, self.key)
    }

    /// Which message this is, as the provider is told.
    pub fn reference(&self) -> MessageRef {
        MessageRef { user_id: self.user_id.clone(), key: self.key.clone(), kind: Some(self.kind) }
    }
}

/// One outbox message, by its account and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub user_id: UserId,
    pub key: String,
    /// What it is, when known (a provider's report names it by a tag).
    pub kind: Option<MessageKind>,
}

impl std::fmt::Debug for OutboxItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxItem")
            .field("user_id", &self.user_id)
            .field("key", &self.key)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .field("send_before", &self.send_before)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Link(_) => "Link",
            Self::Code(..) => "Code",
        })
    }
}

/// Whether a delivery may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This delivery holds the message until the lease ends.
    Claimed,
    /// The message was sent or given up already.
    Done,
    /// Another delivery holds it now.
    Busy,
    /// No such message (its account was deleted, or it expired away).
    Gone,
}

/// What became of a message, as the outbox records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryState {
    /// Handed to SES or SNS, which gave this message id.
    Sent { provider_id: String },
    /// Not sent this time; another attempt may follow. The error's code.
    Failed { error: String },
    /// Not sent before `send_before`: it never will be.
    Expired,
    /// Not sent: the link or code it carries was replaced or used first.
    Superseded,
    /// It never will be sent: its payload does not open, or the provider
    /// refused it for good. The reason (an error code); the payload goes.
    Refused { reason: String },
    /// An event on the product's bus: published, so the outbox forgets it
    /// (the item goes; a later hand-over finds nothing to publish).
    Published,
}

/// One message of an account as the outbox shows it, without its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStatus {
    pub key: String,
    pub kind: MessageKind,
    pub channel: Channel,
    pub created_at: Timestamp,
    /// `pending`, `sent`, `failed` (last attempt; more may follow),
    /// `refused` (never sent; `last_error` says why), `superseded` (never
    /// sent: a later link or code replaced it) or `expired`.
    pub delivery: String,
    /// Deliveries that took the message (claims).
    pub attempts: u32,
    pub last_error: Option<String>,
    pub provider_id: Option<String>,
    /// Whether the sealed payload is still stored (until sent or given up).
    pub holds_payload: bool,
    /// What the provider reported after it took the message, when, and in
    /// a few words (bounce type, complaint type, SMTP answer).
    pub feedback: Option<Feedback>,
    pub feedback_at: Option<Timestamp>,
    pub feedback_detail: Option<String>,
    /// The workspace it spoke for, if any.
    pub workspace: Option<recovery_domain::WorkspaceId>,
}

/// What the provider reported about a message after it took it (SES event
/// publishing through the configuration set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Feedback {
    /// The receiving server accepted it.
    Delivered,
    /// Refused for now (mailbox full, server busy); SES has given up on it.
    SoftBounced,
    /// SES refused to send it (a virus, or content it would not send).
    Rejected,
    /// Refused for good: the address does not take mail.
    Bounced,
    /// The recipient reported it as spam.
    Complained,
}

impl Feedback {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// Reports arrive in any order; a later one replaces an earlier one
    /// only if it says as much or more (a complaint after a delivery, not
    /// a delivery after a bounce).
    pub fn rank(self) -> i64 {
        match self {
            Self::Delivered | Self::SoftBounced => 1,
            Self::Rejected | Self::Bounced => 2,
            Self::Complained => 3,
        }
    }

    /// What it says about the address, if anything lasting.
    pub fn trouble(self) -> Option<EmailTroubleKind> {
        match self {
            Self::Bounced => Some(EmailTroubleKind::Bounced),
            Self::Complained => Some(EmailTroubleKind::Complained),
            _ => None,
        }
    }
}

/// A provider's report about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub message: MessageRef,
    /// The provider's id of the message; the report counts only if the
    /// outbox recorded the same id when it sent it.
    pub provider_id: String,
    pub feedback: Feedback,
    pub at: Timestamp,
    /// The address it is about (bounced or complaining recipient).
    pub recipient: Option<EmailAddress>,
    /// A few words for the administrator; never a message body.
    pub detail: String,
}

/// What became of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// Recorded on the message (and the account, for a hard bounce or a
    /// complaint).
    Recorded,
    /// The message already has a report that says more.
    Superseded,
    /// No such message sent under that provider id (gone by TTL, or not
    /// ours).
    Unknown,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Puts a message caused by no other write (a notice) in the outbox.
    async fn enqueue(&self, item: &OutboxItem) -> Result<(), DependencyError>;
    /// Takes `item` for delivery until `lease_until`: a message is sent by
    /// one delivery at a time, and never again once sent.
    async fn claim(
        &self,
        item: &OutboxItem,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Claim, DependencyError>;
    /// Records what became of `item` and ends the lease. A sent or expired
    /// message loses its sealed payload.
    async fn record(
        &self,
        item: &OutboxItem,
        now: Timestamp,
        state: &DeliveryState,
    ) -> Result<(), DependencyError>;
    /// Whether `carried` is still live for the account `user_id`: its link
    /// the account's `active_reset`, its code the number's stored code. Read
    /// consistently, just before the send.
    async fn standing(
        &self,
        user_id: &UserId,
        carried: &Carried,
    ) -> Result<Standing, DependencyError>;
    /// Records a provider's report on its message, and a hard bounce or
    /// complaint on the message's account too (the address it concerns).
    async fn report(&self, report: &DeliveryReport) -> Result<Reported, DependencyError>;
    /// The newest `limit` messages about `user_id`, newest first.
    async fn messages(
        &self,
        user_id: &UserId,
        limit: u32,
    ) -> Result<Vec<MessageStatus>, DependencyError>;
}
