//! Every store port in memory, keeping the contract the DynamoDB store
//! keeps (`contract`), for fast tests of the flows.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::store_outbox::Messages;
use recovery_core::ports::Written;
use recovery_core::ports::{
    AuditLog, AuditRecord, CounterKey, CounterUpdate, CreateAccountError, DependencyError,
    IssueOutcome, OutboxItem, RedeemOutcome, Redemption, ResetTokenStore, UserStore,
};
use recovery_domain::{
    CodeRecord, EmailAddress, LoginName, NewAccount, PasswordHash, PhoneNumber, ResetTokenRecord,
    Tally, Timestamp, TokenDigest, UserAccount, UserId,
};

#[derive(Default)]
pub(super) struct State {
    pub(super) users: HashMap<UserId, UserAccount>,
    pub(super) logins: HashMap<LoginName, UserId>,
    pub(super) emails: HashMap<EmailAddress, UserId>,
    pub(super) phones: HashMap<PhoneNumber, UserId>,
    pub(super) tokens: Vec<ResetTokenRecord>,
    pub(super) codes: HashMap<PhoneNumber, CodeRecord>,
    /// Wrong logins entered with each token.
    wrong_logins: HashMap<String, u32>,
    /// Rate-limit tallies and version, by key.
    pub(super) hits: HashMap<CounterKey, (Tally, i64)>,
    pub(crate) audit: Vec<AuditRecord>,
    /// The outbox, and what the table's stream would carry of it.
    pub(super) messages: Messages,
    pub(super) workspaces: super::store_workspaces::Workspaces,
    /// Shared counters, holds on texts, notices.
    pub(super) shared: super::store_shared::Shared,
    /// A workspace the next deleted account joins just before its delete.
    pub(super) join_before_delete: Option<recovery_domain::WorkspaceId>,
    failing: bool,
    /// The next record of a delivery fails.
    pub(super) fail_next_record: bool,
    /// Every write of a tally fails.
    pub(super) failing_tallies: bool,
    /// The next account created is refused for good.
    refuse_next_create: bool,
    /// Counter writes still to find their counters moved by a rival.
    pub(super) rivals: usize,
    /// Hits the next counter write finds added to its first counter by
    /// others since it was read.
    pub(super) crowd: usize,
}

