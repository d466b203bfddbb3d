//! [`WorkspaceStore`] on the table (layout: `layout/workspaces.rs`).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::layout::{self, Item, expr, n, s, workspace_expr};
use super::{DynamoDbStore, Updated, conditional};
use crate::dependency_error;
use recovery_core::ports::{
    DependencyError, MAX_WORKSPACES_READ, Member, Page, WorkspaceDirectory, WorkspaceStore,
    WorkspaceWrite,
};
use recovery_domain::{AdminPrincipal, UserAccount, UserId, Workspace, WorkspaceId};

impl DynamoDbStore {
    /// One page of partition `pk` by sort key after `after`: one Query.
    async fn page_of(
        &self,
        operation: &'static str,
        pk: String,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<Item>, bool), DependencyError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", s(pk))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true);
        query = match after {
            Some(after) => query
                .key_condition_expression(workspace_expr::AFTER)
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression(expr::PARTITION),
        };
        let output = query.send().await.map_err(|err| dependency_error(operation, &err))?;
        Ok((output.items.unwrap_or_default(), output.last_evaluated_key.is_some()))
    }

    /// The writes that count `user` as a member of `id` (the account's
    /// own set is the caller's); the first fails its condition when the
    /// workspace is not there, the second when it is a member already.
    pub(super) fn join(
        &self,
        operation: &'static str,
        id: &WorkspaceId,
        user: &UserAccount,
    ) -> Result<Vec<TransactWriteItem>, DependencyError> {
        Ok(vec![
            self.count_member(operation, id, 1)?,
            self.put_new(layout::member_item(id, user), operation)?,
        ])
    }

    /// The writes that end `user`'s membership of `id` but for the
    /// account's own set: its member item and the count.
    pub(super) fn end_membership(
        &self,
        operation: &'static str,
        id: &WorkspaceId,
        user: &UserId,
    ) -> Result<Vec<TransactWriteItem>, DependencyError> {
        Ok(vec![
            self.delete_if(layout::member_key(id, user), operation, |d| {
                d.condition_expression(expr::PRESENT)
            })?,
            self.count_member(operation, id, -1)?,
        ])
    }

    fn count_member(
        &self,
        operation: &'static str,
        id: &WorkspaceId,
        change: i64,
    ) -> Result<TransactWriteItem, DependencyError> {
        self.update(layout::workspace_key(id), operation, |u| {
            u.update_expression(workspace_expr::COUNT_MEMBER)
                .condition_expression(expr::PRESENT)
                .expression_attribute_values(":change", n(change))
        })
    }

    /// The account `user` joins or leaves (`update`) workspace `id`;
    /// fails its condition when the account is gone.
    fn account_set(
        &self,
        operation: &'static str,
        user: &UserId,
        update: &str,
        id: &WorkspaceId,
    ) -> Result<TransactWriteItem, DependencyError> {
        self.update(layout::user_key(user), operation, |u| {
            u.update_expression(update)
                .condition_expression(expr::PRESENT)
                .expression_attribute_values(
                    ":set",
                    layout::workspace_set(std::slice::from_ref(id)),
                )
        })
    }
}

/// Up to `limit` of `items` read as `read` reads them, and where the next
/// page starts when there is one.
fn page<T>(
    items: Vec<Item>,
    more: bool,
    read: impl Fn(&Item) -> Result<T, DependencyError>,
) -> Result<Page<T>, DependencyError> {
    let next =
        more.then(|| items.last().and_then(|i| layout::get_s(i, layout::SK)).map(str::to_owned));
    let items = items.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next: next.flatten() })
}

#[async_trait]
impl WorkspaceDirectory for DynamoDbStore {
    async fn workspace(&self, id: &WorkspaceId) -> Result<Option<Workspace>, DependencyError> {
        let item = self.get_item("get_workspace", layout::workspace_key(id)).await?;
        item.as_ref().map(layout::workspace_from_item).transpose()
    }

    async fn workspaces_by_id(
        &self,
        ids: &[WorkspaceId],
    ) -> Result<Vec<Workspace>, DependencyError> {
        let mut unique: Vec<&WorkspaceId> = ids.iter().take(MAX_WORKSPACES_READ).collect();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            return Ok(vec![]);
        }
        let keys = unique.into_iter().map(layout::workspace_key).collect();
        let items = self.batch_get("get_workspaces", keys).await?;
        items.iter().map(layout::workspace_from_item).collect()
    }
}

