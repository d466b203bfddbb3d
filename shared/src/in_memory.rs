//! In-memory implementations of the ports, with the same rules as the AWS
//! adapters, for fast tests of the flows.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::account::{EmailAddress, LoginName, NewAccount, UserAccount, UserId};
use crate::email::OutgoingEmail;
use crate::ports::{
    CreateAccountError, DependencyError, Mailer, RedeemOutcome, Redemption, ResetTokenStore,
    UserStore,
};
use crate::token::{ResetTokenRecord, TokenDigest};

#[derive(Default)]
struct State {
    users: HashMap<UserId, UserAccount>,
    logins: HashMap<LoginName, UserId>,
    emails: HashMap<EmailAddress, UserId>,
    tokens: Vec<ResetTokenRecord>,
    failing: bool,
}

/// Users and reset tokens in a map.
#[derive(Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on every call fails, as if the database were unreachable.
    pub fn fail_from_now(&self) {
        self.lock().failing = true;
    }

    /// Number of stored reset-token records (live or not).
    pub fn token_count(&self) -> usize {
        self.lock().tokens.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn guard(
        &self,
        operation: &'static str,
    ) -> Result<std::sync::MutexGuard<'_, State>, DependencyError> {
        let state = self.lock();
        if state.failing {
            return Err(DependencyError::new(operation, "Unavailable"));
        }
        Ok(state)
    }
}

#[async_trait]
impl UserStore for InMemoryStore {
    async fn find_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<UserAccount>, DependencyError> {
        let state = self.guard("find_by_login")?;
        Ok(state
            .logins
            .get(login)
            .and_then(|id| state.users.get(id))
            .cloned())
    }

    async fn find_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<UserAccount>, DependencyError> {
        let state = self.guard("find_by_email")?;
        Ok(state
            .emails
            .get(email)
            .and_then(|id| state.users.get(id))
            .cloned())
    }

    async fn get(&self, id: &UserId) -> Result<Option<UserAccount>, DependencyError> {
        Ok(self.guard("get_user")?.users.get(id).cloned())
    }

    async fn create(
        &self,
        account: NewAccount,
        id: UserId,
    ) -> Result<UserAccount, CreateAccountError> {
        let mut state = self.guard("create_user")?;
        if state.logins.contains_key(&account.login) {
            return Err(CreateAccountError::LoginTaken);
        }
        if let Some(email) = &account.email {
            if state.emails.contains_key(email) {
                return Err(CreateAccountError::EmailTaken);
            }
            state.emails.insert(email.clone(), id.clone());
        }
        state.logins.insert(account.login.clone(), id.clone());
        let created = UserAccount {
            id: id.clone(),
            login: account.login,
            email: account.email,
            password_hash: account.password_hash,
            social_provider: account.social_provider,
            disabled: account.disabled,
            password_changed_at: None,
            active_reset: None,
        };
        state.users.insert(id, created.clone());
        Ok(created)
    }
}

#[async_trait]
impl ResetTokenStore for InMemoryStore {
    async fn issue(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
    ) -> Result<(), DependencyError> {
        let mut state = self.guard("issue_reset_token")?;
        let Some(stored) = state.users.get_mut(&user.id) else {
            return Err(DependencyError::new(
                "issue_reset_token",
                "ConditionalCheckFailed",
            ));
        };
        let previous = stored.active_reset.replace(record.digest.clone());
        if let Some(previous) = previous {
            state.tokens.retain(|t| t.digest != previous);
        }
        state.tokens.push(record.clone());
        Ok(())
    }

    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<ResetTokenRecord>, DependencyError> {
        let state = self.guard("find_reset_token")?;
        Ok(state.tokens.iter().find(|t| &t.digest == digest).cloned())
    }

    async fn redeem(&self, r: Redemption<'_>) -> Result<RedeemOutcome, DependencyError> {
        let mut state = self.guard("redeem_reset_token")?;
        let live = state
            .tokens
            .iter()
            .any(|t| &t.digest == r.digest && t.is_live_at(r.now));
        let active = state
            .users
            .get(r.user_id)
            .is_some_and(|u| u.active_reset.as_ref() == Some(r.digest));
        if !live || !active {
            return Ok(RedeemOutcome::Rejected);
        }
        state.tokens.retain(|t| &t.digest != r.digest);
        if let Some(user) = state.users.get_mut(r.user_id) {
            user.password_hash = Some(r.new_hash.clone());
            user.password_changed_at = Some(r.now);
            user.active_reset = None;
        }
        Ok(RedeemOutcome::Redeemed)
    }
}

/// A mailer that keeps what it is given.
#[derive(Default)]
pub struct Outbox {
    sent: Mutex<Vec<OutgoingEmail>>,
    failing: Mutex<bool>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every later send fails.
    pub fn fail_from_now(&self) {
        if let Ok(mut failing) = self.failing.lock() {
            *failing = true;
        }
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: OutgoingEmail) -> Result<(), DependencyError> {
        if self.failing.lock().map(|f| *f).unwrap_or(false) {
            return Err(DependencyError::new("send_email", "MessageRejected"));
        }
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(email);
        }
        Ok(())
    }
}
