//! The deliver function's event: a batch of the table's stream records, as
//! Lambda hands them over (filtered to new outbox messages), each delivered
//! in turn; the answer names the records to hand over again
//! (`ReportBatchItemFailures`). Lambda retries those, and after the retry
//! limit sends the batch's description (never its contents) to the
//! dead-letter queue.

use serde_json::{Value, json};
use tracing::{info, warn};

use crate::flows::{Delivered, Delivery};
use crate::ports::OutboxItem;

/// Reads the outbox message in a record's `NewImage` (the table's layout
/// is the AWS adapter's to know: `aws::outbox_item_from_stream_image`).
pub type ReadImage = fn(&Value) -> Option<OutboxItem>;

/// Delivers every new outbox message in `event` and answers
/// `{"batchItemFailures": [{"itemIdentifier": <sequence number>}, ...]}`.
pub async fn handle(delivery: &Delivery, event: &Value, read: ReadImage) -> Value {
    let records = event["Records"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut failures = Vec::new();
    for record in records {
        let Some(sequence) = record["dynamodb"]["SequenceNumber"].as_str() else {
            warn!("a record without a sequence number; skipped");
            continue;
        };
        if record["eventName"] != "INSERT" {
            continue;
        }
        let Some(item) = read(&record["dynamodb"]["NewImage"]) else {
            info!(sequence, "not an outbox message; skipped");
            continue;
        };
        match delivery.deliver(&item).await {
            Ok(Delivered::Sent { .. } | Delivered::Expired) => {}
            Ok(outcome) => info!(message = %item.key, ?outcome, "nothing to send"),
            Err(err) => {
                warn!(message = %item.key, error = %err, sequence, "delivery failed; handed back");
                failures.push(json!({ "itemIdentifier": sequence }));
            }
        }
    }
    json!({ "batchItemFailures": failures })
}
