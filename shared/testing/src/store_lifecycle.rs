//! [`AccountLifecycle`] in memory.

use async_trait::async_trait;

use super::store::{InMemoryStore, State};
use recovery_core::ports::Written;
use recovery_core::ports::{
    AccountLifecycle, AuditRecord, DependencyError, DetailsUpdate, OutboxItem, counters_naming,
};
use recovery_domain::{Timestamp, UserAccount, UserId};

#[async_trait]
impl AccountLifecycle for InMemoryStore {
    async fn update_details(
        &self,
        before: &UserAccount,
        after: &UserAccount,
    ) -> Result<DetailsUpdate, DependencyError> {
        let mut state = self.guard("update_details")?;
        let Some(stored) = state.users.get(&before.id) else {
            return Ok(DetailsUpdate::Moved);
        };
        if stored.email != before.email || stored.phone != before.phone {
            return Ok(DetailsUpdate::Moved);
        }
        let id = before.id.clone();
        let other = |owner: Option<&recovery_domain::UserId>| owner.is_some_and(|o| *o != id);
        if after.email.as_ref().is_some_and(|e| other(state.emails.get(e))) {
            return Ok(DetailsUpdate::EmailTaken);
        }
        if after.phone.as_ref().is_some_and(|p| other(state.phones.get(p))) {
            return Ok(DetailsUpdate::PhoneTaken);
        }
        if let Some(old) = before.email.as_ref().filter(|_| before.email != after.email) {
            state.emails.remove(old);
        }
        if let Some(old) = before.phone.as_ref().filter(|_| before.phone != after.phone) {
            state.phones.remove(old);
            state.codes.remove(old);
        }
        if let Some(new) = &after.email {
            state.emails.insert(new.clone(), id.clone());
        }
        if let Some(new) = &after.phone {
            state.phones.insert(new.clone(), id.clone());
        }
        let Some(stored) = state.users.get_mut(&id) else {
            return Ok(DetailsUpdate::Moved);
        };
        stored.email = after.email.clone();
        stored.phone = after.phone.clone();
        stored.social_provider = after.social_provider.clone();
        stored.locale = after.locale.clone();
        if after.active_reset.is_none()
            && let Some(active) = stored.active_reset.take()
        {
            state.tokens.retain(|t| t.digest != active);
        }
        Ok(DetailsUpdate::Updated)
    }

    async fn set_disabled(
        &self,
        user: &UserAccount,
        disabled: bool,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("set_disabled")?;
        let Some(stored) = state.users.get_mut(&user.id) else {
            return Ok(Written::Stale);
        };
        stored.disabled = disabled;
        if disabled {
            kill_link_and_code(&mut state, &user.id);
        }
        state.messages.put(messages);
        Ok(Written::Done)
    }

    async fn lock(
        &self,
        user: &UserAccount,
        changed_at: Timestamp,
        now: Timestamp,
        messages: &[OutboxItem],
        (audit, _retention_seconds): (&AuditRecord, i64),
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("lock_account")?;
        if state.audit.iter().any(|r| super::store::same_record(r, audit)) {
            return Err(DependencyError::new("lock_account", "DuplicateRecord"));
        }
        let Some(stored) = state.users.get_mut(&user.id) else {
            return Ok(Written::Stale);
        };
        if stored.password_changed_at != Some(changed_at) || stored.locked_at.is_some() {
            return Ok(Written::Stale);
        }
        stored.password_hash = None;
        stored.locked_at = Some(now);
        kill_link_and_code(&mut state, &user.id);
        state.messages.put(messages);
        state.audit.push(audit.clone());
        Ok(Written::Done)
    }

    async fn unlock(
        &self,
        user: &UserAccount,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("unlock_account")?;
        let Some(stored) = state.users.get_mut(&user.id).filter(|s| s.locked_at.is_some()) else {
            return Ok(Written::Stale);
        };
        stored.locked_at = None;
        state.messages.put(messages);
        Ok(Written::Done)
    }

    async fn delete(
        &self,
        user: &UserAccount,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("delete_user")?;
        if let Some(workspace) = state.join_before_delete.take() {
            let login = user.login.as_str().to_owned();
            let members = state.workspaces.members.entry(workspace.clone()).or_default();
            members.insert(user.id.as_str().to_owned(), login);
            if let Some(stored) = state.users.get_mut(&user.id) {
                stored.workspaces.push(workspace);
                stored.workspaces.sort();
            }
        }
        // As read: in the workspaces it was read in.
        if state.users.get(&user.id).is_none_or(|s| s.workspaces != user.workspaces) {
            return Ok(Written::Stale);
        }
        let Some(stored) = state.users.remove(&user.id) else {
            return Ok(Written::Stale);
        };
        state.logins.remove(&stored.login);
        if let Some(email) = &stored.email {
            state.emails.remove(email);
        }
        if let Some(phone) = &stored.phone {
            state.phones.remove(phone);
            state.codes.remove(phone);
        }
        state.tokens.retain(|t| t.user_id != user.id);
        for key in counters_naming(&stored) {
            state.hits.remove(&key);
        }
        state.messages.remove_all_of(&user.id);
        state.messages.put(messages);
        state.workspaces.forget(&user.id);
        Ok(Written::Done)
    }
}

/// Deletes the link and the code of the account `id` in `state`.
fn kill_link_and_code(state: &mut State, id: &UserId) {
    let Some(stored) = state.users.get_mut(id) else {
        return;
    };
    let (active, phone) = (stored.active_reset.take(), stored.phone.clone());
    if let Some(active) = active {
        state.tokens.retain(|t| t.digest != active);
    }
    if let Some(phone) = phone {
        state.codes.remove(&phone);
    }
}
