//! `GET /password/forgot` and `POST /password/forgot`: the "Forgot password"
//! step, by login or email (a link by email) or by phone number (a code by
//! SMS); and `/password/forgot-login`, "Forgot your login?". Wiring only;
//! the logic is in the `recovery-*` crates under `shared/`.

use lambda_http::Error;
use recovery_edges::config::Function;
use recovery_edges::{FlowsConfig, http};
use recovery_wiring as wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = FlowsConfig::from_env(Function::RequestReset)?;
    let sdk = wiring::load_sdk_config(Function::RequestReset.name());
    let recovery = wiring::recovery(&sdk, &config);
    let recovery = &recovery;
    http::serve(move |req| http::request_reset(recovery, req)).await
}
