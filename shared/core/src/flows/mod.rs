//! The flows of the service: the self-service recovery (a link by email, a
//! code by SMS, a new password through a token) and the administrator's
//! actions, as async functions with typed inputs, results and errors, over
//! one set of parts, [`Recovery`]; and the delivery of what they put in the
//! outbox, [`Delivery`]. They speak only to the ports (`crate::ports`),
//! never to an SDK, an HTTP request or JSON.
//!
//! No flow sends anything itself: each renders its message, seals it, and
//! hands it to the store with the write that causes it (a token issued, a
//! code stored, a password changed), in one transaction. The deliver
//! function sends it from there.

mod admin;
mod audit;
mod brand;
mod breaches;
mod challenge;
mod code;
mod credentials;
mod deliver;
mod funnel;
mod import;
mod keys;
mod lifecycle;
mod limits;
mod lock;
mod pumping;
mod remind;
mod request;
mod request_code;
mod reset;
mod seal;
mod sms_guard;
mod workspaces;

use std::sync::Arc;

use crate::ports::{
    AccountLifecycle, AuditLog, BreachedPasswords, CodeStore, DependencyError, IssueOutcome,
    Metrics, OutboxItem, OutboxStore, ResetTokenStore, SharedCounters, SmsHolds, Store, UserStore,
    WorkspaceDirectory, WorkspaceStore,
};
use crate::settings::RecoverySettings;
use recovery_domain::{
    AccountLookup, Clock, HashError, OsRandom, Password, PasswordHash, PasswordHasher,
    RandomSource, ResetTokenRecord, Timestamp, UserAccount,
};

pub use recovery_messages::Channel;

/// An event not published within this long is given up (and reaches the
/// dead-letter queue long before, after the stream's retries).
pub const EVENT_SEND_WITHIN_SECONDS: i64 = 7 * 24 * 3600;
pub use admin::{AccountMessages, AdminAction, AdminError, Invited, LinkQueued, NewUser};
pub use audit::Requester;
pub use breaches::NewPasswordRefused;
pub use challenge::{Issued, Proof, RouteLoad, route_baseline, route_counter};
pub use code::{CodeAccepted, VerifyCodeError};
pub use credentials::{
    ACCOUNT_GUESSES_PER_HOUR, CredentialCheck, CredentialError, FAMILIAR_FOR_SECONDS, SignInSource,
};
pub use deliver::{DeliverError, Delivered, Delivery, LEASE_SECONDS};
pub use funnel::{FUNNEL_SHARDS, Funnel, TALLY_KEPT_DAYS, funnel_tally};
pub use import::{IMPORT_AUDIT_TARGET, ImportResult, ImportRow, Imported, InvalidRow};
pub use keys::{KeySet, Keys, REREAD_AT_MOST_EVERY, Read, ReadKeys, Versioned, Versions};
pub use lifecycle::{AccountView, Change, Deleted, DetailsChange};
pub use lock::{LOCK_ACTION, LockError, LockLink};
pub use pumping::{CodeCount, code_counter, country_audit_target};
pub use request::{Caller, FlowError, ResetRequestOutcome};
pub use reset::{PasswordChange, PasswordChanged, SetPasswordError, TokenStatus};
pub use seal::SealError;
pub use sms_guard::{SPEND_SHARDS, SmsGuard, Spend, spend_counter};
pub use workspaces::{
    WORKSPACES_AUDIT_TARGET, WorkspaceChange, principal_audit_target, workspace_audit_target,
};

/// Notices (a password changed, an account that signs in elsewhere) carry
/// no secret that expires; one not delivered within a day is given up.
pub const NOTICE_SEND_WITHIN_SECONDS: i64 = 86_400;

