//! The ports the flows are written against: the stores (accounts, reset
//! tokens, SMS codes with their rate counters, the audit trail) and the
//! senders (email, SMS). Each says in its own result types what can happen
//! besides success; a [`DependencyError`] is only ever a failure of the
//! thing behind the port. `recovery_aws` implements them on DynamoDB, SES and
//! SNS; `recovery_testing` in memory, with the same contract
//! (`testing::contract`).

use async_trait::async_trait;

use recovery_domain::{
    AccountLookup, CodeRecord, EmailAddress, LoginName, NewAccount, PasswordHash, PhoneNumber,
    ResetTokenRecord, Timestamp, TokenDigest, UserAccount, UserId,
};
use recovery_messages::{OutgoingEmail, OutgoingEvent, OutgoingSms};

mod breaches;
mod counters;
mod lifecycle;
mod metrics;
mod outbox;
mod shared;
mod workspaces;

pub use breaches::*;
pub use counters::*;
pub use lifecycle::*;
pub use metrics::*;
pub use outbox::*;
pub use shared::*;
pub use workspaces::*;

/// A dependency failed. The text names the operation and the error code only:
/// never an item, a key or a message body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {code}")]
pub struct DependencyError {
    pub operation: &'static str,
    pub code: String,
    pub retry: Retry,
}

/// Whether the same call may succeed if made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retry {
    /// The dependency, or the way to it, failed: later may work.
    #[default]
    Later,
    /// The dependency refused this request for good: an address SES
    /// rejects, a number SNS calls invalid.
    Never,
}

impl DependencyError {
    pub fn new(operation: &'static str, code: impl Into<String>) -> Self {
        Self { operation, code: code.into(), retry: Retry::Later }
    }

