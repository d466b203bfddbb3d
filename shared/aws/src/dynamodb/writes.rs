//! Writes conditioned on what was read, and how each ended: done, or
//! stale (the condition failed, nothing written).

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::DynamoDbStore;
use super::layout::Item;
use crate::dependency_error;
use recovery_core::ports::{DependencyError, Written};

impl DynamoDbStore {
    /// A PutItem of `item` under `condition` (with `values`):
    /// [`Written::Stale`] when the condition failed, and nothing written.
    pub(in crate::dynamodb) async fn put_conditioned(
        &self,
        operation: &'static str,
        item: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<Written, DependencyError> {
        let mut put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        put = put.condition_expression(condition);
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        match put.send().await {
            Ok(_) => Ok(Written::Done),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Written::Stale)
            }
            Err(err) => Err(dependency_error(operation, &err)),
        }
    }

    /// Runs one transaction of writes conditioned on what was read:
    /// [`Written::Stale`] when a condition failed or another write touched
    /// the same items meanwhile (nothing written).
    pub(in crate::dynamodb) async fn transact_written(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<Written, DependencyError> {
        match self.transact(operation, items).await? {
            Ok(()) => Ok(Written::Done),
            Err(cancelled) if cancelled.condition_failed() || cancelled.conflict() => {
                Ok(Written::Stale)
            }
            Err(cancelled) => Err(cancelled.into_error(operation)),
        }
    }
}

/// How a conditional UpdateItem ended.
pub(in crate::dynamodb) enum Updated {
    Yes,
    /// Its condition failed; the item as it was, when it was there and the
    /// request asked for it (`ReturnValuesOnConditionCheckFailure`).
    No(Option<Item>),
}

/// A failed condition is an answer, any other failure an error.
pub(in crate::dynamodb) fn conditional(
    operation: &'static str,
    result: Result<UpdateItemOutput, SdkError<UpdateItemError, HttpResponse>>,
) -> Result<Updated, DependencyError> {
    match result {
        Ok(_) => Ok(Updated::Yes),
        Err(err) => match err.as_service_error() {
            Some(e) if e.is_conditional_check_failed_exception() => {
                Ok(Updated::No(match err.into_service_error() {
                    UpdateItemError::ConditionalCheckFailedException(e) => e.item,
                    _ => None,
                }))
            }
            _ => Err(dependency_error(operation, &err)),
        },
    }
}
