//! [`Mailer`] on Amazon SES (API v2).

use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};

use aws_config::SdkConfig;

use super::ses_feedback::message_tags;
use super::{ClientSlot, send_error};
use recovery_core::ports::{DependencyError, Mailer, MessageRef};
use recovery_messages::OutgoingEmail;

/// SES's refusals of one email for good (an address or a content it will
/// not take; `InvalidParameterValue` is the emulator's): the delivery
/// records them and does not try again. `MessageRejected` is tried again:
/// SES answers it for an unverified sender too, which a fix ends.
/// Throttling, a paused account or an unreachable endpoint are tried
/// again.
const REFUSALS: &[&str] = &["BadRequestException", "InvalidParameterValue"];

/// Sends through SES `SendEmail` with a simple HTML + text message, in the
/// configuration set whose events report what became of it, tagged with
/// the outbox message it carries.
#[derive(Debug)]
pub struct SesMailer {
    client: ClientSlot<aws_sdk_sesv2::Client>,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client, from: String) -> Self {
        Self { client: ClientSlot::Ready(client), from, configuration_set: None }
    }

    /// Builds the SES client when the first email goes out.
    pub fn on_first_use(sdk: &SdkConfig, from: String) -> Self {
        Self {
            client: ClientSlot::later(sdk, aws_sdk_sesv2::Client::new),
            from,
            configuration_set: None,
        }
    }

    /// Sends in the configuration set `name` (its event destination reports
    /// deliveries, bounces, complaints and rejections).
    pub fn in_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name;
        self
    }
}

fn utf8(data: &str) -> Result<Content, DependencyError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|_| DependencyError::new("send_email", "ConstructionFailure"))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(
        &self,
        email: OutgoingEmail,
        reference: &MessageRef,
    ) -> Result<String, DependencyError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().html(utf8(&email.html)?).text(utf8(&email.text)?).build())
            .build();
        let sent = self
            .client
            .get()
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .set_email_tags(Some(tags(reference)?))
            .send()
            .await
            .map_err(|err| send_error("send_email", &err, REFUSALS))?;
        Ok(sent.message_id.unwrap_or_default())
    }
}

fn tags(reference: &MessageRef) -> Result<Vec<MessageTag>, DependencyError> {
    message_tags(reference)
        .into_iter()
        .map(|(name, value)| {
            MessageTag::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|_| DependencyError::new("send_email", "ConstructionFailure"))
        })
        .collect()
}
