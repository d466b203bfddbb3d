//! The product's sign-in check, invoked by its own backend (no public
//! route; IAM decides who may call it): `{"login", "password"}` in, whether
//! they open an account out. Wiring only; the logic is in the
//! `recovery-*` crates under `shared/`.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use recovery_edges::config::Function;
use recovery_edges::{FlowsConfig, credentials_event};
use recovery_wiring as wiring;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = FlowsConfig::from_env(Function::VerifyCredentials)?;
    let sdk = wiring::load_sdk_config(Function::VerifyCredentials.name());
    let recovery = wiring::recovery(&sdk, &config);
    let recovery = &recovery;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(credentials_event::handle(recovery, &event.payload).await)
    }))
    .await
}
