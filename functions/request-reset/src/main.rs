//! `GET /password/forgot` and `POST /password/forgot`: the "Forgot password"
//! step, by login or email (a link by email) or by phone number (a code by
//! SMS). Wiring only; the logic is in the `password-recovery` crate.

use lambda_http::{Error, Request, run, service_fn};
use password_recovery::config::Function;
use password_recovery::{AppConfig, aws, http, wiring};

#[tokio::main]
async fn main() -> Result<(), Error> {
    password_recovery::logging::init();
    let config = AppConfig::from_env(Function::RequestReset)?;
    config.require_sms_code_secret()?;
    let sdk = aws::load_sdk_config(Function::RequestReset.name());
    let recovery = wiring::recovery(&sdk, &config).await?;
    let (recovery, web_settings) = (&recovery, &config.web);
    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(http::forgot_password(recovery, web_settings, req).await)
    }))
    .await
}
