//! `GET /password/reset?token=...` (the form) and `POST /password/reset`:
//! redeem a reset token for a new password. Wiring only; the logic is in the
//! `password-recovery` crate.

use lambda_http::Error;
use password_recovery::config::Function;
use password_recovery::{AppConfig, aws, http, wiring};

#[tokio::main]
async fn main() -> Result<(), Error> {
    password_recovery::logging::init();
    let config = AppConfig::from_env(Function::SetPassword)?;
    let sdk = aws::load_sdk_config(Function::SetPassword.name());
    let recovery = wiring::recovery(&sdk, &config);
    let (recovery, web_settings) = (&recovery, &config.web);
    http::serve(move |req| http::reset_password(recovery, web_settings, req)).await
}
