//! The AWS adapters: the only code that knows DynamoDB attribute names and SES
//! or SNS request shapes.

//!
//! DynamoDB is always linked. The SES and SNS clients are behind the `ses`
//! and `sns` crate features, so a function links only the clients it uses
//! (each SDK client adds about a megabyte to a package); without the feature
//! the port is a sender that fails every send with `NotLinked`.

pub mod dynamodb;
#[cfg(feature = "ses")]
pub mod ses;
#[cfg(feature = "sns")]
pub mod sns;

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::clock::SystemClock;
use crate::config::AppConfig;
use crate::flows::Recovery;
use crate::password::PasswordHasher;
use crate::ports::{DependencyError, Mailer, Texter};
use crate::random::OsRandom;

pub use dynamodb::DynamoDbStore;
#[cfg(feature = "ses")]
pub use ses::SesMailer;
#[cfg(feature = "sns")]
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
        codes: store,
        mailer: mailer(sdk, config),
        texter: texter(sdk, config),
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        hasher: PasswordHasher::owasp(),
        settings: config.recovery.clone(),
    }
}

#[cfg(feature = "ses")]
fn mailer(sdk: &SdkConfig, config: &AppConfig) -> Arc<dyn Mailer> {
    Arc::new(SesMailer::new(
        aws_sdk_sesv2::Client::new(sdk),
        config.mail_from.clone(),
    ))
}

#[cfg(not(feature = "ses"))]
fn mailer(_: &SdkConfig, _: &AppConfig) -> Arc<dyn Mailer> {
    Arc::new(NotLinked)
}

#[cfg(feature = "sns")]
fn texter(sdk: &SdkConfig, config: &AppConfig) -> Arc<dyn Texter> {
    Arc::new(SnsTexter::new(
        aws_sdk_sns::Client::new(sdk),
        config.sms_sender_id.clone(),
    ))
}

#[cfg(not(feature = "sns"))]
fn texter(_: &SdkConfig, _: &AppConfig) -> Arc<dyn Texter> {
    Arc::new(NotLinked)
}

/// The sender of a build without the `ses` or `sns` feature: every send
/// fails, and says why.
#[cfg(any(not(feature = "ses"), not(feature = "sns")))]
struct NotLinked;

#[cfg(not(feature = "ses"))]
#[async_trait::async_trait]
impl Mailer for NotLinked {
    async fn send(&self, _: crate::email::OutgoingEmail) -> Result<(), DependencyError> {
        Err(DependencyError::new("send_email", "NotLinked"))
    }
}

#[cfg(not(feature = "sns"))]
#[async_trait::async_trait]
impl Texter for NotLinked {
    async fn send(&self, _: crate::sms::OutgoingSms) -> Result<(), DependencyError> {
        Err(DependencyError::new("send_sms", "NotLinked"))
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
