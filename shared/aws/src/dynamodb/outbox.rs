//! [`OutboxStore`] on the table: one item per message under the account's
//! partition (`layout::outbox_item`), written in the same transaction as
//! the change that causes it, and claimed, then marked, by the delivery.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem};

use super::layout::{self, expr, n, s};
use super::{DynamoDbStore, Updated, conditional};
use crate::dependency_error;
use recovery_core::ports::{
    Carried, Claim, DeliveryReport, DeliveryState, DependencyError, MessageStatus, OutboxItem,
    OutboxStore, Reported, Standing,
};
use recovery_domain::{Timestamp, UserId};

impl DynamoDbStore {
    /// `messages` as new items of a transaction.
    pub(super) fn outbox_puts(
        &self,
        messages: &[OutboxItem],
        operation: &'static str,
    ) -> Result<Vec<TransactWriteItem>, DependencyError> {
        messages.iter().map(|m| self.put_new(layout::outbox_item(m), operation)).collect()
    }
}

#[async_trait]
impl OutboxStore for DynamoDbStore {
    async fn enqueue(&self, item: &OutboxItem) -> Result<(), DependencyError> {
        const OP: &str = "enqueue_message";
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(layout::outbox_item(item)))
            .condition_expression(expr::ABSENT)
            .send()
            .await
            .map_err(|err| dependency_error(OP, &err))?;
        Ok(())
    }

    async fn claim(
        &self,
        item: &OutboxItem,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Claim, DependencyError> {
        const OP: &str = "claim_message";
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::outbox_key(&item.user_id, &item.key)))
            .update_expression(expr::CLAIM)
            .condition_expression(expr::CLAIMABLE)
            .expression_attribute_values(":now", n(now.epoch_seconds()))
            .expression_attribute_values(":lease", n(lease_until.epoch_seconds()))
            .expression_attribute_values(":expired", s(layout::EXPIRED))
            .expression_attribute_values(":refused", s(layout::REFUSED))
            .expression_attribute_values(":superseded", s(layout::SUPERSEDED))
            .expression_attribute_values(":pending", s(layout::PENDING))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        Ok(match conditional(OP, result)? {
            Updated::Yes => Claim::Claimed,
            Updated::No(None) => Claim::Gone,
            Updated::No(Some(old)) if layout::outbox_done(&old) => Claim::Done,
            Updated::No(Some(_)) => Claim::Busy,
        })
    }

    async fn record(
        &self,
        item: &OutboxItem,
        now: Timestamp,
        state: &DeliveryState,
    ) -> Result<(), DependencyError> {
        const OP: &str = "record_delivery";
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::outbox_key(&item.user_id, &item.key)))
            .expression_attribute_values(":now", n(now.epoch_seconds()));
        update = match state {
            DeliveryState::Sent { provider_id } => update
                .update_expression(expr::MARK_SENT)
                .condition_expression(expr::PRESENT)
                .expression_attribute_values(":state", s(layout::SENT))
                .expression_attribute_values(":provider", s(provider_id.as_str())),
            DeliveryState::Failed { error } => update
                .update_expression(expr::MARK_FAILED)
                .condition_expression(expr::UNSENT)
                .expression_attribute_values(":state", s(layout::FAILED))
                .expression_attribute_values(":error", s(error.as_str())),
            DeliveryState::Refused { reason } => update
                .update_expression(expr::MARK_REFUSED)
                .condition_expression(expr::UNSENT)
                .expression_attribute_values(":state", s(layout::REFUSED))
                .expression_attribute_values(":error", s(reason.as_str())),
            DeliveryState::Superseded => update
                .update_expression(expr::MARK_EXPIRED)
                .condition_expression(expr::UNSENT)
                .expression_attribute_values(":state", s(layout::SUPERSEDED)),
            DeliveryState::Expired => update
                .update_expression(expr::MARK_EXPIRED)
                .condition_expression(expr::UNSENT)
                .expression_attribute_values(":state", s(layout::EXPIRED)),
            DeliveryState::Published => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(layout::outbox_key(&item.user_id, &item.key)))
                    .send()
                    .await
                    .map_err(|err| dependency_error(OP, &err))?;
                return Ok(());
            }
        };
        // Not updated: sent meanwhile, or gone; nothing to record.
        conditional(OP, update.send().await)?;
        Ok(())
    }

    async fn standing(
        &self,
        user_id: &UserId,
        carried: &Carried,
    ) -> Result<Standing, DependencyError> {
        let item = self.get_item("standing", layout::carried_in(user_id, carried)).await?;
        Ok(layout::standing(carried, item.as_ref()))
    }

    async fn report(&self, report: &DeliveryReport) -> Result<Reported, DependencyError> {
        const OP: &str = "record_feedback";
        let message = &report.message;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::outbox_key(&message.user_id, &message.key)))
            .update_expression(expr::SET_FEEDBACK)
            .condition_expression(expr::FEEDBACK_APPLIES)
            .expression_attribute_values(":provider", s(report.provider_id.as_str()))
            .expression_attribute_values(":feedback", s(report.feedback.name()))
            .expression_attribute_values(":rank", n(report.feedback.rank()))
            .expression_attribute_values(":at", n(report.at.epoch_seconds()))
            .expression_attribute_values(":detail", s(report.detail.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        if let Updated::No(old) = conditional(OP, result)? {
            return Ok(match old {
                Some(old) if layout::sent_by(&old, &report.provider_id) => Reported::Superseded,
                _ => Reported::Unknown,
            });
        }
        if let (Some(trouble), Some(address)) = (report.feedback.trouble(), &report.recipient) {
            let marked = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(layout::user_key(&message.user_id)))
                .update_expression(expr::SET_EMAIL_TROUBLE)
                .condition_expression(expr::PRESENT)
                .expression_attribute_values(":trouble", s(trouble.name()))
                .expression_attribute_values(":address", s(address.as_str()))
                .expression_attribute_values(":at", n(report.at.epoch_seconds()))
                .send()
                .await;
            // Not updated: the account is gone, nothing to mark.
            conditional(OP, marked)?;
        }
        Ok(Reported::Recorded)
    }

    async fn messages(
        &self,
        user_id: &UserId,
        limit: u32,
    ) -> Result<Vec<MessageStatus>, DependencyError> {
        const OP: &str = "list_messages";
        let items = self.newest_in_partition(OP, layout::outbox_partition(user_id), limit).await?;
        items
            .iter()
            .map(|item| layout::message_status(item).ok_or_else(|| layout::corrupt(OP)))
            .collect()
    }
}
