//! [`Publisher`] on Amazon EventBridge: `PutEvents` of one entry on the
//! product's bus, with the service as its `source`.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use super::{ClientSlot, dependency_error};
use recovery_core::ports::{DependencyError, MessageRef, Publisher};
use recovery_messages::{EVENT_SOURCE, OutgoingEvent};

/// Publishes on the bus named (a name or an ARN).
#[derive(Debug)]
pub struct EventBridgePublisher {
    client: ClientSlot<aws_sdk_eventbridge::Client>,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: String) -> Self {
        Self { client: ClientSlot::Ready(client), bus }
    }

    /// Builds the EventBridge client when the first event goes out.
    pub fn on_first_use(sdk: &SdkConfig, bus: String) -> Self {
        Self { client: ClientSlot::later(sdk, aws_sdk_eventbridge::Client::new), bus }
    }
}

#[async_trait]
impl Publisher for EventBridgePublisher {
    async fn publish(
        &self,
        event: OutgoingEvent,
        message: &MessageRef,
    ) -> Result<String, DependencyError> {
        const OP: &str = "publish_event";
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(event.detail_type)
            .detail(event.detail)
            .resources(format!("user/{}", message.user_id))
            .build();
        let put = self
            .client
            .get()
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|err| dependency_error(OP, &err))?;
        // PutEvents answers 200 when an entry fails; the entry says why.
        let entry = put.entries.unwrap_or_default().into_iter().next();
        match entry {
            Some(entry) if entry.error_code.is_none() => Ok(entry.event_id.unwrap_or_default()),
            Some(entry) => Err(DependencyError::new(
                OP,
                entry.error_code.unwrap_or_else(|| "FailedEntry".into()),
            )),
            None => Err(DependencyError::new(OP, "NoEntry")),
        }
    }
}
