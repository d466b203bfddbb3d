//! Builds the service from its AWS parts, once per cold start: the store
//! ports on the function's table, the outbox key and the SMS code key from
//! their secrets (read concurrently, once), SES and SNS senders (as
//! linked), the system clock, and the settings the function read. The only
//! code that puts adapters and flows together.

use std::sync::Arc;

use aws_config::SdkConfig;

use crate::aws;
use crate::config::{AppConfig, RecoverySettings};
use crate::domain::{CodeSecret, MIN_SECRET_BYTES, OutboxKey, SystemClock, WeakOutboxSecret};
use crate::flows::{Delivery, Recovery};
use crate::ports::DependencyError;

/// A cold start that cannot build the service. Names what failed, never a
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("the outbox secret could not be read: {0}")]
    Secret(#[from] DependencyError),
    #[error("OUTBOX_SECRET_ARN: {0}")]
    WeakSecret(#[from] WeakOutboxSecret),
    #[error("SMS_CODE_SECRET_ARN: the secret must be at least {MIN_SECRET_BYTES} bytes")]
    WeakCodeSecret,
}

/// The self-service flows on DynamoDB, configured by `config`, without the
/// audit trail; with the outbox key when the function seals messages.
pub async fn recovery(sdk: &SdkConfig, config: &AppConfig) -> Result<Recovery, WiringError> {
    Ok(Recovery::without_audit(
        Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        Arc::new(SystemClock),
        settings(sdk, config).await?,
    ))
}

/// As [`recovery`], with the administrator's actions and their audit trail
/// on the same table.
pub async fn administration(sdk: &SdkConfig, config: &AppConfig) -> Result<Recovery, WiringError> {
    Ok(Recovery::new(
        Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        Arc::new(SystemClock),
        settings(sdk, config).await?,
    ))
}

/// The delivery of outbox messages: the outbox on DynamoDB, SES and SNS
/// (as linked), and the outbox key.
pub async fn delivery(sdk: &SdkConfig, config: &AppConfig) -> Result<Delivery, WiringError> {
    Ok(Delivery {
        outbox: Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        mailer: aws::mailer(
            sdk,
            config.mail_from.clone(),
            config.email_configuration_set.clone(),
        ),
        texter: aws::texter(sdk, config.sms_sender_id.clone()),
        publisher: aws::publisher(sdk, config.event_bus_name.clone()),
        clock: Arc::new(SystemClock),
        key: outbox_key(sdk, &config.outbox_secret_id).await?,
    })
}

/// The function's settings, with the outbox key and the SMS code key when
/// it reads them (both secrets at once: one round trip of cold start).
async fn settings(sdk: &SdkConfig, config: &AppConfig) -> Result<RecoverySettings, WiringError> {
    let mut settings = config.recovery.clone();
    let (outbox, code) = keys(sdk, &config.outbox_secret_id, &config.sms_code_secret_id).await?;
    settings.outbox_key = outbox;
    if code.is_some() {
        settings.sms.code_secret = code;
    }
    Ok(settings)
}

/// The outbox key and the SMS code key from the secrets named (none for an
/// empty name), both read at once.
#[cfg(feature = "secrets")]
async fn keys(
    sdk: &SdkConfig,
    outbox_secret_id: &str,
    code_secret_id: &str,
) -> Result<(Option<Arc<OutboxKey>>, Option<CodeSecret>), WiringError> {
    use secrecy::ExposeSecret;
    let [outbox, code] = aws::read_secrets(sdk, [outbox_secret_id, code_secret_id]).await;
    let outbox = match outbox? {
        Some(text) => Some(Arc::new(OutboxKey::derive(text.expose_secret())?)),
        None => None,
    };
    let code = match code? {
        Some(text) => {
            Some(CodeSecret::new(text.expose_secret().clone()).ok_or(WiringError::WeakCodeSecret)?)
        }
        None => None,
    };
    Ok((outbox, code))
}

#[cfg(not(feature = "secrets"))]
async fn keys(
    _: &SdkConfig,
    outbox_secret_id: &str,
    code_secret_id: &str,
) -> Result<(Option<Arc<OutboxKey>>, Option<CodeSecret>), WiringError> {
    if outbox_secret_id.is_empty() && code_secret_id.is_empty() {
        return Ok((None, None));
    }
    Err(DependencyError::new("get_secret_value", "NotLinked").into())
}

#[cfg(feature = "secrets")]
async fn outbox_key(sdk: &SdkConfig, secret_id: &str) -> Result<Arc<OutboxKey>, WiringError> {
    use secrecy::ExposeSecret;
    let secret = aws::read_secret(sdk, secret_id).await?;
    Ok(Arc::new(OutboxKey::derive(secret.expose_secret())?))
}

#[cfg(not(feature = "secrets"))]
async fn outbox_key(_: &SdkConfig, _: &str) -> Result<Arc<OutboxKey>, WiringError> {
    Err(DependencyError::new("get_secret_value", "NotLinked").into())
}
