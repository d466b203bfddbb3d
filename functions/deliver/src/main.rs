//! The delivery stage, triggered by the table's stream (filtered to new
//! outbox messages): opens each message, sends it through SES or SNS once,
//! and answers which records to hand over again. Also subscribed to the
//! topic of SES's events: records deliveries, bounces and complaints.
//! Wiring only; the logic is in the `recovery-*` crates under `shared/`.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use recovery_edges::config::Function;
use recovery_edges::{DeliveryConfig, delivery_event};
use recovery_wiring as wiring;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = DeliveryConfig::from_env()?;
    let sdk = wiring::load_sdk_config(Function::Deliver.name());
    let delivery = wiring::delivery(&sdk, &config);
    let delivery = &delivery;
    let readers = wiring::delivery_readers();
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(delivery_event::handle(delivery, &event.payload, readers).await?)
    }))
    .await
}
