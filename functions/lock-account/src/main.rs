//! `GET /password/not-me?token=...` (what the link does) and
//! `POST /password/not-me` (lock the account): "This was not me", from the
//! notice that a password changed. It locks and audits and reads the
//! outbox key; it cannot hash or set a password. Wiring only; the logic is
//! in the `password-recovery` crate.

use lambda_http::Error;
use password_recovery::config::Function;
use password_recovery::{AppConfig, aws, http, wiring};

#[tokio::main]
async fn main() -> Result<(), Error> {
    password_recovery::logging::init();
    let config = AppConfig::from_env(Function::LockAccount)?;
    let sdk = aws::load_sdk_config(Function::LockAccount.name());
    let recovery = wiring::administration(&sdk, &config);
    let recovery = &recovery;
    http::serve(move |req| http::lock_account(recovery, req)).await
}
