//! [`ResetTokenStore`] on the table: token items keyed by digest, and the
//! account's `active_reset` naming the one that may be redeemed.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::DynamoDbStore;
use super::layout::{self, expr, n, s};
use crate::dependency_error;
use recovery_core::ports::{
    CounterUpdate, DependencyError, IssueOutcome, OutboxItem, RedeemOutcome, Redemption,
    ResetTokenStore,
};
use recovery_domain::{ResetTokenRecord, TokenDigest, UserAccount};

#[async_trait]
impl ResetTokenStore for DynamoDbStore {
    async fn issue_counted(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
        message: &OutboxItem,
        counters: &[CounterUpdate<'_>],
    ) -> Result<IssueOutcome, DependencyError> {
        const OP: &str = "issue_reset_token";
        // Put the token, point the account at it (still as read: the link
        // goes to the address it was read with), delete the previous one.
        let (as_read, mut values) = layout::account_as_read(user);
        values.insert(":digest".into(), s(record.digest.to_hex()));
        let point = self.update(layout::user_key(&user.id), OP, |update| {
            update
                .update_expression(expr::POINT_AT_TOKEN)
                .condition_expression(as_read)
                .set_expression_attribute_values(Some(values))
        })?;
        let mut items = vec![self.put_new(layout::token_item(record), OP)?, point];
        if let Some(previous) = user.active_reset.as_ref().filter(|p| **p != record.digest) {
            items.push(self.delete(layout::token_key(previous), OP)?);
        }
        items.extend(self.outbox_puts(std::slice::from_ref(message), OP)?);
        let first_counter = items.len();
        items.extend(self.counter_puts(counters, OP)?);
        match self.transact(OP, items).await? {
            Ok(()) => Ok(IssueOutcome::Issued),
            Err(cancelled) if cancelled.failed_at(1) => Ok(IssueOutcome::AccountChanged),
            Err(cancelled)
                if !counters.is_empty()
                    && ((first_counter..first_counter + counters.len())
                        .any(|at| cancelled.failed_at(at))
                        || cancelled.conflict()) =>
            {
                Ok(IssueOutcome::CountersMoved)
            }
            Err(cancelled) => Err(cancelled.into_error(OP)),
        }
    }

    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<ResetTokenRecord>, DependencyError> {
        match self.get_item("find_reset_token", layout::token_key(digest)).await? {
            Some(item) => layout::token_from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    async fn record_wrong_login(
        &self,
        digest: &TokenDigest,
        max: u32,
    ) -> Result<u32, DependencyError> {
        const OP: &str = "record_wrong_login";
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::token_key(digest)))
            .update_expression(expr::COUNT_WRONG_LOGIN)
            .condition_expression(expr::PRESENT)
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        let wrong = match result {
            Ok(output) => output
                .attributes
                .as_ref()
                .and_then(layout::wrong_logins)
                .ok_or_else(|| layout::corrupt(OP))?,
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                return Ok(0);
            }
            Err(err) => return Err(dependency_error(OP, &err)),
        };
        if wrong < max {
            return Ok(max - wrong);
        }
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(layout::token_key(digest)))
            .send()
            .await
            .map_err(|err| dependency_error(OP, &err))?;
        Ok(0)
    }

    async fn redeem(&self, r: Redemption<'_>) -> Result<RedeemOutcome, DependencyError> {
        const OP: &str = "redeem_reset_token";
        let consume = self.delete_if(layout::token_key(r.digest), OP, |delete| {
            delete
                .condition_expression(expr::TOKEN_REDEEMABLE)
                .expression_attribute_values(":now", n(r.now.epoch_seconds()))
                .expression_attribute_values(":user", s(r.user_id.as_str()))
        })?;
        let store_hash = self.update(layout::user_key(r.user_id), OP, |update| {
            update
                .update_expression(expr::STORE_HASH)
                .condition_expression(expr::TOKEN_IS_ACTIVE)
                .expression_attribute_values(":hash", s(r.new_hash.expose_phc()))
                .expression_attribute_values(":now", n(r.now.epoch_seconds()))
                .expression_attribute_values(":digest", s(r.digest.to_hex()))
        })?;
        let mut items = vec![consume, store_hash];
        if let Some(phone) = r.phone {
            items.push(self.delete(layout::code_key(phone), OP)?);
        }
        items.extend(self.outbox_puts(r.notices, OP)?);
        match self.transact(OP, items).await? {
            Ok(()) => Ok(RedeemOutcome::Redeemed),
            Err(cancelled) if cancelled.condition_failed() => Ok(RedeemOutcome::Rejected),
            Err(cancelled) if cancelled.conflict() => Ok(RedeemOutcome::Conflict),
            Err(cancelled) => Err(cancelled.into_error(OP)),
        }
    }
}
