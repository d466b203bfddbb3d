//! Builds the service from its AWS parts, once per cold start: the store
//! ports on the function's table, the outbox key and the SMS code key from
//! their secrets (read concurrently, started at cold start, awaited where a
//! flow first needs a key, and read again as `Keys` says), SES and SNS
//! senders (as
//! linked), the system clock, and the settings the function read. The only
//! code that puts adapters and flows together.

use std::sync::Arc;

use aws_config::SdkConfig;
use tracing::error;

use recovery_aws as aws;
use recovery_core::flows::{
    Administration, Delivery, Funnel, KeySet, Keys, Read, ReadKeys, Recovery, SmsGuard,
};
use recovery_core::ports::{BreachedPasswords, DependencyError, Metrics, NoMetrics};
use recovery_domain::{
    Clock, MIN_ORIGIN_SECRET_BYTES, MIN_SECRET_BYTES, OsRandom, SystemClock, WeakOutboxSecret,
};
use recovery_edges::config::{DeliveryConfig, FlowsConfig, SecretIds};
use recovery_edges::delivery_event::Readers;
use recovery_edges::metrics::EmfLog;

pub use recovery_aws::load_sdk_config;

/// How the deliver function reads its events: outbox items from the
/// table's stream images, SES's reports from SNS notifications.
pub fn delivery_readers() -> Readers {
    Readers {
        image: aws::outbox_item_from_stream_image,
        report: aws::delivery_report_from_ses_event,
    }
}