    /// One the dependency refused for good.
    pub fn refused(operation: &'static str, code: impl Into<String>) -> Self {
        Self { retry: Retry::Never, ..Self::new(operation, code) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateAccountError {
    #[error("that login is taken")]
    LoginTaken,
    #[error("that email address belongs to another account")]
    EmailTaken,
    #[error("that phone number belongs to another account")]
    PhoneTaken,
    #[error("a workspace it was to join is not there")]
    WorkspaceMissing,
    #[error(transparent)]
    Store(#[from] DependencyError),
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn find_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<UserAccount>, DependencyError>;
    async fn find_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<UserAccount>, DependencyError>;
    async fn find_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<UserAccount>, DependencyError>;
    async fn get(&self, id: &UserId) -> Result<Option<UserAccount>, DependencyError>;
    /// Reads the account [`UserId::stand_in`] and its counters of
    /// `account_kinds` as [`CodeStore::load_request`] reads an account it
    /// found, and decodes one of an account's size and shape: the calls
    /// and the work of reading an account, for a check that found none, so
    /// that its time does not tell. Finds nothing.
    async fn read_stand_in(&self, account_kinds: &[&str]) -> Result<(), DependencyError>;
    /// Stores `new_hash` as `user`'s password at `now`, kills every
    /// outstanding reset token and SMS code of the account, and puts
    /// `notices` in the outbox, in one transaction. `false` when the account
    /// is gone: nothing was written.
    async fn replace_password(
        &self,
        user: &UserAccount,
        new_hash: &PasswordHash,
        now: Timestamp,
        notices: &[OutboxItem],
    ) -> Result<Written, DependencyError>;
    /// Replaces `user`'s password hash `old` by `new` (the same password in
    /// the current scheme), provided the account still holds `old`: a
    /// password changed meanwhile wins. Not a password change: nothing else
    /// of the account moves. `false` when it did not hold `old`.
    async fn upgrade_hash(
        &self,
        user: &UserAccount,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> Result<Written, DependencyError>;
    /// Creates an account whose login, email and phone no other account has,
    /// at `now`. A refused account leaves nothing behind.
    async fn create(
        &self,
        account: NewAccount,
        id: UserId,
        now: Timestamp,
    ) -> Result<UserAccount, CreateAccountError>;
}

/// The new password for a redeemed token.
#[derive(Debug)]
pub struct Redemption<'a> {
    pub digest: &'a TokenDigest,
    pub user_id: &'a UserId,
    /// The account's phone, whose outstanding SMS code dies too.
    pub phone: Option<&'a PhoneNumber>,
    pub new_hash: &'a PasswordHash,
    pub now: Timestamp,
    /// Put in the outbox with the change (the password-changed notice).
    pub notices: &'a [OutboxItem],
}

/// How a redemption ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// The token was consumed and the new hash stored, together.
    Redeemed,
    /// The token was already used, superseded, expired, gone or not the
    /// account's: nothing changed.
    Rejected,
    /// Another write touched the same items at the same moment: nothing
    /// changed, and trying again may succeed.
    Conflict,
}

/// How issuing a token ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// The token is stored and is the account's only redeemable one.
    Issued,
    /// The account is gone, or no longer as it was read (its email, phone,
    /// state or live link changed meanwhile): nothing was stored, and the
    /// link was not sent to an address that may no longer be the account's.
    AccountChanged,
    /// A rate counter moved since it was read: nothing was stored, and the
    /// request decides again.
    CountersMoved,
}

#[async_trait]
pub trait ResetTokenStore: Send + Sync {
    /// Stores `record`, makes it the user's only redeemable token (the
    /// previous one, `user.active_reset`, stops working) and puts `message`
    /// (the link) in the outbox, in one transaction, provided the account
    /// is still as `user` was read: the same email, phone, state and live
    /// link ([`IssueOutcome::AccountChanged`] when not).
    async fn issue(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
        message: &OutboxItem,
    ) -> Result<IssueOutcome, DependencyError> {
        self.issue_counted(user, record, message, &[]).await
    }
    /// As [`Self::issue`], with the rate counters' writes in the same
    /// transaction, provided each still holds (see [`CounterChange`];
    /// [`IssueOutcome::CountersMoved`] when one does not).
    async fn issue_counted(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
        message: &OutboxItem,
        counters: &[CounterUpdate<'_>],
    ) -> Result<IssueOutcome, DependencyError>;
    async fn find(&self, digest: &TokenDigest)
    -> Result<Option<ResetTokenRecord>, DependencyError>;
    /// Counts a wrong login entered with the token `digest`; the `max`th
    /// burns it (the token is deleted). Answers the entries left: 0 when it
    /// is burned or was already gone.
    async fn record_wrong_login(
        &self,
        digest: &TokenDigest,
        max: u32,
    ) -> Result<u32, DependencyError>;
    /// Atomically: consume the token (it must exist, be live at `now` and be
    /// the user's active one), delete the account's SMS code, and store the
    /// new password hash, the time of the change, and no active token.
    /// Either all of it happens or none.
    async fn redeem(&self, redemption: Redemption<'_>) -> Result<RedeemOutcome, DependencyError>;
}

/// Sends an email; answers the provider's message id. `message` names the
/// outbox message it carries, for the provider to name in what it reports
/// later (delivery, bounce, complaint).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(
        &self,
        email: OutgoingEmail,
        message: &MessageRef,
    ) -> Result<String, DependencyError>;
}

/// What taking an attempt for a code entry did (before the entry is
/// compared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; this many entries are left (0: the code is burned).
    Counted { attempts_left: u32 },
    /// The code was replaced, used or burned meanwhile.
    Stale,
}

/// What became of a write conditioned on what a request read: done, or
/// refused because what it was conditioned on no longer holds (each method
/// says what: the account gone, its password changed, a counter moved, a
/// code used), and then nothing of it was written.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    Stale,
}

