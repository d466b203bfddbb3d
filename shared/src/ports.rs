//! The ports the flows are written against. [`crate::aws`] implements them on
//! DynamoDB and SES, [`crate::in_memory`] for tests.

use async_trait::async_trait;

use crate::account::{EmailAddress, LoginName, NewAccount, UserAccount, UserId};
use crate::clock::Timestamp;
use crate::email::OutgoingEmail;
use crate::password::PasswordHash;
use crate::token::{ResetTokenRecord, TokenDigest};

/// A dependency failed. The text names the operation and the error code only:
/// never an item, a key or a message body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {code}")]
pub struct DependencyError {
    pub operation: &'static str,
    pub code: String,
}

impl DependencyError {
    pub fn new(operation: &'static str, code: impl Into<String>) -> Self {
        Self {
            operation,
            code: code.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateAccountError {
    #[error("that login is taken")]
    LoginTaken,
    #[error("that email address belongs to another account")]
    EmailTaken,
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
    async fn get(&self, id: &UserId) -> Result<Option<UserAccount>, DependencyError>;
    /// Creates an account whose login and email no other account has.
    async fn create(
        &self,
        account: NewAccount,
        id: UserId,
    ) -> Result<UserAccount, CreateAccountError>;
}

/// The new password for a redeemed token.
#[derive(Debug)]
pub struct Redemption<'a> {
    pub digest: &'a TokenDigest,
    pub user_id: &'a UserId,
    pub new_hash: &'a PasswordHash,
    pub now: Timestamp,
}

/// How a redemption ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemOutcome {
    /// The token was consumed and the new hash stored, together.
    Redeemed,
    /// The token was already used, superseded, expired or gone: nothing
    /// changed.
    Rejected,
}

#[async_trait]
pub trait ResetTokenStore: Send + Sync {
    /// Stores `record` and makes it the user's only redeemable token: the
    /// previous one (`user.active_reset`) stops working.
    async fn issue(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
    ) -> Result<(), DependencyError>;
    async fn find(&self, digest: &TokenDigest)
    -> Result<Option<ResetTokenRecord>, DependencyError>;
    /// Atomically: consume the token (it must exist, be live at `now` and be
    /// the user's active one) and store the new password hash, the time of
    /// the change, and no active token. Either all of it happens or none.
    async fn redeem(&self, redemption: Redemption<'_>) -> Result<RedeemOutcome, DependencyError>;
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: OutgoingEmail) -> Result<(), DependencyError>;
}