/// Every store port in one map behind a lock.
#[derive(Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on every write of a tally (the funnel's day) fails.
    pub fn fail_tallies(&self) {
        self.lock().failing_tallies = true;
    }

    /// From now on every call fails, as if the database were unreachable.
    pub fn fail_from_now(&self) {
        self.lock().failing = true;
    }

    /// The next `writes` writes of rate-limit counters each find a counter
    /// replaced since it was read (its old hits dropped by another request),
    /// as when requests from one address race.
    pub fn lose_counter_races(&self, writes: usize) {
        self.lock().rivals = writes;
    }

    /// The next write of rate-limit counters finds `hits` hits added to its
    /// first counter (the address's, on a forgot request) since it was
    /// read, as when others behind one address asked at the same moment.
    pub fn others_add_hits_meanwhile(&self, hits: usize) {
        self.lock().crowd = hits;
    }

    /// The next account deleted joins `workspace` just before, as when an
    /// administrator adds it meanwhile.
    pub fn join_before_next_delete(&self, workspace: recovery_domain::WorkspaceId) {
        self.lock().join_before_delete = Some(workspace);
    }

    /// The next record of a delivery (sent, failed, ...) fails, as when
    /// DynamoDB is out of reach just after SES or SNS took a message.
    pub fn fail_next_record(&self) {
        self.lock().fail_next_record = true;
    }

    /// The next account created is refused for good, as DynamoDB refuses
    /// an item past its size limit.
    pub fn refuse_next_create(&self) {
        self.lock().refuse_next_create = true;
    }

    /// Marks the account `id` locked by its owner at `at` (its password
    /// kept: a check must refuse it for the lock alone).
    pub fn set_locked(&self, id: &UserId, at: Timestamp) {
        if let Some(account) = self.lock().users.get_mut(id) {
            account.locked_at = Some(at);
        }
    }

    /// Number of stored reset-token records (live or not).
    pub fn token_count(&self) -> usize {
        self.lock().tokens.len()
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn guard(
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
        Ok(state.logins.get(login).and_then(|id| state.users.get(id)).cloned())
    }

    async fn read_stand_in(&self, _account_kinds: &[&str]) -> Result<(), DependencyError> {
        self.guard("get_user").map(drop)
    }

    async fn find_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<UserAccount>, DependencyError> {
        let state = self.guard("find_by_email")?;
        Ok(state.emails.get(email).and_then(|id| state.users.get(id)).cloned())
    }

    async fn find_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<UserAccount>, DependencyError> {
        let state = self.guard("find_by_phone")?;
        Ok(state.phones.get(phone).and_then(|id| state.users.get(id)).cloned())
    }

    async fn get(&self, id: &UserId) -> Result<Option<UserAccount>, DependencyError> {
        Ok(self.guard("get_user")?.users.get(id).cloned())
    }

    async fn replace_password(
        &self,
        user: &UserAccount,
        new_hash: &PasswordHash,
        now: Timestamp,
        notices: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("replace_password")?;
        let Some(stored) = state.users.get_mut(&user.id) else {
            return Ok(Written::Stale);
        };
        stored.password_hash = Some(new_hash.clone());
        stored.password_changed_at = Some(now);
        stored.active_reset = None;
        // The token and code of the account as the caller read it.
        if let Some(active) = &user.active_reset {
            state.tokens.retain(|t| t.digest != *active);
        }
        if let Some(phone) = &user.phone {
            state.codes.remove(phone);
        }
        state.messages.put(notices);
        Ok(Written::Done)
    }

    async fn upgrade_hash(
        &self,
        user: &UserAccount,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("upgrade_hash")?;
        match state.users.get_mut(&user.id) {
            Some(stored)
                if stored
                    .password_hash
                    .as_ref()
                    .is_some_and(|h| h.expose_phc() == old.expose_phc()) =>
            {
                stored.password_hash = Some(new.clone());
                Ok(Written::Done)
            }
            _ => Ok(Written::Stale),
        }
    }

    async fn create(
        &self,
        account: NewAccount,
        id: UserId,
        _now: Timestamp,
    ) -> Result<UserAccount, CreateAccountError> {
        let mut state = self.guard("create_user")?;
        if std::mem::take(&mut state.refuse_next_create) {
            let refused = DependencyError::refused("create_user", "ValidationException");
            return Err(CreateAccountError::Store(refused));
        }
        let skeleton = account.login.skeleton();
        if state.logins.keys().any(|l| l.skeleton() == skeleton) {
            return Err(CreateAccountError::LoginTaken);
        }
        if account.email.as_ref().is_some_and(|e| state.emails.contains_key(e)) {
            return Err(CreateAccountError::EmailTaken);
        }
        if account.phone.as_ref().is_some_and(|p| state.phones.contains_key(p)) {
            return Err(CreateAccountError::PhoneTaken);
        }
        if account.workspaces.iter().any(|w| !state.workspaces.all.contains_key(w)) {
            return Err(CreateAccountError::WorkspaceMissing);
        }
        for workspace in &account.workspaces {
            let members = state.workspaces.members.entry(workspace.clone()).or_default();
            members.insert(id.as_str().to_owned(), account.login.as_str().to_owned());
        }
        if let Some(email) = &account.email {
            state.emails.insert(email.clone(), id.clone());
        }
        if let Some(phone) = &account.phone {
            state.phones.insert(phone.clone(), id.clone());
        }
        state.logins.insert(account.login.clone(), id.clone());
        let created = account.open(id.clone());
        state.users.insert(id, created.clone());
        Ok(created)
    }
}

