//! The AWS adapters: the ports on DynamoDB (`dynamodb`), SES (`ses`), SNS
//! (`sns`) and EventBridge (`events`), the secrets read at cold start (`secrets`, Secrets
//! Manager), the SDK configuration they share (`sdk`), and the only code
//! that knows an AWS SDK.
//!
//! DynamoDB is always linked. The SES and SNS clients are behind the `ses`
//! and `sns` crate features, so a function links only the clients it uses
//! (each SDK client adds about a megabyte to a package); without the feature
//! the port is a sender that fails every send with `NotLinked`.

pub mod dynamodb;
#[cfg(feature = "events")]
mod events;
mod sdk;
#[cfg(feature = "secrets")]
mod secrets;
#[cfg(feature = "ses")]
mod ses;
mod ses_feedback;
#[cfg(feature = "sns")]
mod sns;

use std::sync::Arc;
#[cfg(any(feature = "ses", feature = "sns", feature = "events"))]
use std::sync::OnceLock;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use recovery_core::ports::{DependencyError, Mailer, Publisher, Texter};

pub use dynamodb::{
    DynamoDbStore, OUTBOX_PREFIX, PK, outbox_item_from_stream_image, outbox_stream_image,
    stream_image,
};
#[cfg(feature = "events")]
pub use events::EventBridgePublisher;
pub use recovery_https::Roots;
pub use sdk::{AWS_ROOTS, https_client, load_sdk_config, sdk_config_from};
#[cfg(feature = "secrets")]
pub use secrets::{SecretBytes, SecretVersions, read_secret, read_secrets};
#[cfg(feature = "ses")]
pub use ses::SesMailer;
pub use ses_feedback::{MESSAGE_TAG, USER_TAG, delivery_report_from_ses_event, message_tags};
#[cfg(feature = "sns")]
pub use sns::SnsTexter;

/// The mailer of this build: SES from `from`, its client built when the
/// first email goes out; without the `ses` feature, one that fails.
#[cfg(feature = "ses")]
pub fn mailer(sdk: &SdkConfig, from: String, configuration_set: Option<String>) -> Arc<dyn Mailer> {
    Arc::new(SesMailer::on_first_use(sdk, from).in_configuration_set(configuration_set))
}

#[cfg(not(feature = "ses"))]
pub fn mailer(_: &SdkConfig, _: String, _: Option<String>) -> Arc<dyn Mailer> {
    Arc::new(NotLinked)
}

/// The texter of this build: SNS with `sender_id`, its client built when the
/// first SMS goes out; without the `sns` feature, one that fails.
#[cfg(feature = "sns")]
pub fn texter(sdk: &SdkConfig, sender_id: Option<String>) -> Arc<dyn Texter> {
    Arc::new(SnsTexter::on_first_use(sdk, sender_id))
}

#[cfg(not(feature = "sns"))]
pub fn texter(_: &SdkConfig, _: Option<String>) -> Arc<dyn Texter> {
    Arc::new(NotLinked)
}

/// The publisher of this build: EventBridge on `bus`, its client built when
/// the first event goes out; without the `events` feature, one that fails.
#[cfg(feature = "events")]
pub fn publisher(sdk: &SdkConfig, bus: String) -> Arc<dyn Publisher> {
    Arc::new(EventBridgePublisher::on_first_use(sdk, bus))
}

#[cfg(not(feature = "events"))]
pub fn publisher(_: &SdkConfig, _: String) -> Arc<dyn Publisher> {
    Arc::new(NotLinked)
}

/// The sender of a build without the `ses`, `sns` or `events` feature:
/// every send fails, and says why.
#[cfg(any(not(feature = "ses"), not(feature = "sns"), not(feature = "events")))]
struct NotLinked;

#[cfg(not(feature = "events"))]
#[async_trait::async_trait]
impl Publisher for NotLinked {
    async fn publish(
        &self,
        _: recovery_messages::OutgoingEvent,
        _: &recovery_core::ports::MessageRef,
    ) -> Result<String, DependencyError> {
        Err(DependencyError::new("publish_event", "NotLinked"))
    }
}

#[cfg(not(feature = "ses"))]
#[async_trait::async_trait]
impl Mailer for NotLinked {
    async fn send(
        &self,
        _: recovery_messages::OutgoingEmail,
        _: &recovery_core::ports::MessageRef,
    ) -> Result<String, DependencyError> {
        Err(DependencyError::new("send_email", "NotLinked"))
    }
}

#[cfg(not(feature = "sns"))]
#[async_trait::async_trait]
impl Texter for NotLinked {
    async fn send(&self, _: recovery_messages::OutgoingSms) -> Result<String, DependencyError> {
        Err(DependencyError::new("send_sms", "NotLinked"))
    }
}

/// An SDK client made on first use: a request that sends no email never
/// builds the SES client (each client builds its own TLS configuration), and
/// neither does a cold start.
#[cfg(any(feature = "ses", feature = "sns", feature = "events"))]
#[derive(Debug)]
pub(crate) enum ClientSlot<C> {
    Ready(C),
    Later { sdk: Box<SdkConfig>, make: fn(&SdkConfig) -> C, client: OnceLock<C> },
}

#[cfg(any(feature = "ses", feature = "sns", feature = "events"))]
impl<C> ClientSlot<C> {
    pub(crate) fn later(sdk: &SdkConfig, make: fn(&SdkConfig) -> C) -> Self {
        Self::Later { sdk: Box::new(sdk.clone()), make, client: OnceLock::new() }
    }

    pub(crate) fn get(&self) -> &C {
        match self {
            Self::Ready(client) => client,
            Self::Later { sdk, make, client } => client.get_or_init(|| make(sdk)),
        }
    }
}

/// The error code of an SDK failure, without its message (which may quote
/// request values); refused for good when the service called the request
/// invalid.
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
    match code {
        // The request itself is invalid (an item past DynamoDB's size
        // limit): the same request never succeeds.
        "ValidationException" => DependencyError::refused(operation, code),
        _ => DependencyError::new(operation, code),
    }
}

/// As [`dependency_error`], refused for good when the service's error code
/// is one of `refusals` (it refused this request, not every request).
#[cfg(any(feature = "ses", feature = "sns"))]
pub(crate) fn send_error<E: ProvideErrorMetadata, R>(
    operation: &'static str,
    err: &SdkError<E, R>,
    refusals: &[&str],
) -> DependencyError {
    let err = dependency_error(operation, err);
    match refusals.contains(&err.code.as_str()) {
        true => DependencyError::refused(operation, err.code),
        false => err,
    }
}

#[cfg(all(test, any(feature = "ses", feature = "sns")))]
mod tests {
    use super::*;

    #[test]
    fn a_client_slot_builds_its_client_once_and_only_when_asked() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static BUILT: AtomicUsize = AtomicUsize::new(0);
        let slot = ClientSlot::later(&sdk_config_from(|_| None, "test"), |_| {
            BUILT.fetch_add(1, Ordering::SeqCst);
            7
        });
        assert_eq!(BUILT.load(Ordering::SeqCst), 0);
        assert_eq!((*slot.get(), *slot.get()), (7, 7));
        assert_eq!(BUILT.load(Ordering::SeqCst), 1);
    }
}
