//! The delivery stage, triggered by the table's stream (filtered to new
//! outbox messages): opens each message, sends it through SES or SNS once,
//! and answers which records to hand over again. Also subscribed to the
//! topic of SES's events: records deliveries, bounces and complaints.
//! Wiring only; the logic is in the `password-recovery` crate.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use password_recovery::config::Function;
use password_recovery::delivery_event::Readers;
use password_recovery::{AppConfig, aws, delivery_event, wiring};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    password_recovery::logging::init();
    let config = AppConfig::from_env(Function::Deliver)?;
    let sdk = aws::load_sdk_config(Function::Deliver.name());
    let delivery = wiring::delivery(&sdk, &config);
    let delivery = &delivery;
    let readers = Readers {
        image: aws::outbox_item_from_stream_image,
        report: aws::delivery_report_from_ses_event,
    };
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(delivery_event::handle(delivery, &event.payload, readers).await?)
    }))
    .await
}
