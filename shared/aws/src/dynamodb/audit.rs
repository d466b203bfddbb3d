//! [`AuditLog`] on the table: one partition per target login, sorted by
//! time.

use async_trait::async_trait;

use super::DynamoDbStore;
use super::layout::{self, expr, s};
use crate::dependency_error;
use recovery_core::ports::{AuditLog, AuditRecord, DependencyError};

#[async_trait]
impl AuditLog for DynamoDbStore {
    async fn append(
        &self,
        record: &AuditRecord,
        retention_seconds: i64,
    ) -> Result<(), DependencyError> {
        const OP: &str = "audit_append";
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(layout::audit_item(record, retention_seconds)))
            .condition_expression(expr::ABSENT)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(DependencyError::new(OP, "DuplicateRecord"))
            }
            Err(err) => Err(dependency_error(OP, &err)),
        }
    }

    async fn conclude(
        &self,
        record: &AuditRecord,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<(), DependencyError> {
        const OP: &str = "audit_conclude";
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::audit_key(record)))
            .condition_expression(expr::PRESENT)
            .expression_attribute_values(":outcome", s(outcome));
        update = match detail {
            Some(detail) => update
                .update_expression(expr::SET_OUTCOME_AND_DETAIL)
                .expression_attribute_values(":detail", s(detail)),
            None => update.update_expression(expr::SET_OUTCOME),
        };
        match update.send().await {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(DependencyError::new(OP, "MissingRecord"))
            }
            Err(err) => Err(dependency_error(OP, &err)),
        }
    }

    async fn list(&self, target: &str, limit: u32) -> Result<Vec<AuditRecord>, DependencyError> {
        let items =
            self.newest_in_partition("audit_list", layout::audit_partition(target), limit).await?;
        items.iter().map(layout::audit_from_item).collect()
    }
}
