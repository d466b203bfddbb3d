//! [`CodeStore`] on the table: one code item per number, and the rate
//! counters written in the same transaction.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::DynamoDbStore;
use super::layout::{self, expr, n, s};
use crate::dependency_error;
use recovery_core::ports::Written;
use recovery_core::ports::{
    Attempt, CodeStore, CounterKey, CounterUpdate, DependencyError, OutboxItem, RequestState,
    UserStore,
};
use recovery_domain::{AccountLookup, CodeRecord, PhoneNumber, ResetTokenRecord, Timestamp};

#[async_trait]
impl CodeStore for DynamoDbStore {
    async fn load_request(
        &self,
        lookup: &AccountLookup,
        rate_keys: &[CounterKey],
        account_kinds: &[&str],
    ) -> Result<RequestState, DependencyError> {
        const OP: &str = "load_request";
        let pointer_key = match lookup {
            AccountLookup::Login(login) => layout::login_key(login),
            AccountLookup::Email(email) => layout::email_key(email),
            AccountLookup::Phone(phone) => layout::phone_key(phone),
        };
        let mut keys = vec![pointer_key];
        keys.extend(rate_keys.iter().map(layout::rate_key));
        let found = self.batch_get_in_order(OP, keys).await?;
        let counters = rate_keys
            .iter()
            .zip(&found[1..])
            .map(|(name, item)| layout::counter_from_item(name, item.as_ref()))
            .collect();
        let Some(pointer) = &found[0] else {
            return Ok(RequestState { counters, ..RequestState::default() });
        };
        let id = layout::pointer_target(pointer).ok_or_else(|| layout::corrupt(OP))?;
        if account_kinds.is_empty() {
            let account = self.get(&id).await?;
            return Ok(RequestState { counters, account, account_counters: Vec::new() });
        }
        let (account, counters_found) = self.account_with_counters(&id, account_kinds).await?;
        let account = account.as_ref().map(layout::account_from_item).transpose()?;
        let account_counters = (counters_found.iter())
            .map(|(name, item)| layout::counter_from_item(name, item.as_ref()))
            .collect();
        Ok(RequestState { counters, account, account_counters })
    }

    async fn record_hits(
        &self,
        counters: &[CounterUpdate<'_>],
        message: Option<&OutboxItem>,
    ) -> Result<Written, DependencyError> {
        const OP: &str = "record_hits";
        let mut items = self.counter_puts(counters, OP)?;
        items.extend(self.outbox_puts(message.map(std::slice::from_ref).unwrap_or_default(), OP)?);
        if items.is_empty() {
            return Ok(Written::Done);
        }
        self.transact_written(OP, items).await
    }

    async fn store_code(
        &self,
        record: &CodeRecord,
        counters: &[CounterUpdate<'_>],
        message: Option<&OutboxItem>,
    ) -> Result<Written, DependencyError> {
        const OP: &str = "store_code";
        let code = layout::code_item(record);
        if counters.is_empty() && message.is_none() {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(code))
                .send()
                .await
                .map_err(|err| dependency_error(OP, &err))?;
            return Ok(Written::Done);
        }
        let mut items = vec![self.put(code, OP)?];
        items.extend(self.counter_puts(counters, OP)?);
        items.extend(self.outbox_puts(message.map(std::slice::from_ref).unwrap_or_default(), OP)?);
        self.transact_written(OP, items).await
    }

    async fn find_code(&self, phone: &PhoneNumber) -> Result<Option<CodeRecord>, DependencyError> {
        match self.get_item("find_code", layout::code_key(phone)).await? {
            Some(item) => layout::code_from_item(phone, &item).map(Some),
            None => Ok(None),
        }
    }

    async fn redeem_challenge(
        &self,
        nonce: &str,
        expires_at: Timestamp,
    ) -> Result<Written, DependencyError> {
        let item = layout::challenge_item(nonce, expires_at);
        self.put_conditioned("redeem_challenge", item, expr::ABSENT, &[]).await
    }

    async fn take_attempt(&self, record: &CodeRecord) -> Result<Attempt, DependencyError> {
        const OP: &str = "take_attempt";
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::code_key(&record.phone)))
            .update_expression(expr::TAKE_ATTEMPT)
            .condition_expression(expr::CODE_HAS_ATTEMPTS)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":mac", s(record.mac.to_hex()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let left = output
                    .attributes
                    .as_ref()
                    .and_then(layout::attempts_left)
                    .ok_or_else(|| layout::corrupt(OP))?;
                Ok(Attempt::Counted { attempts_left: left })
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Attempt::Stale)
            }
            Err(err) => Err(dependency_error(OP, &err)),
        }
    }

    async fn exchange_code(
        &self,
        code: &CodeRecord,
        now: Timestamp,
        token: &ResetTokenRecord,
    ) -> Result<Written, DependencyError> {
        const OP: &str = "exchange_code";
        let consume = self.delete_if(layout::code_key(&code.phone), OP, |delete| {
            delete
                .condition_expression(expr::CODE_USABLE)
                .expression_attribute_values(":mac", s(code.mac.to_hex()))
                .expression_attribute_values(":now", n(now.epoch_seconds()))
        })?;
        // The account is checked here rather than read first. The link it
        // had before stops working (`active_reset` moves on) and its item
        // expires.
        let point = self.update(layout::user_key(&token.user_id), OP, |update| {
            update
                .update_expression(expr::POINT_AT_TOKEN)
                .condition_expression(expr::HAS_NUMBER_AND_MAY_RECOVER)
                .expression_attribute_values(":digest", s(token.digest.to_hex()))
                .expression_attribute_values(":phone", s(code.phone.as_e164()))
                .expression_attribute_values(":no", AttributeValue::Bool(false))
        })?;
        let items = vec![consume, self.put_new(layout::token_item(token), OP)?, point];
        match self.transact(OP, items).await? {
            Ok(()) => Ok(Written::Done),
            Err(cancelled) if cancelled.condition_failed() => Ok(Written::Stale),
            Err(cancelled) => Err(cancelled.into_error(OP)),
        }
    }
}
