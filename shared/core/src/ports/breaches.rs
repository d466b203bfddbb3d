//! Breached passwords by k-anonymity: the Pwned Passwords range API, or
//! any service that answers as it does.

use async_trait::async_trait;

use super::DependencyError;

/// The range API: every hash suffix seen in breaches that shares a prefix.
#[async_trait]
pub trait BreachedPasswords: Send + Sync {
    /// The range of `prefix` (five upper-case hex digits of a SHA-1), as
    /// `SUFFIX:COUNT` lines, padded with suffixes of count 0 so that its
    /// size says nothing. Only `prefix` leaves the function.
    async fn range(&self, prefix: &str) -> Result<String, DependencyError>;
}
