//! "This was not me": the owner of an account whose password changed locks
//! it through the link in the notice, whatever else its state (an
//! administrator may have disabled it meanwhile). A lock takes the password
//! (so the password that was set works nowhere) and every link and code;
//! it is audited and the product is told (`AccountDisabled` through
//! `not_me`). Locked is apart from disabled: an administrator's recovery
//! link clears a lock (and only a lock); `enable_user` clears a disable
//! (and only a disable).

use tracing::{error, info, warn};

use super::audit::Requester;
use super::{Administration, Recovery, SealError};
use crate::ports::DependencyError;
use crate::ports::Written;
use recovery_domain::{LockClaim, Measure, Timestamp, UserAccount, iso8601_millis};
use recovery_messages::EventKind;

/// The audit trail's name for a lock by the account's owner.
pub const LOCK_ACTION: &str = "lock_account";

/// What a "This was not me" link can do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockLink {
    /// It locks the account with this login.
    Live { login: String },
    /// The account is locked already.
    AlreadyLocked,
    /// Not a link of ours, expired, or about a password that has changed
    /// again since (or an account that is gone).
    Invalid,
}

/// Why a lock did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the link is not one that locks an account now")]
    InvalidLink,
    #[error("the account is locked already")]
    AlreadyLocked,
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error("the lock's event could not be sealed: {0}")]
    Seal(#[from] SealError),
}

impl Recovery {
    /// What the link with `token` would do, for the page that asks to
    /// confirm it. Reads only.
    pub async fn lock_link(&self, token: &str) -> Result<LockLink, DependencyError> {
        Ok(match self.lock_target(token).await? {
            Ok((_, account)) => LockLink::Live { login: account.login.as_str().to_owned() },
            Err(link) => link,
        })
    }

    /// The claim of `token` and the account it locks, or what the link is
    /// instead.
    async fn lock_target(
        &self,
        token: &str,
    ) -> Result<Result<(LockClaim, UserAccount), LockLink>, DependencyError> {
        let version = LockClaim::signed_by(token);
        let keys = self
            .keys
            .holding(|keys| keys.outbox.as_ref().is_some_and(|v| v.holds(version)))
            .await?;
        let versions = keys.outbox_keys().inspect_err(|_| {
            error!("no outbox key: lock links cannot be checked");
        })?;
        let now = self.clock.now();
        let claim = versions.named(version).find_map(|key| LockClaim::verify(token, key));
        let Some(claim) = claim.filter(|c| c.expires_at > now) else {
            return Ok(Err(LockLink::Invalid));
        };
        let Some(account) = self.users.get(&claim.user_id).await? else {
            return Ok(Err(LockLink::Invalid));
        };
        if account.locked_at.is_some() {
            return Ok(Err(LockLink::AlreadyLocked));
        }
        if account.password_changed_at != Some(claim.changed_at) {
            return Ok(Err(LockLink::Invalid));
        }
        Ok(Ok((claim, account)))
    }

    /// The "This was not me" link for the change of `account`'s password at
    /// `changed_at`, when there is a key to sign it and a page to open it.
    /// Keys that cannot be read are the notice's failure: it is not sent
    /// without its link.
    pub(super) async fn lock_link_for(
        &self,
        account: &UserAccount,
        changed_at: Timestamp,
    ) -> Result<Option<String>, SealError> {
        let Some(page) = self.settings.lock_page_url() else {
            return Ok(None);
        };
        let keys = self.keys.get().await.map_err(SealError::Keys)?;
        let token = keys
            .outbox_key()
            .ok()
            .and_then(|key| LockClaim::for_change(&account.id, changed_at).sign(key));
        let separator = if page.contains('?') { '&' } else { '?' };
        Ok(token.map(|token| format!("{page}{separator}token={}", token.expose_for_link())))
    }
}

impl Administration {
    /// Locks the account of the link with `token`, asked `by` its owner.
    pub async fn lock_account(&self, token: &str, by: &Requester) -> Result<(), LockError> {
        let (claim, account) = match self.lock_target(token).await? {
            Ok(target) => target,
            Err(LockLink::AlreadyLocked) => return Err(LockError::AlreadyLocked),
            Err(_) => return Err(LockError::InvalidLink),
        };
        // The record goes in with the lock, in one write: no record, no
        // lock, and of posts sent at once one locks, with one event and one
        // record.
        let mut record = self.audit_record(by, LOCK_ACTION, account.login.as_str(), Some(&account));
        record.outcome = "ok".into();
        record.detail = Some(format!(
            "by its owner, through the notice of the password change at {}",
            iso8601_millis(claim.changed_at.epoch_seconds() * 1000)
        ));
        let now = self.clock.now();
        let event = self.seal_event(&account, EventKind::AccountDisabled, "not_me", now).await?;
        let retention = self.settings.admin.audit_retention_seconds;
        let events = std::slice::from_ref(&event);
        if self
            .lifecycle
            .lock(&account, claim.changed_at, now, events, (&record, retention))
            .await?
            == Written::Stale
        {
            // Locked by a post that came first, or the password changed.
            return match self.lock_target(token).await? {
                Err(LockLink::AlreadyLocked) => Err(LockError::AlreadyLocked),
                _ => {
                    warn!(user_id = %account.id, "lock refused: the password changed meanwhile");
                    Err(LockError::InvalidLink)
                }
            };
        }
        info!(user_id = %account.id, "account locked by its owner");
        self.funnel.count(&[Measure::Locked]).await;
        Ok(())
    }
}
