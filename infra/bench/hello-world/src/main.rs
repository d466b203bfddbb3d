//! The baseline of the cold-start benchmark: a `lambda_runtime` function
//! that answers its event, built with the same profile and runtime set-up
//! (tokio, the default tracing subscriber) as the service's functions.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<Value, Error>(event.payload) }))
        .await
}
