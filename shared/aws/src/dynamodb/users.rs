//! [`UserStore`] on the table: an account item and one lookup item per
//! login, email and phone.

use async_trait::async_trait;

use super::layout::{self, Item, expr, n, s};
use super::{DynamoDbStore, Updated, conditional};
use recovery_core::ports::Written;
use recovery_core::ports::{CreateAccountError, DependencyError, OutboxItem, UserStore};
use recovery_domain::{
    EmailAddress, LoginName, NewAccount, PasswordHash, PhoneNumber, Timestamp, UserAccount, UserId,
};

impl DynamoDbStore {
    /// The account a lookup item at `lookup` points at.
    async fn user_via(
        &self,
        operation: &'static str,
        lookup: Item,
    ) -> Result<Option<UserAccount>, DependencyError> {
        let Some(pointer) = self.get_item(operation, lookup).await? else {
            return Ok(None);
        };
        let id = layout::pointer_target(&pointer).ok_or_else(|| layout::corrupt(operation))?;
        self.get(&id).await
    }
}

#[async_trait]
impl UserStore for DynamoDbStore {
    async fn find_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<UserAccount>, DependencyError> {
        self.user_via("find_user_by_login", layout::login_key(login)).await
    }

    async fn find_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<UserAccount>, DependencyError> {
        self.user_via("find_user_by_email", layout::email_key(email)).await
    }

    async fn find_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<UserAccount>, DependencyError> {
        self.user_via("find_user_by_phone", layout::phone_key(phone)).await
    }

    async fn get(&self, id: &UserId) -> Result<Option<UserAccount>, DependencyError> {
        match self.get_item("get_user", layout::user_key(id)).await? {
            Some(item) => layout::account_from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    async fn read_stand_in(&self, account_kinds: &[&str]) -> Result<(), DependencyError> {
        let id = UserId::stand_in();
        let found = if account_kinds.is_empty() {
            self.get_item("get_user", layout::user_key(&id)).await?
        } else {
            // As `load_request` reads an account it found, with its counters.
            self.account_with_counters(&id, account_kinds).await?.0
        };
        let item = found.unwrap_or_else(|| layout::stand_in_account_item(&id));
        layout::account_from_item(&item).map(drop)
    }

    async fn replace_password(
        &self,
        user: &UserAccount,
        new_hash: &PasswordHash,
        now: Timestamp,
        notices: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        const OP: &str = "replace_password";
        let store_hash = self.update(layout::user_key(&user.id), OP, |update| {
            update
                .update_expression(expr::STORE_HASH)
                .condition_expression(expr::PRESENT)
                .expression_attribute_values(":hash", s(new_hash.expose_phc()))
                .expression_attribute_values(":now", n(now.epoch_seconds()))
        })?;
        let mut items = vec![store_hash];
        if let Some(active) = &user.active_reset {
            items.push(self.delete(layout::token_key(active), OP)?);
        }
        if let Some(phone) = &user.phone {
            items.push(self.delete(layout::code_key(phone), OP)?);
        }
        items.extend(self.outbox_puts(notices, OP)?);
        match self.transact(OP, items).await? {
            Ok(()) => Ok(Written::Done),
            Err(cancelled) if cancelled.failed_at(0) => Ok(Written::Stale),
            Err(cancelled) => Err(cancelled.into_error(OP)),
        }
    }

    async fn upgrade_hash(
        &self,
        user: &UserAccount,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> Result<Written, DependencyError> {
        const OP: &str = "upgrade_hash";
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::user_key(&user.id)))
            .update_expression(expr::UPGRADE_HASH)
            .condition_expression(expr::HOLDS_HASH)
            .expression_attribute_values(":old", s(old.expose_phc()))
            .expression_attribute_values(":new", s(new.expose_phc()))
            .send()
            .await;
        Ok(match conditional(OP, result)? {
            Updated::Yes => Written::Done,
            Updated::No(_) => Written::Stale,
        })
    }

    async fn create(
        &self,
        account: NewAccount,
        id: UserId,
        now: Timestamp,
    ) -> Result<UserAccount, CreateAccountError> {
        const OP: &str = "create_user";
        let account = account.open(id);
        let workspaces = account.workspaces.clone();
        // The account, its login and the login's skeleton, then its email
        // and phone, if any: each must not exist yet.
        let mut items = layout::account_items(&account, now)
            .into_iter()
            .map(|item| self.put_new(item, OP))
            .collect::<Result<Vec<_>, _>>()?;
        let email_at = account.email.as_ref().map(|_| 3);
        let phone_at = account.phone.as_ref().map(|_| 3 + email_at.map_or(0, |_| 1));
        // Then its memberships, each with its workspace's count.
        let joins_from = items.len();
        for workspace in &workspaces {
            items.extend(self.join(OP, workspace, &account)?);
        }
        match self.transact(OP, items).await? {
            Ok(()) => Ok(account),
            Err(cancelled)
                if (joins_from..joins_from + 2 * workspaces.len())
                    .step_by(2)
                    .any(|i| cancelled.failed_at(i)) =>
            {
                Err(CreateAccountError::WorkspaceMissing)
            }
            Err(cancelled) if cancelled.failed_at(1) || cancelled.failed_at(2) => {
                Err(CreateAccountError::LoginTaken)
            }
            Err(cancelled) if email_at.is_some_and(|i| cancelled.failed_at(i)) => {
                Err(CreateAccountError::EmailTaken)
            }
            Err(cancelled) if phone_at.is_some_and(|i| cancelled.failed_at(i)) => {
                Err(CreateAccountError::PhoneTaken)
            }
            Err(cancelled) => Err(CreateAccountError::Store(cancelled.into_error(OP))),
        }
    }
}
