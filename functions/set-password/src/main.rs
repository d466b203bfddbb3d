//! `GET /password/reset?token=...` (the form) and `POST /password/reset`:
//! redeem a reset token for a new password. Wiring only; the logic is in the
//! `recovery-*` crates under `shared/`.

use lambda_http::Error;
use recovery_edges::config::Function;
use recovery_edges::{FlowsConfig, http};
use recovery_wiring as wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = FlowsConfig::from_env(Function::SetPassword)?;
    let sdk = wiring::load_sdk_config(Function::SetPassword.name());
    let recovery = wiring::recovery(&sdk, &config);
    let recovery = &recovery;
    http::serve(move |req| http::reset_password(recovery, req)).await
}
