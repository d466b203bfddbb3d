//! The account lifecycle port: what an administrator changes about an
//! account after it exists (its contact details, provider and language;
//! disabled or enabled; locked by its owner) and its deletion. Used only by
//! the administrator's function and the owner's lock (`lock-account`), so
//! the other self-service functions do not link it.

use async_trait::async_trait;

use super::{AuditRecord, DependencyError, OutboxItem, Written};
use recovery_domain::{Timestamp, UserAccount};

/// How changing an account's details ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsUpdate {
    Updated,
    /// Another account has the new email address: nothing changed.
    EmailTaken,
    /// Another account has the new phone number: nothing changed.
    PhoneTaken,
    /// The account is gone, or its email or phone changed since it was
    /// read: nothing changed, and reading it again may succeed.
    Moved,
}

#[async_trait]
pub trait AccountLifecycle: Send + Sync {
    /// Gives the account read as `before` the email, phone, social provider
    /// and locale of `after` (nothing else of `after` is read), in one
    /// transaction: the lookup items of an address or number it no longer
    /// has go, those of new ones are made and must not exist yet, and a
    /// code sent to a number it no longer has dies.
    async fn update_details(
        &self,
        before: &UserAccount,
        after: &UserAccount,
    ) -> Result<DetailsUpdate, DependencyError>;
    /// Disables or enables the account, with `messages` (events) in the
    /// outbox, together. Disabling also kills its link and its code. `false`
    /// when the account is gone: nothing was written.
    async fn set_disabled(
        &self,
        user: &UserAccount,
        disabled: bool,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError>;
    /// Locks the account for its owner ("This was not me"), provided it is
    /// not locked and its password is still the one set at `changed_at`,
    /// whether or not it is disabled: its password gone, its link and code
    /// dead, `locked_at` set to `now`, `messages` (events) in the outbox and
    /// `audit` in the audit trail (kept `retention_seconds`), together.
    /// `Stale` when the account is gone, locked (by a post that came first)
    /// or its password changed since: nothing was written, no event, no
    /// record.
    async fn lock(
        &self,
        user: &UserAccount,
        changed_at: Timestamp,
        now: Timestamp,
        messages: &[OutboxItem],
        audit: (&AuditRecord, i64),
    ) -> Result<Written, DependencyError>;
    /// Clears the owner's lock of `user` (it stays without a password until
    /// one is set) and puts `messages` (events) in the outbox, together.
    /// `Stale` when the account is gone or not locked.
    async fn unlock(
        &self,
        user: &UserAccount,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError>;
    /// Deletes the account and every item that names it: its lookup items,
    /// link, code, rate counters and outbox messages; then puts `messages`
    /// (events, which name no contact detail) in the outbox. `false` when it
    /// was already gone.
    async fn delete(
        &self,
        user: &UserAccount,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError>;
}
