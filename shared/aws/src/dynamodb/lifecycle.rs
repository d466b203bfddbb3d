//! [`AccountLifecycle`] on the table: an account's details changed with its
//! lookup items in one transaction, disabled or enabled, or deleted with
//! every item that names it.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::DynamoDbStore;
use super::layout::{self, Item, expr, s, workspace_expr};
use crate::dependency_error;
use recovery_core::ports::Written;
use recovery_core::ports::{
    AccountLifecycle, AuditRecord, DependencyError, DetailsUpdate, OutboxItem, counters_naming,
};
use recovery_domain::{Timestamp, UserAccount};

/// Items of one transaction at most.
const TRANSACTION_ITEMS: usize = 100;

impl DynamoDbStore {
    /// `update` of `user`'s item (conditioned), with the deletes of its link
    /// and code when it `kills` them, and `messages`, in one transaction;
    /// `false` when the update's condition failed: nothing was written.
    async fn switch_off(
        &self,
        operation: &'static str,
        update: TransactWriteItem,
        user: &UserAccount,
        kills: bool,
        messages: &[OutboxItem],
        audit: Option<TransactWriteItem>,
    ) -> Result<Written, DependencyError> {
        let mut items = vec![update];
        items.extend(audit);
        if kills {
            if let Some(active) = &user.active_reset {
                items.push(self.delete(layout::token_key(active), operation)?);
            }
            if let Some(phone) = &user.phone {
                items.push(self.delete(layout::code_key(phone), operation)?);
            }
        }
        items.extend(self.outbox_puts(messages, operation)?);
        match self.transact(operation, items).await? {
            Ok(()) => Ok(Written::Done),
            Err(cancelled) if cancelled.failed_at(0) => Ok(Written::Stale),
            Err(cancelled) => Err(cancelled.into_error(operation)),
        }
    }

    /// The keys of every item in partition `pk`.
    async fn keys_in_partition(
        &self,
        operation: &'static str,
        pk: String,
    ) -> Result<Vec<Item>, DependencyError> {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(expr::PARTITION)
                .expression_attribute_values(":pk", s(pk.clone()))
                .projection_expression(expr::KEYS_ONLY)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|err| dependency_error(operation, &err))?;
            keys.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(keys);
            }
        }
    }
}

#[async_trait]
impl AccountLifecycle for DynamoDbStore {
    async fn update_details(
        &self,
        before: &UserAccount,
        after: &UserAccount,
    ) -> Result<DetailsUpdate, DependencyError> {
        const OP: &str = "update_details";
        let (update, condition, values) = layout::details_update(before, after);
        let mut items = vec![self.update(layout::user_key(&before.id), OP, |u| {
            u.update_expression(update)
                .condition_expression(condition)
                .set_expression_attribute_values(Some(values))
        })?];
        let (mut email_at, mut phone_at) = (None, None);
        if before.email != after.email {
            if let Some(old) = &before.email {
                items.push(self.delete(layout::email_key(old), OP)?);
            }
            if let Some(new) = &after.email {
                email_at = Some(items.len());
                let item = layout::email_lookup_item(new, after);
                items.push(self.put_new(item, OP)?);
            }
        }
        if let Some(active) = before.active_reset.as_ref().filter(|_| after.active_reset.is_none())
        {
            items.push(self.delete(layout::token_key(active), OP)?);
        }
        if before.phone != after.phone {
            if let Some(old) = &before.phone {
                items.push(self.delete(layout::phone_key(old), OP)?);
                items.push(self.delete(layout::code_key(old), OP)?);
            }
            if let Some(new) = &after.phone {
                phone_at = Some(items.len());
                let item = layout::phone_lookup_item(new, after);
                items.push(self.put_new(item, OP)?);
            }
        }
        match self.transact(OP, items).await? {
            Ok(()) => Ok(DetailsUpdate::Updated),
            Err(cancelled) if cancelled.failed_at(0) => Ok(DetailsUpdate::Moved),
            Err(cancelled) if email_at.is_some_and(|at| cancelled.failed_at(at)) => {
                Ok(DetailsUpdate::EmailTaken)
            }
            Err(cancelled) if phone_at.is_some_and(|at| cancelled.failed_at(at)) => {
                Ok(DetailsUpdate::PhoneTaken)
            }
            Err(cancelled) => Err(cancelled.into_error(OP)),
        }
    }

