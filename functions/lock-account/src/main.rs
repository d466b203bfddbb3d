//! `GET /password/not-me?token=...` (what the link does) and
//! `POST /password/not-me` (lock the account): "This was not me", from the
//! notice that a password changed. It locks and audits and reads the
//! outbox key; it cannot hash or set a password. Wiring only; the logic is
//! in the `recovery-*` crates under `shared/`.

use lambda_http::Error;
use recovery_edges::config::Function;
use recovery_edges::{FlowsConfig, http};
use recovery_wiring as wiring;

#[tokio::main]
async fn main() -> Result<(), Error> {
    recovery_edges::logging::init();
    let config = FlowsConfig::from_env(Function::LockAccount)?;
    let sdk = wiring::load_sdk_config(Function::LockAccount.name());
    let recovery = wiring::administration(&sdk, &config);
    let recovery = &recovery;
    http::serve(move |req| http::lock_account(recovery, req)).await
}
