//! [`Texter`] on Amazon SNS: `Publish` straight to a phone number.

use async_trait::async_trait;
use aws_sdk_sns::types::MessageAttributeValue;

use aws_config::SdkConfig;

use super::{ClientSlot, send_error};
use recovery_core::ports::{DependencyError, Texter};
use recovery_messages::OutgoingSms;

/// SNS's refusals of one text for good (a number it calls invalid): the
/// delivery records them and does not try again. Throttling, the spend
/// limit or an unreachable endpoint are tried again.
const REFUSALS: &[&str] = &["InvalidParameter", "InvalidParameterValue"];

/// Sends transactional SMS (highest delivery priority), with a sender ID
/// where one is configured.
#[derive(Debug)]
pub struct SnsTexter {
    client: ClientSlot<aws_sdk_sns::Client>,
    sender_id: Option<String>,
}

impl SnsTexter {
    pub fn new(client: aws_sdk_sns::Client, sender_id: Option<String>) -> Self {
        Self { client: ClientSlot::Ready(client), sender_id }
    }

    /// Builds the SNS client when the first SMS goes out.
    pub fn on_first_use(sdk: &SdkConfig, sender_id: Option<String>) -> Self {
        Self { client: ClientSlot::later(sdk, aws_sdk_sns::Client::new), sender_id }
    }
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue, DependencyError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|_| DependencyError::new("send_sms", "ConstructionFailure"))
}

#[async_trait]
impl Texter for SnsTexter {
    async fn send(&self, sms: OutgoingSms) -> Result<String, DependencyError> {
        let mut publish = self
            .client
            .get()
            .publish()
            .phone_number(sms.to.as_e164())
            .message(&sms.text)
            .message_attributes("AWS.SNS.SMS.SMSType", string_attribute("Transactional")?);
        if let Some(sender_id) = &self.sender_id {
            publish =
                publish.message_attributes("AWS.SNS.SMS.SenderID", string_attribute(sender_id)?);
        }
        let sent = publish.send().await.map_err(|err| send_error("send_sms", &err, REFUSALS))?;
        Ok(sent.message_id.unwrap_or_default())
    }
}
