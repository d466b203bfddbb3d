//! The product's sign-in check: does this password open the account that
//! this login, email address or phone number names? One answer, and one
//! amount of work, for every way it can fail (no account, disabled, signs
//! in only through another provider, wrong password); a growing delay after
//! repeated attempts for what was typed; and a hash in an older or imported
//! scheme replaced by the current Argon2id on success.

use secrecy::{ExposeSecret, SecretString};
use tracing::{info, warn};

use super::Recovery;
use super::limits::{RATE_ATTEMPTS, Round};
use crate::ports::Written;
use crate::ports::{CounterKey, CounterUpdate, DependencyError, RateCounter};
use recovery_domain::{
    AccountLookup, Backoff, HashError, Password, PasswordHash, Tally, Timestamp, UserAccount,
    UserId,
};

/// What a credential check answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialCheck {
    /// The password opens this account.
    Valid { user_id: UserId, login: String, password_changed_at: Option<Timestamp> },
    /// No: whatever the reason, the same answer.
    Invalid,
    /// Too many attempts for what was typed: no check was made; try again
    /// after this many seconds.
    RetryAfter(i64),
}

/// Why a check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

impl Recovery {
    /// Checks `password` against the account `typed` names. Each attempt is
    /// counted before the password is checked (so attempts made at once
    /// are counted too); a valid one clears the count.
    pub async fn verify_credentials(
        &self,
        typed: &str,
        password: &SecretString,
    ) -> Result<CredentialCheck, CredentialError> {
        let Ok(lookup) = AccountLookup::parse(typed) else {
            // Nothing to key a delay on, and nothing to find: the work of a
            // wrong password, and its answer.
            self.verify_password(password, self.hasher.dummy_hash().clone()).await?;
            return Ok(CredentialCheck::Invalid);
        };
        let (lookup, key) = (&lookup, &CounterKey::sign_in(&lookup));
        let counted = self
            .in_rounds(move || async move {
                let state = self.codes.load_request(lookup, std::slice::from_ref(key), &[]).await?;
                if state.account.is_none() {
                    // The read of the account that was not found.
                    self.users.read_stand_in().await?;
                }
                let counter = state
                    .counters
                    .first()
                    .ok_or_else(|| DependencyError::new("load_request", "MissingCounter"))?;
                let now = self.clock.now();
                let hits = match Backoff::SIGN_IN.decide(&counter.hits, now) {
                    Ok(hits) => hits,
                    Err(wait) => {
                        info!(retry_after_seconds = wait, "credential check delayed");
                        return Ok(Round::Done(Err(wait)));
                    }
                };
                let update = CounterUpdate::replace(
                    counter,
                    hits.clone(),
                    now.plus_seconds(Backoff::SIGN_IN.window_seconds),
                );
                if self.codes.record_hits(&[update], None).await? == Written::Stale {
                    return Ok(Round::Again);
                }
                let counted = RateCounter { key: key.clone(), hits, version: counter.version + 1 };
                Ok::<_, CredentialError>(Round::Done(Ok((state.account, counted, now))))
            })
            .await?;
        match counted {
            Some(Ok((account, counted, now))) => {
                self.check(account.as_ref(), password, &counted, now).await
            }
            Some(Err(wait)) => Ok(CredentialCheck::RetryAfter(wait)),
            None => {
                // Other attempts for the same login keep moving the count.
                warn!(rounds = RATE_ATTEMPTS, "attempt counter kept moving; asked to retry");
                Ok(CredentialCheck::RetryAfter(1))
            }
        }
    }

    /// The check itself, once the attempt is counted as `counted`.
    async fn check(
        &self,
        account: Option<&UserAccount>,
        password: &SecretString,
        counted: &RateCounter,
        now: Timestamp,
    ) -> Result<CredentialCheck, CredentialError> {
        let usable = account.filter(|a| !a.blocked());
        let stored = usable.and_then(|a| a.password_hash.clone());
        let hash = stored.clone().unwrap_or_else(|| self.hasher.dummy_hash().clone());
        let opens = self.verify_password(password, hash).await?;
        let (Some(account), Some(stored), true) = (usable, stored, opens) else {
            info!(outcome = "invalid", "credentials checked");
            return Ok(CredentialCheck::Invalid);
        };
        let cleared = CounterUpdate::replace(counted, Tally::default(), now);
        if let Err(err) = self.codes.record_hits(&[cleared], None).await {
            warn!(error = %err, "the attempts of a valid sign-in were not cleared");
        }
        if !self.hasher.is_current(&stored) {
            self.upgrade(account, &stored, password).await;
        }
        info!(outcome = "valid", user_id = %account.id, "credentials checked");
        Ok(CredentialCheck::Valid {
            user_id: account.id.clone(),
            login: account.login.as_str().to_owned(),
            password_changed_at: account.password_changed_at,
        })
    }

    /// Replaces `stored` (an older or imported scheme) by the current
    /// Argon2id of `password`, provided it is still the account's hash (a
    /// reset meanwhile wins). Best effort: the sign-in stands either way.
    async fn upgrade(&self, account: &UserAccount, stored: &PasswordHash, password: &SecretString) {
        let new = match self.hash(Password::new(password.expose_secret())).await {
            Ok(new) => new,
            Err(err) => {
                warn!(error = %err, "a hash was not upgraded");
                return;
            }
        };
        match self.users.upgrade_hash(account, stored, &new).await {
            Ok(Written::Done) => info!(user_id = %account.id, "password hash upgraded to Argon2id"),
            Ok(Written::Stale) => {
                info!(user_id = %account.id, "hash changed meanwhile; not upgraded")
            }
            Err(err) => warn!(error = %err, "a hash was not upgraded"),
        }
    }

    /// Whether `password` matches `hash`, checked on the blocking pool.
    async fn verify_password(
        &self,
        password: &SecretString,
        hash: PasswordHash,
    ) -> Result<bool, HashError> {
        let (hasher, candidate) = (self.hasher.clone(), password.clone());
        tokio::task::spawn_blocking(move || hasher.verify(candidate.expose_secret(), &hash))
            .await
            .map_err(|_| HashError::Task)
    }
}