#[async_trait]
impl WorkspaceStore for DynamoDbStore {
    async fn create_workspace(
        &self,
        workspace: &Workspace,
    ) -> Result<WorkspaceWrite, DependencyError> {
        self.write_workspace("create_workspace", workspace, expr::ABSENT, WorkspaceWrite::Taken)
            .await
    }

    async fn update_workspace(
        &self,
        workspace: &Workspace,
    ) -> Result<WorkspaceWrite, DependencyError> {
        self.write_workspace("update_workspace", workspace, expr::PRESENT, WorkspaceWrite::Missing)
            .await
    }

    async fn workspaces(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Workspace>, DependencyError> {
        let pk = layout::WORKSPACES.to_owned();
        let (items, more) = self.page_of("list_workspaces", pk, after, limit).await?;
        page(items, more, layout::workspace_from_item)
    }

    async fn delete_workspace(&self, id: &WorkspaceId) -> Result<WorkspaceWrite, DependencyError> {
        const OP: &str = "delete_workspace";
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(layout::workspace_key(id)))
            .condition_expression(workspace_expr::NO_MEMBERS)
            .expression_attribute_values(":zero", n(0))
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
        match result {
            Ok(_) => Ok(WorkspaceWrite::Done),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(match err.into_service_error() {
                    DeleteItemError::ConditionalCheckFailedException(e) if e.item.is_some() => {
                        WorkspaceWrite::HasMembers
                    }
                    _ => WorkspaceWrite::Missing,
                })
            }
            Err(err) => Err(dependency_error(OP, &err)),
        }
    }

    async fn add_member(
        &self,
        id: &WorkspaceId,
        user: &UserAccount,
    ) -> Result<WorkspaceWrite, DependencyError> {
        const OP: &str = "add_member";
        let mut items = self.join(OP, id, user)?;
        items.push(self.account_set(OP, &user.id, workspace_expr::JOIN, id)?);
        match self.transact(OP, items).await? {
            Ok(()) => Ok(WorkspaceWrite::Done),
            Err(c) if c.failed_at(1) => Ok(WorkspaceWrite::Unchanged),
            Err(c) if c.failed_at(0) || c.failed_at(2) => Ok(WorkspaceWrite::Missing),
            Err(c) => Err(c.into_error(OP)),
        }
    }

    async fn remove_member(
        &self,
        id: &WorkspaceId,
        user: &UserId,
    ) -> Result<WorkspaceWrite, DependencyError> {
        const OP: &str = "remove_member";
        let mut items = self.end_membership(OP, id, user)?;
        items.push(self.account_set(OP, user, workspace_expr::LEAVE, id)?);
        match self.transact(OP, items).await? {
            Ok(()) => Ok(WorkspaceWrite::Done),
            Err(c) if c.failed_at(0) => Ok(WorkspaceWrite::Unchanged),
            Err(c) => Err(c.into_error(OP)),
        }
    }

    async fn members(
        &self,
        id: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Member>, DependencyError> {
        let pk = layout::member_partition(id);
        let (items, more) = self.page_of("list_members", pk, after, limit).await?;
        page(items, more, |item| layout::member_of(item).ok_or(layout::corrupt("list_members")))
    }

    async fn admin_grant(
        &self,
        principal: &AdminPrincipal,
    ) -> Result<Option<Vec<WorkspaceId>>, DependencyError> {
        let item = self.get_item("get_admin_grant", layout::grant_key(principal)).await?;
        Ok(item.as_ref().map(layout::workspaces_of))
    }

    async fn set_admin_grant(
        &self,
        principal: &AdminPrincipal,
        workspaces: &[WorkspaceId],
    ) -> Result<(), DependencyError> {
        const OP: &str = "set_admin_grant";
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(layout::grant_item(principal, workspaces)))
            .send()
            .await
            .map_err(|err| dependency_error(OP, &err))?;
        Ok(())
    }
}

impl DynamoDbStore {
    /// Sets `workspace`'s details under `condition`; `refused` when it fails.
    async fn write_workspace(
        &self,
        operation: &'static str,
        workspace: &Workspace,
        condition: &str,
        refused: WorkspaceWrite,
    ) -> Result<WorkspaceWrite, DependencyError> {
        let (update, values) = layout::workspace_details(workspace);
        let values: std::collections::HashMap<String, AttributeValue> =
            values.into_iter().collect();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(layout::workspace_key(&workspace.id)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        Ok(match conditional(operation, result)? {
            Updated::Yes => WorkspaceWrite::Done,
            Updated::No(_) => refused,
        })
    }
}
