//! `GET /password/code` (the code form) and `POST /password/code`: exchange a
//! correct SMS code for a reset token. Wiring only; the logic is in the
//! `recovery-*` crates under `shared/`.

use lambda_http::Error;
use recovery_edges::config::Function;
use recovery_edges::{FlowsConfig, http};
use recovery_wiring as wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = FlowsConfig::from_env(Function::VerifyCode)?;
    let sdk = wiring::load_sdk_config(Function::VerifyCode.name());
    let recovery = wiring::recovery(&sdk, &config);
    let recovery = &recovery;
    http::serve(move |req| http::verify_code(recovery, req)).await
}