/// Keys that cannot be read. Names what failed, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("the outbox secret could not be read: {0}")]
    Secret(#[from] DependencyError),
    #[error("OUTBOX_SECRET_ARN: {0}")]
    WeakSecret(#[from] WeakOutboxSecret),
    #[error("SMS_CODE_SECRET_ARN: the secret must be at least {MIN_SECRET_BYTES} bytes")]
    WeakCodeSecret,
    #[error("EDGE_SECRET_ARN: the secret must be at least {MIN_ORIGIN_SECRET_BYTES} bytes")]
    WeakOriginSecret,
}

/// The self-service flows on DynamoDB, configured by `config`, without the
/// audit trail, with the keys being read (see [`reading_keys`]).
pub fn recovery(sdk: &SdkConfig, config: &FlowsConfig) -> Recovery {
    let recovery = Recovery::new(
        Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        Arc::new(SystemClock),
        config.recovery.clone(),
        reading_keys(sdk, config.secrets.clone()),
    )
    .with_metrics(metrics(config.metrics_namespace.as_deref()));
    match breaches(config) {
        Some(api) => recovery.with_breaches(api),
        None => recovery,
    }
}

/// The metrics as EMF lines in the log under `namespace`; none when it is
/// off.
fn metrics(namespace: Option<&str>) -> Arc<dyn Metrics> {
    match namespace {
        Some(namespace) => Arc::new(EmfLog::new(namespace)),
        None => Arc::new(NoMetrics),
    }
}

/// The range API new passwords are checked against, when the function
/// links it (feature `breaches`) and `BREACHED_PASSWORDS_URL` names one.
fn breaches(config: &FlowsConfig) -> Option<Arc<dyn BreachedPasswords>> {
    #[cfg(feature = "breaches")]
    if let Some(url) = &config.breached_passwords {
        match recovery_breaches::RangeApi::new(url) {
            Ok(api) => return Some(Arc::new(api)),
            Err(_) => {
                error!("BREACHED_PASSWORDS_URL cannot be asked; new passwords are not checked")
            }
        }
    }
    let _ = config;
    None
}

/// As [`recovery`], with the administrator's actions and their audit trail
/// on the same table.
pub fn administration(sdk: &SdkConfig, config: &FlowsConfig) -> Administration {
    let administration = Administration::new(
        Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        Arc::new(SystemClock),
        config.recovery.clone(),
        reading_keys(sdk, config.secrets.clone()),
    )
    .with_metrics(metrics(config.metrics_namespace.as_deref()));
    match breaches(config) {
        Some(api) => administration.with_breaches(api),
        None => administration,
    }
}

/// The delivery of outbox messages: the outbox on DynamoDB, SES and SNS
/// (as linked), and the outbox key being read.
pub fn delivery(sdk: &SdkConfig, config: &DeliveryConfig) -> Delivery {
    let store = Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let funnel = Funnel::new(store.clone(), Arc::new(OsRandom), clock.clone())
        .with_metrics(metrics(config.metrics_namespace.as_deref()));
    Delivery {
        funnel,
        guard: SmsGuard::new(store.clone()).with_audit(store.clone()),
        outbox: store,
        mailer: aws::mailer(sdk, config.mail_from.clone(), config.email_configuration_set.clone()),
        texter: aws::texter(sdk, config.sms_sender_id.clone()),
        publisher: aws::publisher(sdk, config.event_bus_name.clone()),
        clock,
        keys: reading_keys(sdk, config.secrets.clone()),
        sms: config.sms.clone(),
    }
}

/// The outbox key and the SMS code key from the secrets `ids` names (each
/// only where named; both read at once), the read started now, on the runtime
/// this runs on: it goes on while the function asks Lambda for its first
/// event and runs that event's first store calls, and a flow awaits it only
/// where it first needs a key. Must be called inside the tokio runtime. A
/// first read that fails is logged and fails the request that awaited it;
/// the next request reads again. Read again after `ids.refresh_every`, and
/// with the previous versions for a version not held ([`Keys`]).
pub fn reading_keys(sdk: &SdkConfig, ids: SecretIds) -> Keys {
    let sdk = sdk.clone();
    let refresh_every = ids.refresh_every;
    let read: ReadKeys = Box::new(move |what| {
        let (sdk, ids) = (sdk.clone(), ids.clone());
        Box::pin(async move {
            keys(&sdk, &ids, what).await.map_err(|err| {
                error!(error = %err, "the keys could not be read");
                err.into_dependency()
            })
        })
    });
    Keys::reading(read, refresh_every)
}

impl WiringError {
    /// As the flows see it: a dependency that failed, named by code.
    fn into_dependency(self) -> DependencyError {
        match self {
            Self::Secret(err) => err,
            Self::WeakSecret(_) => DependencyError::new("outbox_key", "WeakSecret"),
            Self::WeakCodeSecret => DependencyError::new("sms_code", "WeakSecret"),
            Self::WeakOriginSecret => DependencyError::new("edge_secret", "WeakSecret"),
        }
    }
}

#[cfg(feature = "secrets")]
async fn keys(sdk: &SdkConfig, ids: &SecretIds, what: Read) -> Result<KeySet, WiringError> {
    use recovery_core::flows::Versions;
    use recovery_domain::{CodeSecret, OriginSecret, OutboxKey};
    use secrecy::ExposeSecret;
    let names = [ids.outbox.as_deref(), ids.sms_code.as_deref(), ids.edge.as_deref()];
    let [outbox, code, edge] =
        aws::read_secrets(sdk, names, what == Read::CurrentAndPrevious).await;
    // A key from each version read; a previous version too weak to derive
    // a key from opens nothing.
    fn versions<K>(
        read: Option<aws::SecretVersions>,
        key: impl Fn(&aws::SecretBytes) -> Result<K, WiringError>,
    ) -> Result<Option<Versions<K>>, WiringError> {
        let Some(read) = read else { return Ok(None) };
        let previous = read.previous.as_ref().and_then(|text| key(text).ok());
        Ok(Some(Versions { current: key(&read.current)?, previous }))
    }
    let outbox =
        versions(outbox?, |text| Ok(OutboxKey::derive(text.expose_secret()).map(Arc::new)?))?;
    let code = versions(code?, |text| {
        CodeSecret::new(text.expose_secret().clone()).ok_or(WiringError::WeakCodeSecret)
    })?;
    let origin = versions(edge?, |text| {
        OriginSecret::new(text.expose_secret().clone()).ok_or(WiringError::WeakOriginSecret)
    })?;
    Ok(KeySet { outbox, code, origin })
}

#[cfg(not(feature = "secrets"))]
async fn keys(_: &SdkConfig, ids: &SecretIds, _: Read) -> Result<KeySet, WiringError> {
    if ids.outbox.is_none() && ids.sms_code.is_none() && ids.edge.is_none() {
        return Ok(KeySet::default());
    }
    Err(DependencyError::new("get_secret_value", "NotLinked").into())
}