#[async_trait]
impl ResetTokenStore for InMemoryStore {
    async fn issue_counted(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
        message: &OutboxItem,
        counters: &[CounterUpdate<'_>],
    ) -> Result<IssueOutcome, DependencyError> {
        let mut state = self.guard("issue_reset_token")?;
        let as_read = state.users.get(&user.id).is_some_and(|stored| {
            (&stored.email, &stored.phone, stored.disabled, &stored.active_reset)
                == (&user.email, &user.phone, user.disabled, &user.active_reset)
        });
        if !as_read {
            return Ok(IssueOutcome::AccountChanged);
        }
        if state.tokens.iter().any(|t| t.digest == record.digest) {
            return Err(DependencyError::new("issue_reset_token", "TokenExists"));
        }
        if !state.count(counters) {
            return Ok(IssueOutcome::CountersMoved);
        }
        let Some(stored) = state.users.get_mut(&user.id) else {
            return Ok(IssueOutcome::AccountChanged);
        };
        stored.active_reset = Some(record.digest.clone());
        // The previous token of the account as the caller read it.
        if let Some(previous) = user.active_reset.as_ref().filter(|p| **p != record.digest) {
            state.tokens.retain(|t| t.digest != *previous);
        }
        state.tokens.push(record.clone());
        state.messages.put(std::slice::from_ref(message));
        Ok(IssueOutcome::Issued)
    }

    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<ResetTokenRecord>, DependencyError> {
        let state = self.guard("find_reset_token")?;
        Ok(state.tokens.iter().find(|t| &t.digest == digest).cloned())
    }

    async fn record_wrong_login(
        &self,
        digest: &TokenDigest,
        max: u32,
    ) -> Result<u32, DependencyError> {
        let mut state = self.guard("record_wrong_login")?;
        let Some(at) = state.tokens.iter().position(|t| &t.digest == digest) else {
            return Ok(0);
        };
        let wrong = state.wrong_logins.entry(digest.to_hex()).or_insert(0);
        *wrong += 1;
        let wrong = *wrong;
        if wrong < max {
            return Ok(max - wrong);
        }
        state.tokens.remove(at);
        Ok(0)
    }

    async fn redeem(&self, r: Redemption<'_>) -> Result<RedeemOutcome, DependencyError> {
        let mut state = self.guard("redeem_reset_token")?;
        let live = state
            .tokens
            .iter()
            .any(|t| &t.digest == r.digest && t.is_live_at(r.now) && &t.user_id == r.user_id);
        let active =
            state.users.get(r.user_id).is_some_and(|u| u.active_reset.as_ref() == Some(r.digest));
        if !live || !active {
            return Ok(RedeemOutcome::Rejected);
        }
        state.tokens.retain(|t| &t.digest != r.digest);
        if let Some(phone) = r.phone {
            state.codes.remove(phone);
        }
        if let Some(user) = state.users.get_mut(r.user_id) {
            user.password_hash = Some(r.new_hash.clone());
            user.password_changed_at = Some(r.now);
            user.active_reset = None;
        }
        state.messages.put(r.notices);
        Ok(RedeemOutcome::Redeemed)
    }
}

#[async_trait]
impl AuditLog for InMemoryStore {
    async fn append(
        &self,
        record: &AuditRecord,
        _retention_seconds: i64,
    ) -> Result<(), DependencyError> {
        let mut state = self.guard("audit_append")?;
        if state.audit.iter().any(|r| same_record(r, record)) {
            return Err(DependencyError::new("audit_append", "DuplicateRecord"));
        }
        state.audit.push(record.clone());
        Ok(())
    }

    async fn conclude(
        &self,
        record: &AuditRecord,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<(), DependencyError> {
        let mut state = self.guard("audit_conclude")?;
        let Some(stored) = state.audit.iter_mut().find(|r| same_record(r, record)) else {
            return Err(DependencyError::new("audit_conclude", "MissingRecord"));
        };
        stored.outcome = outcome.to_owned();
        if let Some(detail) = detail {
            stored.detail = Some(detail.to_owned());
        }
        Ok(())
    }

    async fn list(&self, target: &str, limit: u32) -> Result<Vec<AuditRecord>, DependencyError> {
        let state = self.guard("audit_list")?;
        let mut records: Vec<AuditRecord> =
            state.audit.iter().filter(|r| r.target == target).cloned().collect();
        records.sort_by(|a, b| (b.at_millis, &b.request_id).cmp(&(a.at_millis, &a.request_id)));
        records.truncate(limit as usize);
        Ok(records)
    }
}

/// Whether two audit records are the same record: same target, time and
/// request (the table's key).
pub(crate) fn same_record(a: &AuditRecord, b: &AuditRecord) -> bool {
    a.target == b.target && a.at_millis == b.at_millis && a.request_id == b.request_id
}