/// The self-service flows (a link, a code, a new password, a reminder, a
/// sign-in check) and the parts they run on: the stores (the outbox among
/// them), the clock, the random source, the password hasher, the keys and
/// the settings. It has no administrator action: those are
/// [`Administration`]'s.
#[derive(Clone)]
pub struct Recovery {
    users: Arc<dyn UserStore>,
    tokens: Arc<dyn ResetTokenStore>,
    codes: Arc<dyn CodeStore>,
    outbox: Arc<dyn OutboxStore>,
    /// The workspaces, to speak for one.
    directory: Arc<dyn WorkspaceDirectory>,
    /// The holds on texts (a budget reached).
    sms_guard: SmsGuard,
    /// The range API new passwords are checked against; none: not checked.
    breaches: Option<Arc<dyn BreachedPasswords>>,
    /// Each route's rate against its baseline.
    route_load: RouteLoad,
    /// What is counted, as it happens and by the day.
    funnel: Funnel,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    hasher: PasswordHasher,
    /// The outbox key and the SMS code key: at hand, or being read
    /// ([`Keys::reading`]).
    keys: Keys,
    settings: RecoverySettings,
}

/// The administrator's actions and the owner's lock ("This was not me"),
/// each audited: the self-service parts with the audit trail and the
/// account lifecycle, both always there. A function that may not
/// administer is handed a [`Recovery`], which has none of these actions:
/// the compiler, not a check at run time, keeps them out of it.
///
/// ```
/// # async fn f(admin: &recovery_core::flows::Administration, by: &recovery_core::flows::Requester) {
/// let _ = admin.lock_account("token", by).await;
/// # }
/// ```
/// ```compile_fail
/// # async fn f(admin: &recovery_core::flows::Recovery, by: &recovery_core::flows::Requester) {
/// let _ = admin.lock_account("token", by).await;
/// # }
/// ```
#[derive(Clone)]
pub struct Administration {
    recovery: Recovery,
    audit: Arc<dyn AuditLog>,
    lifecycle: Arc<dyn AccountLifecycle>,
    workspaces: Arc<dyn WorkspaceStore>,
    /// The holds on texts, to list and lift.
    holds: Arc<dyn SmsHolds>,
}

impl std::ops::Deref for Administration {
    type Target = Recovery;

    /// The self-service flows, which an administrator's actions build on.
    fn deref(&self) -> &Recovery {
        &self.recovery
    }
}

impl Administration {
    /// The administrator's actions on `store` (every store port, the audit
    /// trail among them), with the OS's random source and the shipped
    /// hasher.
    pub fn new(
        store: Arc<impl Store + 'static>,
        clock: Arc<dyn Clock>,
        settings: RecoverySettings,
        keys: Keys,
    ) -> Self {
        Self {
            audit: store.clone(),
            lifecycle: store.clone(),
            workspaces: store.clone(),
            holds: store.clone(),
            recovery: Recovery::new(store, clock, settings, keys),
        }
    }

    /// The same actions with `keys` in place of theirs.
    pub fn with_keys(self, keys: Keys) -> Self {
        Self { recovery: self.recovery.with_keys(keys), ..self }
    }

    /// The same actions recording what they count to `metrics`.
    pub fn with_metrics(self, metrics: Arc<dyn Metrics>) -> Self {
        Self { recovery: self.recovery.with_metrics(metrics), ..self }
    }

    /// The same actions checking new passwords against `breaches`.
    pub fn with_breaches(self, breaches: Arc<dyn BreachedPasswords>) -> Self {
        Self { recovery: self.recovery.with_breaches(breaches), ..self }
    }

    /// The same actions with reset tokens kept by `tokens` (a store that
    /// watches them, in tests).
    pub fn with_tokens(self, tokens: Arc<dyn ResetTokenStore>) -> Self {
        Self { recovery: Recovery { tokens, ..self.recovery }, ..self }
    }
}

