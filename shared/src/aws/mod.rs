//! The AWS adapters: the only code that knows DynamoDB attribute names and SES
//! or SNS request shapes.

pub mod dynamodb;
pub mod ses;
pub mod sns;

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::clock::SystemClock;
use crate::config::AppConfig;
use crate::flows::Recovery;
use crate::password::PasswordHasher;
use crate::ports::DependencyError;
use crate::random::OsRandom;

pub use dynamodb::DynamoDbStore;
pub use ses::SesMailer;
pub use sns::SnsTexter;

/// The SDK configuration from the standard environment (credentials, region,
/// and `AWS_ENDPOINT_URL` when an emulator is used). Load it once per cold
/// start. `app_name` goes into every request's user agent (`app/<name>`), so
/// CloudTrail, and the emulator's call log, tell the callers apart.
pub async fn load_sdk_config(app_name: &str) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    match aws_config::AppName::new(app_name.to_owned()) {
        Ok(name) => loader.app_name(name),
        Err(_) => loader,
    }
    .load()
    .await
}

/// The flows on DynamoDB, SES and SNS.
pub fn recovery(sdk: &SdkConfig, config: &AppConfig) -> Recovery {
    recovery_on(sdk, config, Arc::new(dynamodb_store(sdk, config)))
}

/// The administrator's actions on DynamoDB, SES and SNS: the flows and the
/// audit trail share one DynamoDB client.
pub fn administration(sdk: &SdkConfig, config: &AppConfig) -> crate::admin::Administration {
    let store = Arc::new(dynamodb_store(sdk, config));
    crate::admin::Administration {
        recovery: recovery_on(sdk, config, store.clone()),
        audit: store,
        settings: config.admin.clone(),
    }
}

fn dynamodb_store(sdk: &SdkConfig, config: &AppConfig) -> DynamoDbStore {
    DynamoDbStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        config.table_name.clone(),
    )
}

fn recovery_on(sdk: &SdkConfig, config: &AppConfig, store: Arc<DynamoDbStore>) -> Recovery {
    Recovery {
        users: store.clone(),
        tokens: store.clone(),
        codes: store.clone(),
        limiter: store,
        mailer: Arc::new(SesMailer::new(
            aws_sdk_sesv2::Client::new(sdk),
            config.mail_from.clone(),
        )),
        texter: Arc::new(SnsTexter::new(
            aws_sdk_sns::Client::new(sdk),
            config.sms_sender_id.clone(),
        )),
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        hasher: PasswordHasher::owasp(),
        settings: config.recovery.clone(),
    }
}

/// The error code of an SDK failure, without its message (which may quote
/// request values).
pub(crate) fn dependency_error<E: ProvideErrorMetadata, R>(
    operation: &'static str,
    err: &SdkError<E, R>,
) -> DependencyError {
    let code = match err {
        SdkError::ServiceError(service) => service.err().code().unwrap_or("ServiceError"),
        SdkError::TimeoutError(_) => "Timeout",
        SdkError::DispatchFailure(_) => "DispatchFailure",
        SdkError::ResponseError(_) => "ResponseError",
        SdkError::ConstructionFailure(_) => "ConstructionFailure",
        _ => "Unknown",
    };
    DependencyError::new(operation, code)
}
