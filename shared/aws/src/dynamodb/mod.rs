//! The store ports on one DynamoDB table, through the real SDK: one file per
//! port (`users`, `tokens`, `codes`, `audit`, `shared`, ...), the table's
//! layout in `layout`, the conditioned writes and how they end in `writes`,
//! and here the store itself and the SDK calls they share.

mod audit;
mod codes;
mod layout;
mod lifecycle;
mod outbox;
mod shared;
mod stream;
mod tokens;
mod users;
mod workspaces;
mod writes;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::builders::{DeleteBuilder, PutBuilder, UpdateBuilder};
use aws_sdk_dynamodb::types::{Delete, KeysAndAttributes, Put, TransactWriteItem, Update};

use self::layout::{Item, expr};
use super::dependency_error;

use recovery_core::ports::{CounterChange, CounterKey, CounterUpdate, DependencyError};
use recovery_domain::UserId;

pub use layout::{EXPIRES_AT, OUTBOX_PREFIX, OUTBOX_RETENTION_SECONDS, PK, SK};
pub use stream::{outbox_item_from_stream_image, outbox_stream_image, stream_image};
use writes::{Updated, conditional};

/// Every store port on one table.
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

fn construction(
    operation: &'static str,
) -> impl Fn(aws_sdk_dynamodb::error::BuildError) -> DependencyError {
    move |_| DependencyError::new(operation, "ConstructionFailure")
}

/// Cancellation reason codes of a failed transaction, in item order, or the
/// error itself when it was not a cancellation.
fn cancellation_codes(
    operation: &'static str,
    err: SdkError<TransactWriteItemsError, HttpResponse>,
) -> Result<Vec<String>, DependencyError> {
    let dependency = dependency_error(operation, &err);
    match err.into_service_error() {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => Ok(cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().unwrap_or("None").to_owned())
            .collect()),
        _ => Err(dependency),
    }
}

/// How a cancelled transaction's reasons read.
struct Cancelled(Vec<String>);

impl Cancelled {
    /// Whether the item at `index` failed its condition.
    fn failed_at(&self, index: usize) -> bool {
        self.0.get(index).is_some_and(|c| c == "ConditionalCheckFailed")
    }

    fn any(&self, code: &str) -> bool {
        self.0.iter().any(|c| c == code)
    }

    fn condition_failed(&self) -> bool {
        self.any("ConditionalCheckFailed")
    }

    fn conflict(&self) -> bool {
        self.any("TransactionConflict")
    }

    fn into_error(self, operation: &'static str) -> DependencyError {
        DependencyError::new(operation, self.0.join(","))
    }
}

