//! [`SharedCounters`] and [`SmsHolds`] on the table: a counter's shards
//! each in its own partition, the holds on texts in one.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::layout::{self, n, shared_expr};
use super::{DynamoDbStore, Updated, conditional};
use crate::dependency_error;
use recovery_core::ports::{
    Baseline, DependencyError, ShardPart, SharedCounter, SharedCounters, SmsHold, SmsHoldOn,
    SmsHolds, Written,
};
use recovery_domain::Timestamp;

fn signed(amount: u64) -> i64 {
    i64::try_from(amount).unwrap_or(i64::MAX)
}

#[async_trait]
impl SharedCounters for DynamoDbStore {
    async fn add_to_shard(
        &self,
        counter: &SharedCounter,
        part: ShardPart,
    ) -> Result<Option<u64>, DependencyError> {
        const OP: &str = "add_to_shard";
        let Some(room) = part.most.checked_sub(part.amount) else { return Ok(None) };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::shard_key(counter, part.shard)))
            .update_expression(shared_expr::ADD)
            .condition_expression(shared_expr::HAS_ROOM)
            .set_expression_attribute_values(Some(layout::shard_add_values(
                counter,
                signed(part.amount),
            )))
            .expression_attribute_values(":room", n(signed(room)))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(layout::shard_counted(output.attributes.as_ref()))),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(dependency_error(OP, &err)),
        }
    }

    async fn add_to_shards(
        &self,
        counter: &SharedCounter,
        parts: &[ShardPart],
    ) -> Result<Written, DependencyError> {
        const OP: &str = "add_to_shards";
        let mut items = Vec::new();
        for part in parts {
            let Some(room) = part.most.checked_sub(part.amount) else { return Ok(Written::Stale) };
            items.push(self.update(layout::shard_key(counter, part.shard), OP, |add| {
                add.update_expression(shared_expr::ADD)
                    .condition_expression(shared_expr::HAS_ROOM)
                    .set_expression_attribute_values(Some(layout::shard_add_values(
                        counter,
                        signed(part.amount),
                    )))
                    .expression_attribute_values(":room", n(signed(room)))
            })?);
        }
        if items.is_empty() {
            return Ok(Written::Done);
        }
        self.transact_written(OP, items).await
    }

    async fn take_from_shard(
        &self,
        counter: &SharedCounter,
        shard: u16,
        amount: u64,
    ) -> Result<(), DependencyError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::shard_key(counter, shard)))
            .update_expression(shared_expr::ADD)
            .set_expression_attribute_values(Some(layout::shard_add_values(
                counter,
                -signed(amount),
            )))
            .send()
            .await
            .map_err(|err| dependency_error("take_from_shard", &err))?;
        Ok(())
    }

    async fn baseline(&self, name: &str) -> Result<Option<Baseline>, DependencyError> {
        const OP: &str = "baseline";
        match self.get_item(OP, layout::baseline_key(name)).await? {
            Some(item) => {
                layout::baseline_from_item(&item).map(Some).ok_or_else(|| layout::corrupt(OP))
            }
            None => Ok(None),
        }
    }

    async fn fold_baseline(
        &self,
        name: &str,
        baseline: Baseline,
    ) -> Result<Written, DependencyError> {
        let item = layout::baseline_item(name, &baseline);
        let minute = n(baseline.minute);
        self.put_conditioned(
            "fold_baseline",
            item,
            layout::baseline_expr::OLDER,
            &[(":minute", minute)],
        )
        .await
    }

    async fn read_shards(&self, counter: &SharedCounter) -> Result<Vec<u64>, DependencyError> {
        let keys = (0..counter.shards.count()).map(|shard| layout::shard_key(counter, shard));
        let found = self.batch_get_in_order("read_shards", keys.collect()).await?;
        Ok(found.iter().map(|item| layout::shard_counted(item.as_ref())).collect())
    }

    async fn add_to_tally(
        &self,
        tally: &SharedCounter,
        shard: u16,
        names: &[String],
    ) -> Result<(), DependencyError> {
        if names.is_empty() {
            return Ok(());
        }
        let (expression, attribute_names, values) = layout::tally_update(tally, names);
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::tally_key(tally, shard)))
            .update_expression(expression)
            .set_expression_attribute_names(Some(attribute_names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(|err| dependency_error("add_to_tally", &err))?;
        Ok(())
    }

    async fn read_tally(
        &self,
        tally: &SharedCounter,
    ) -> Result<BTreeMap<String, u64>, DependencyError> {
        let keys: Vec<_> =
            (0..tally.shards.count()).map(|shard| layout::tally_key(tally, shard)).collect();
        let mut sum = BTreeMap::new();
        // BatchGetItem takes 100 keys at most.
        for chunk in keys.chunks(100) {
            for item in self.batch_get("read_tally", chunk.to_vec()).await? {
                for (name, count) in layout::tally_counts(&item) {
                    *sum.entry(name).or_default() += count;
                }
            }
        }
        Ok(sum)
    }
}

#[async_trait]
impl SmsHolds for DynamoDbStore {
    async fn sms_holds(&self, on: &[SmsHoldOn]) -> Result<Vec<SmsHold>, DependencyError> {
        const OP: &str = "sms_holds";
        let items = match on {
            [] => return Ok(Vec::new()),
            [one] => self.get_item(OP, layout::hold_key(*one)).await?.into_iter().collect(),
            many => self.batch_get(OP, many.iter().map(|o| layout::hold_key(*o)).collect()).await?,
        };
        items
            .iter()
            .map(|item| layout::hold_from_item(item).ok_or_else(|| layout::corrupt(OP)))
            .collect()
    }

    async fn place_sms_hold(&self, hold: &SmsHold) -> Result<Written, DependencyError> {
        let since = n(hold.since.epoch_seconds());
        let item = layout::hold_item(hold);
        self.put_conditioned(
            "place_sms_hold",
            item,
            shared_expr::NO_LIVE_HOLD,
            &[(":since", since)],
        )
        .await
    }

    async fn list_sms_holds(&self) -> Result<Vec<SmsHold>, DependencyError> {
        const OP: &str = "list_sms_holds";
        // A hold per country at most: one page holds every one there is.
        let items = self.newest_in_partition(OP, layout::HOLDS_PARTITION.to_owned(), 1000).await?;
        items
            .iter()
            .map(|item| layout::hold_from_item(item).ok_or_else(|| layout::corrupt(OP)))
            .collect()
    }

    async fn lift_sms_hold(
        &self,
        on: SmsHoldOn,
        now: Timestamp,
    ) -> Result<Written, DependencyError> {
        const OP: &str = "lift_sms_hold";
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::hold_key(on)))
            .update_expression(shared_expr::END_HOLD)
            .condition_expression(shared_expr::LIVE_HOLD)
            .expression_attribute_values(":now", n(now.epoch_seconds()))
            .send()
            .await;
        Ok(match conditional(OP, result)? {
            Updated::Yes => Written::Done,
            Updated::No(_) => Written::Stale,
        })
    }

    async fn take_notice(
        &self,
        notice: &str,
        expires_at: Timestamp,
    ) -> Result<Written, DependencyError> {
        let item = layout::notice_item(notice, expires_at);
        self.put_conditioned("take_notice", item, layout::expr::ABSENT, &[]).await
    }
}