    async fn set_disabled(
        &self,
        user: &UserAccount,
        disabled: bool,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        const OP: &str = "set_disabled";
        let update = self.update(layout::user_key(&user.id), OP, |u| {
            let u = u.condition_expression(expr::PRESENT);
            if disabled {
                u.update_expression(expr::DISABLE)
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
            } else {
                u.update_expression(expr::ENABLE)
                    .expression_attribute_values(":no", AttributeValue::Bool(false))
            }
        })?;
        self.switch_off(OP, update, user, disabled, messages, None).await
    }

    async fn lock(
        &self,
        user: &UserAccount,
        changed_at: Timestamp,
        now: Timestamp,
        messages: &[OutboxItem],
        (audit, retention_seconds): (&AuditRecord, i64),
    ) -> Result<Written, DependencyError> {
        const OP: &str = "lock_account";
        let update = self.update(layout::user_key(&user.id), OP, |u| {
            u.condition_expression(expr::LOCKABLE)
                .update_expression(expr::LOCK)
                .expression_attribute_values(":now", layout::n(now.epoch_seconds()))
                .expression_attribute_values(":changed", layout::n(changed_at.epoch_seconds()))
        })?;
        let record = self.put_new(layout::audit_item(audit, retention_seconds), OP)?;
        self.switch_off(OP, update, user, true, messages, Some(record)).await
    }

    async fn unlock(
        &self,
        user: &UserAccount,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        const OP: &str = "unlock_account";
        let update = self.update(layout::user_key(&user.id), OP, |u| {
            u.condition_expression(expr::LOCKED).update_expression(expr::UNLOCK)
        })?;
        self.switch_off(OP, update, user, false, messages, None).await
    }

    async fn delete(
        &self,
        user: &UserAccount,
        messages: &[OutboxItem],
    ) -> Result<Written, DependencyError> {
        const OP: &str = "delete_user";
        // The account's own items, in the transaction that deletes it.
        // As read: there, and in the workspaces it was read in (their
        // members go with it).
        let mut account = vec![self.delete_if(layout::user_key(&user.id), OP, |d| {
            if user.workspaces.is_empty() {
                d.condition_expression(workspace_expr::IN_NO_WORKSPACE)
            } else {
                d.condition_expression(workspace_expr::IN_WORKSPACES)
                    .expression_attribute_values(":set", layout::workspace_set(&user.workspaces))
            }
        })?];
        account.extend([
            self.delete(layout::login_key(&user.login), OP)?,
            self.delete(layout::login_skeleton_key(&user.login), OP)?,
        ]);
        if let Some(email) = &user.email {
            account.push(self.delete(layout::email_key(email), OP)?);
        }
        if let Some(phone) = &user.phone {
            account.push(self.delete(layout::phone_key(phone), OP)?);
            account.push(self.delete(layout::code_key(phone), OP)?);
        }
        if let Some(active) = &user.active_reset {
            account.push(self.delete(layout::token_key(active), OP)?);
        }
        for key in counters_naming(user) {
            account.push(self.delete(layout::rate_key(&key), OP)?);
        }
        // Its memberships, with each workspace's count.
        for id in &user.workspaces {
            account.extend(self.end_membership(OP, id, &user.id)?);
        }
        account.extend(self.outbox_puts(messages, OP)?);
        // Its outbox messages first, a transaction at a time, those that
        // fit with the account's own items last.
        let mut outbox = self.keys_in_partition(OP, layout::outbox_partition(&user.id)).await?;
        let room = TRANSACTION_ITEMS - account.len();
        while outbox.len() > room {
            let chunk: Vec<Item> =
                outbox.drain(..TRANSACTION_ITEMS.min(outbox.len() - room)).collect();
            let deletes =
                chunk.into_iter().map(|key| self.delete(key, OP)).collect::<Result<Vec<_>, _>>()?;
            if let Err(cancelled) = self.transact(OP, deletes).await? {
                return Err(cancelled.into_error(OP));
            }
        }
        for key in outbox {
            account.push(self.delete(key, OP)?);
        }
        match self.transact(OP, account).await? {
            Ok(()) => Ok(Written::Done),
            Err(cancelled) if cancelled.failed_at(0) => Ok(Written::Stale),
            Err(cancelled) => Err(cancelled.into_error(OP)),
        }
    }
}