impl DynamoDbStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// A store on `table` with a client built from `sdk`.
    pub fn from_sdk(sdk: &SdkConfig, table: &str) -> Self {
        Self::new(Client::new(sdk), table.to_owned())
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    async fn get_item(
        &self,
        operation: &'static str,
        key: Item,
    ) -> Result<Option<Item>, DependencyError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| dependency_error(operation, &err))?;
        Ok(output.item)
    }

    /// The newest `limit` items of partition `pk` (by sort key), strongly
    /// consistent.
    async fn newest_in_partition(
        &self,
        operation: &'static str,
        pk: String,
        limit: u32,
    ) -> Result<Vec<Item>, DependencyError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(expr::PARTITION)
            .expression_attribute_values(":pk", layout::s(pk))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| dependency_error(operation, &err))?;
        Ok(output.items.unwrap_or_default())
    }

    /// BatchGetItem of `keys` (at most 100), strongly consistent; retries
    /// what DynamoDB leaves unprocessed, with backoff.
    async fn batch_get(
        &self,
        operation: &'static str,
        keys: Vec<Item>,
    ) -> Result<Vec<Item>, DependencyError> {
        const ATTEMPTS: u32 = 4;
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(construction(operation))?;
        let mut found = Vec::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
            }
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(|err| dependency_error(operation, &err))?;
            found.extend(
                output.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default(),
            );
            match output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys().is_empty())
            {
                Some(left) => pending = left,
                None => return Ok(found),
            }
        }
        Err(DependencyError::new(operation, "UnprocessedKeys"))
    }

    /// [`Self::batch_get`], answered in the order of `keys` (none where an
    /// item is missing). Each key's partition key is its own.
    /// The account `id` and its counters of `kinds` (each with its key), in
    /// one BatchGetItem: what a request reads of an account it found.
    async fn account_with_counters(
        &self,
        id: &UserId,
        kinds: &[&str],
    ) -> Result<(Option<Item>, Vec<(CounterKey, Option<Item>)>), DependencyError> {
        let names: Vec<CounterKey> =
            kinds.iter().map(|kind| CounterKey::account(kind, id)).collect();
        let mut keys = vec![layout::user_key(id)];
        keys.extend(names.iter().map(layout::rate_key));
        let mut found = self.batch_get_in_order("load_request", keys).await?;
        let account = found.remove(0);
        Ok((account, names.into_iter().zip(found).collect()))
    }

    async fn batch_get_in_order(
        &self,
        operation: &'static str,
        keys: Vec<Item>,
    ) -> Result<Vec<Option<Item>>, DependencyError> {
        let wanted: Vec<Option<String>> =
            keys.iter().map(|key| layout::pk_of(key).map(str::to_owned)).collect();
        let mut items = self.batch_get(operation, keys).await?;
        Ok(wanted
            .iter()
            .map(|pk| {
                let at = items
                    .iter()
                    .position(|item| pk.is_some() && layout::pk_of(item) == pk.as_deref())?;
                Some(items.swap_remove(at))
            })
            .collect())
    }

    /// The counters' writes, each conditioned as its [`CounterChange`]
    /// says, as transaction items.
    fn counter_puts(
        &self,
        counters: &[CounterUpdate<'_>],
        operation: &'static str,
    ) -> Result<Vec<TransactWriteItem>, DependencyError> {
        counters
            .iter()
            .map(|update| match &update.change {
                CounterChange::Replace(hits) => {
                    let counter = update.counter;
                    let item = layout::counter_item(counter, hits, update.expires_at);
                    if counter.version == 0 {
                        return self.put_new(item, operation);
                    }
                    let read = i64::from(counter.hits.count());
                    self.put_if(item, operation, |put| {
                        put.condition_expression(expr::COUNTER_AS_READ)
                            .expression_attribute_values(":version", layout::n(counter.version))
                            .expression_attribute_values(":count", layout::n(read))
                    })
                }
                CounterChange::Add { hit, into, most } => {
                    let key = layout::rate_key(&update.counter.key);
                    let (expression, names, values) =
                        layout::counter_add(update, *hit, into, *most);
                    self.update(key, operation, |add| {
                        add.update_expression(expression)
                            .condition_expression(expr::COUNTER_HAS_ROOM)
                            .set_expression_attribute_names(Some(names))
                            .set_expression_attribute_values(Some(values))
                    })
                }
            })
            .collect()
    }

    /// An unconditional put of `item`, as a transaction item.
    fn put(
        &self,
        item: Item,
        operation: &'static str,
    ) -> Result<TransactWriteItem, DependencyError> {
        self.put_if(item, operation, |put| put)
    }

    /// A put of an item that must not exist yet, as a transaction item.
    fn put_new(
        &self,
        item: Item,
        operation: &'static str,
    ) -> Result<TransactWriteItem, DependencyError> {
        self.put_if(item, operation, |put| put.condition_expression(expr::ABSENT))
    }

    /// A put of `item` with what `build` adds (a condition and its values),
    /// as a transaction item.
    fn put_if(
        &self,
        item: Item,
        operation: &'static str,
        build: impl FnOnce(PutBuilder) -> PutBuilder,
    ) -> Result<TransactWriteItem, DependencyError> {
        let put = build(Put::builder().table_name(&self.table).set_item(Some(item)))
            .build()
            .map_err(construction(operation))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// An unconditional delete of `key`, as a transaction item.
    fn delete(
        &self,
        key: Item,
        operation: &'static str,
    ) -> Result<TransactWriteItem, DependencyError> {
        self.delete_if(key, operation, |delete| delete)
    }

    /// A delete of `key` with what `build` adds (a condition and its
    /// values), as a transaction item.
    fn delete_if(
        &self,
        key: Item,
        operation: &'static str,
        build: impl FnOnce(DeleteBuilder) -> DeleteBuilder,
    ) -> Result<TransactWriteItem, DependencyError> {
        let delete = build(Delete::builder().table_name(&self.table).set_key(Some(key)))
            .build()
            .map_err(construction(operation))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// An update of the item at `key`, as built by `build`, as a
    /// transaction item.
    fn update(
        &self,
        key: Item,
        operation: &'static str,
        build: impl FnOnce(UpdateBuilder) -> UpdateBuilder,
    ) -> Result<TransactWriteItem, DependencyError> {
        let update = build(Update::builder().table_name(&self.table).set_key(Some(key)))
            .build()
            .map_err(construction(operation))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Runs one transaction: `Ok(Ok(()))` when it was applied, `Ok(Err(_))`
    /// with the reasons when it was cancelled.
    async fn transact(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Cancelled>, DependencyError> {
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(Ok(())),
            Err(err) => cancellation_codes(operation, err).map(|codes| Err(Cancelled(codes))),
        }
    }
}