/// SMS codes and the rate counters of forgot requests.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Reads the counters named by `rate_keys`, the account `lookup` names,
    /// and that account's counters of the kinds `account_kinds` (see
    /// [`CounterKey::account`]).
    async fn load_request(
        &self,
        lookup: &AccountLookup,
        rate_keys: &[CounterKey],
        account_kinds: &[&str],
    ) -> Result<RequestState, DependencyError>;
    /// Writes each counter, and `message` in the outbox, provided every
    /// counter's write still holds (see [`CounterChange`]). `false` when one
    /// does not: nothing was written.
    async fn record_hits(
        &self,
        counters: &[CounterUpdate<'_>],
        message: Option<&OutboxItem>,
    ) -> Result<Written, DependencyError>;
    /// Atomically: stores `record` as the number's only code, replacing any
    /// earlier one, each counter's write, and `message` (the code, or a
    /// notice) in the outbox, provided every counter's write still holds.
    /// `false` when one does not: nothing was written.
    async fn store_code(
        &self,
        record: &CodeRecord,
        counters: &[CounterUpdate<'_>],
        message: Option<&OutboxItem>,
    ) -> Result<Written, DependencyError>;
    async fn find_code(&self, phone: &PhoneNumber) -> Result<Option<CodeRecord>, DependencyError>;
    /// Takes the challenge `nonce` (expiring at `expires_at`) as used:
    /// [`Written::Done`] the first time, [`Written::Stale`] after.
    async fn redeem_challenge(
        &self,
        nonce: &str,
        expires_at: Timestamp,
    ) -> Result<Written, DependencyError>;
    /// Takes one attempt off `record` before its guess is compared, if it is
    /// still the number's code and has attempts left: concurrent guesses get
    /// no more comparisons than the code allows.
    async fn take_attempt(&self, record: &CodeRecord) -> Result<Attempt, DependencyError>;
    /// Atomically: consume `code` (still stored, live at `now`; the guess
    /// that found it right took its attempt, maybe the last, before)
    /// and issue `token` to the code's account as its only redeemable token,
    /// provided the account still has the number, is enabled, and has a
    /// password or no identity provider. `false` when any of that fails;
    /// nothing changed then.
    async fn exchange_code(
        &self,
        code: &CodeRecord,
        now: Timestamp,
        token: &ResetTokenRecord,
    ) -> Result<Written, DependencyError>;
}

/// Sends a text message; answers the provider's message id.
#[async_trait]
pub trait Texter: Send + Sync {
    async fn send(&self, sms: OutgoingSms) -> Result<String, DependencyError>;
}

/// Publishes an event on the product's bus; answers the bus's event id.
/// `message` names the outbox message it carries.
#[async_trait]
pub trait Publisher: Send + Sync {
    async fn publish(
        &self,
        event: OutgoingEvent,
        message: &MessageRef,
    ) -> Result<String, DependencyError>;
}

/// One administrator action, as recorded. Never holds a password or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The login the action was about (as resolved, or as given when no
    /// account matched).
    pub target: String,
    pub user_id: Option<String>,
    pub action: String,
    /// Who called, as verified ([`crate::flows::Requester::caller`]).
    pub caller: String,
    /// Whom the caller said it acted for, as written.
    pub on_behalf_of: Option<String>,
    /// `pending` until the action ends; then `ok` or the error code.
    pub outcome: String,
    pub detail: Option<String>,
    /// Milliseconds since the epoch.
    pub at_millis: i64,
    pub request_id: String,
    /// The workspaces the record concerns (an administrator of one of
    /// them may list it); none: the deployment's administrators only.
    pub workspaces: Vec<recovery_domain::WorkspaceId>,
}

#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Stores `record` (kept for `retention_seconds`). A record with the
    /// same target, time and request id is refused (`DuplicateRecord`).
    async fn append(
        &self,
        record: &AuditRecord,
        retention_seconds: i64,
    ) -> Result<(), DependencyError>;
    /// Sets the outcome of a record made by [`Self::append`], and its detail
    /// when one is given (otherwise the detail stays). A record never
    /// appended is an error (`MissingRecord`).
    async fn conclude(
        &self,
        record: &AuditRecord,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<(), DependencyError>;
    /// The newest `limit` records about `target`, newest first.
    async fn list(&self, target: &str, limit: u32) -> Result<Vec<AuditRecord>, DependencyError>;
}

/// Every store port at once: what one table (or one map) implements.
pub trait Store:
    UserStore
    + ResetTokenStore
    + CodeStore
    + OutboxStore
    + AuditLog
    + AccountLifecycle
    + WorkspaceStore
    + SharedCounters
    + SmsHolds
{
}

impl<
    S: UserStore
        + ResetTokenStore
        + CodeStore
        + OutboxStore
        + AuditLog
        + AccountLifecycle
        + WorkspaceStore
        + SharedCounters
        + SmsHolds,
> Store for S
{
}
