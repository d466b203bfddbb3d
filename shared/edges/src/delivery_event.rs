//! The deliver function's events. Two sources reach it:
//!
//! - the table's stream (filtered to new outbox messages): a batch of
//!   records, each delivered in turn; the answer names the records to hand
//!   over again (`ReportBatchItemFailures`). Lambda retries those, and after
//!   the retry limit sends the batch's description (never its contents) to
//!   the dead-letter queue;
//! - the SNS topic SES publishes its events to (through the configuration
//!   set): each a report on an email SES took, recorded against the message
//!   and its account. A report that cannot be recorded fails the
//!   invocation, and Lambda invokes again (recording is idempotent).

use serde_json::{Value, json};
use tracing::{info, warn};

use recovery_core::flows::{Delivered, Delivery};
use recovery_core::ports::{DeliveryReport, DependencyError, OutboxItem};

/// Reads the outbox message in a record's `NewImage` (the table's layout
/// is the AWS adapter's to know: `aws::outbox_item_from_stream_image`).
pub type ReadImage = fn(&Value) -> Option<OutboxItem>;

/// Reads the report in an SES event (`aws::delivery_report_from_ses_event`).
pub type ReadReport = fn(&Value) -> Option<DeliveryReport>;

/// What the adapters read out of the events.
#[derive(Clone, Copy)]
pub struct Readers {
    pub image: ReadImage,
    pub report: ReadReport,
}

/// Handles one invocation: a batch of stream records, answered with
/// `{"batchItemFailures": [{"itemIdentifier": <sequence number>}, ...]}`,
/// or SNS notifications of SES events, answered with how many were
/// recorded.
pub async fn handle(
    delivery: &Delivery,
    event: &Value,
    readers: Readers,
) -> Result<Value, DependencyError> {
    let records = event["Records"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if records.iter().any(|r| r["EventSource"] == "aws:sns") {
        return reports(delivery, records, readers.report).await;
    }
    Ok(deliveries(delivery, records, readers.image).await)
}

async fn deliveries(delivery: &Delivery, records: &[Value], read: ReadImage) -> Value {
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
            // A refused message is recorded and logged by the delivery.
            Ok(Delivered::Sent { .. } | Delivered::Expired | Delivered::Refused { .. }) => {}
            Ok(outcome) => info!(message = %item.key, ?outcome, "nothing to send"),
            Err(err) => {
                warn!(message = %item.key, error = %err, sequence, "delivery failed; handed back");
                failures.push(json!({ "itemIdentifier": sequence }));
            }
        }
    }
    json!({ "batchItemFailures": failures })
}

async fn reports(
    delivery: &Delivery,
    records: &[Value],
    read: ReadReport,
) -> Result<Value, DependencyError> {
    let mut recorded = 0;
    for record in records {
        let notification = &record["Sns"];
        let Some(report) = notification["Message"]
            .as_str()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .as_ref()
            .and_then(read)
        else {
            info!(
                sns_message = notification["MessageId"].as_str().unwrap_or(""),
                "not a report on one of this service's emails; skipped"
            );
            continue;
        };
        delivery.report(&report).await?;
        recorded += 1;
    }
    Ok(json!({ "recorded": recorded }))
}
