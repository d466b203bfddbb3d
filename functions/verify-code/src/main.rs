//! `GET /password/code` (the code form) and `POST /password/code`: exchange a
//! correct SMS code for a reset token. Wiring only; the logic is in the
//! `password-recovery` crate.

use lambda_http::Error;
use password_recovery::config::Function;
use password_recovery::{AppConfig, aws, http, wiring};

#[tokio::main]
async fn main() -> Result<(), Error> {
    password_recovery::logging::init();
    let config = AppConfig::from_env(Function::VerifyCode)?;
    let sdk = aws::load_sdk_config(Function::VerifyCode.name());
    let recovery = wiring::recovery(&sdk, &config);
    let (recovery, web_settings) = (&recovery, &config.web);
    http::serve(move |req| http::verify_code(recovery, web_settings, req)).await
}
