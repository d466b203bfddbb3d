//! The administrator's function, reached through its function URL
//! (`AuthType: AWS_IAM`): IAM decides who may call it, and the signer's ARN
//! is the audit trail's caller. A JSON action in, a JSON result out;
//! failures are results too. Wiring only; the logic is in the `recovery-*`
//! crates under `shared/`.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use recovery_edges::config::Function;
use recovery_edges::{FlowsConfig, admin_event};
use recovery_wiring as wiring;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = FlowsConfig::from_env(Function::AdminReset)?;
    let sdk = wiring::load_sdk_config(Function::AdminReset.name());
    let recovery = wiring::administration(&sdk, &config);
    let recovery = &recovery;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(
            admin_event::invocation(recovery, &event.payload, &event.context.request_id).await,
        )
    }))
    .await
}
