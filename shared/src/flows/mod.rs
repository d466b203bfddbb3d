//! The flows of the service: the self-service recovery (a link by email, a
//! code by SMS, a new password through a token) and the administrator's
//! actions, as async functions with typed inputs, results and errors, over
//! one set of parts, [`Recovery`]. They speak only to the ports
//! (`crate::ports`), never to an SDK, an HTTP request or JSON.

mod admin;
mod audit;
mod code;
mod request;
mod reset;

use std::sync::Arc;

use crate::config::RecoverySettings;
use crate::domain::{
    AccountLookup, Clock, HashError, OsRandom, Password, PasswordHash, PasswordHasher,
    RandomSource, ResetTokenRecord, UserAccount,
};
use crate::messages::{Context, OutgoingEmail, OutgoingSms, RenderError};
use crate::ports::{
    AuditLog, CodeStore, DependencyError, IssueOutcome, Mailer, ResetTokenStore, Store, Texter,
    UserStore,
};

pub use admin::{AdminAction, AdminError, Channel, Invited, LinkSent, NewUser};
pub use audit::Requester;
pub use code::{CodeAccepted, VerifyCodeError};
pub use request::{FlowError, ResetRequestOutcome};
pub use reset::{PasswordChange, PasswordChanged, SetPasswordError, TokenStatus};

/// The parts every flow runs on: the stores, the senders, the clock, the
/// random source, the password hasher and the settings.
#[derive(Clone)]
pub struct Recovery {
    pub users: Arc<dyn UserStore>,
    pub tokens: Arc<dyn ResetTokenStore>,
    pub codes: Arc<dyn CodeStore>,
    /// The administrator's audit trail; `None` in the self-service
    /// functions, where every administrator action fails closed.
    pub audit: Option<Arc<dyn AuditLog>>,
    pub mailer: Arc<dyn Mailer>,
    pub texter: Arc<dyn Texter>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    pub hasher: PasswordHasher,
    pub settings: RecoverySettings,
}

/// A message that could not go out. Says what failed, never what the
/// message held.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Send(#[from] DependencyError),
}

impl Recovery {
    /// The flows and the administrator's actions on `store` (every store
    /// port, the audit trail among them), with the OS's random source and
    /// the shipped hasher.
    pub fn new(
        store: Arc<impl Store + 'static>,
        mailer: Arc<dyn Mailer>,
        texter: Arc<dyn Texter>,
        clock: Arc<dyn Clock>,
        settings: RecoverySettings,
    ) -> Self {
        let audit: Arc<dyn AuditLog> = store.clone();
        Self {
            audit: Some(audit),
            ..Self::without_audit(store, mailer, texter, clock, settings)
        }
    }

    /// The self-service flows on `store`, without the audit trail: a
    /// function that never runs an administrator's action does not link
    /// the audit trail's store code (about 27 KB of each package).
    pub fn without_audit(
        store: Arc<impl UserStore + ResetTokenStore + CodeStore + 'static>,
        mailer: Arc<dyn Mailer>,
        texter: Arc<dyn Texter>,
        clock: Arc<dyn Clock>,
        settings: RecoverySettings,
    ) -> Self {
        Self {
            users: store.clone(),
            tokens: store.clone(),
            codes: store,
            audit: None,
            mailer,
            texter,
            clock,
            random: Arc::new(OsRandom),
            hasher: PasswordHasher::owasp(),
            settings,
        }
    }

    async fn find(&self, lookup: &AccountLookup) -> Result<Option<UserAccount>, DependencyError> {
        match lookup {
            AccountLookup::Login(login) => self.users.find_by_login(login).await,
            AccountLookup::Email(email) => self.users.find_by_email(email).await,
            AccountLookup::Phone(phone) => self.users.find_by_phone(phone).await,
        }
    }

    /// What the messages to `account` say about the service and the account.
    fn context<'a>(&'a self, account: &'a UserAccount) -> Context<'a> {
        Context {
            service_name: &self.settings.service_name,
            login: account.login.as_str(),
            login_url: &self.settings.login_url,
        }
    }

    /// Stores `record` as `account`'s only redeemable token. An account that
    /// vanished since it was read is a failure like any other here.
    async fn issue(
        &self,
        account: &UserAccount,
        record: &ResetTokenRecord,
    ) -> Result<(), DependencyError> {
        match self.tokens.issue(account, record).await? {
            IssueOutcome::Issued => Ok(()),
            IssueOutcome::AccountGone => {
                Err(DependencyError::new("issue_reset_token", "AccountGone"))
            }
        }
    }

    async fn deliver_email(
        &self,
        message: Result<OutgoingEmail, RenderError>,
    ) -> Result<(), DeliveryError> {
        Ok(self.mailer.send(message?).await?)
    }

    async fn deliver_sms(
        &self,
        message: Result<OutgoingSms, RenderError>,
    ) -> Result<(), DeliveryError> {
        Ok(self.texter.send(message?).await?)
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