impl Recovery {
    /// The self-service flows on `store`, with `keys` (being read, in a
    /// function: [`Keys::reading`]), the OS's random source and the shipped
    /// hasher. They need neither the audit trail nor the account lifecycle,
    /// so a self-service function does not link that store code (about
    /// 27 KB of each package).
    pub fn new(
        store: Arc<
            impl UserStore
            + ResetTokenStore
            + CodeStore
            + OutboxStore
            + WorkspaceDirectory
            + SharedCounters
            + SmsHolds
            + 'static,
        >,
        clock: Arc<dyn Clock>,
        settings: RecoverySettings,
        keys: Keys,
    ) -> Self {
        let random: Arc<dyn RandomSource> = Arc::new(OsRandom);
        Self {
            funnel: Funnel::new(store.clone(), random.clone(), clock.clone()),
            users: store.clone(),
            tokens: store.clone(),
            codes: store.clone(),
            directory: store.clone(),
            sms_guard: SmsGuard::new(store.clone()),
            route_load: RouteLoad::new(store.clone()),
            breaches: None,
            outbox: store,
            clock,
            random,
            hasher: PasswordHasher::owasp(),
            keys,
            settings,
        }
    }

    /// The same flows with `keys` in place of theirs.
    pub fn with_keys(self, keys: Keys) -> Self {
        Self { keys, ..self }
    }

    /// The same flows recording what they count to `metrics`.
    pub fn with_metrics(self, metrics: Arc<dyn Metrics>) -> Self {
        Self { funnel: self.funnel.with_metrics(metrics), ..self }
    }

    /// The settings the flows run with.
    pub fn settings(&self) -> &RecoverySettings {
        &self.settings
    }

    /// The time now, by the flows' clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Whether `presented` is the secret the CloudFront distribution in
    /// front of the API sends (`X-Origin-Verify`): only then is the viewer
    /// address it writes the caller's. Never when none is configured, nor
    /// when the keys cannot be read.
    pub async fn from_the_edge(&self, presented: &str) -> bool {
        self.keys.get().await.is_ok_and(|keys| keys.from_the_edge(presented))
    }

    async fn find(&self, lookup: &AccountLookup) -> Result<Option<UserAccount>, DependencyError> {
        match lookup {
            AccountLookup::Login(login) => self.users.find_by_login(login).await,
            AccountLookup::Email(email) => self.users.find_by_email(email).await,
            AccountLookup::Phone(phone) => self.users.find_by_phone(phone).await,
        }
    }

    /// Stores `record` as `account`'s only redeemable token, with `message`
    /// (its link) in the outbox. An account that vanished since it was read
    /// is a failure like any other here.
    async fn issue(
        &self,
        account: &UserAccount,
        record: &ResetTokenRecord,
        message: &OutboxItem,
    ) -> Result<(), DependencyError> {
        match self.tokens.issue(account, record, message).await? {
            IssueOutcome::Issued => Ok(()),
            IssueOutcome::AccountChanged => {
                Err(DependencyError::new("issue_reset_token", "AccountChanged"))
            }
            // No counters were given.
            IssueOutcome::CountersMoved => {
                Err(DependencyError::new("issue_reset_token", "CountersMoved"))
            }
        }
    }

    async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        hash_off_executor(&self.hasher, password, self.random.clone()).await
    }
}

/// Hashes on tokio's blocking pool, so the executor keeps serving.
async fn hash_off_executor(
    hasher: &PasswordHasher,
    password: Password,
    random: Arc<dyn RandomSource>,
) -> Result<PasswordHash, HashError> {
    let hasher = hasher.clone();
    tokio::task::spawn_blocking(move || hasher.hash(&password, random.as_ref()))
        .await
        .map_err(|_| HashError::Task)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_off_the_executor_gives_a_verifiable_hash() {
        let hasher = PasswordHasher::owasp();
        let hash = hash_off_executor(&hasher, Password::new("async password"), Arc::new(OsRandom))
            .await
            .unwrap();
        assert!(hasher.verify("async password", &hash));
    }
}
