//! [`Mailer`] on Amazon SES (API v2).

use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use aws_config::SdkConfig;

use super::{ClientSlot, dependency_error};
use crate::messages::OutgoingEmail;
use crate::ports::{DependencyError, Mailer};

/// Sends through SES `SendEmail` with a simple HTML + text message.
#[derive(Debug)]
pub struct SesMailer {
    client: ClientSlot<aws_sdk_sesv2::Client>,
    from: String,
}

impl SesMailer {
    pub fn new(client: aws_sdk_sesv2::Client, from: String) -> Self {
        Self {
            client: ClientSlot::Ready(client),
            from,
        }
    }

    /// Builds the SES client when the first email goes out.
    pub fn on_first_use(sdk: &SdkConfig, from: String) -> Self {
        Self {
            client: ClientSlot::later(sdk, aws_sdk_sesv2::Client::new),
            from,
        }
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
    async fn send(&self, email: OutgoingEmail) -> Result<String, DependencyError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(
                Body::builder()
                    .html(utf8(&email.html)?)
                    .text(utf8(&email.text)?)
                    .build(),
            )
            .build();
        let sent = self
            .client
            .get()
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .to_addresses(email.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|err| dependency_error("send_email", &err))?;
        Ok(sent.message_id.unwrap_or_default())
    }
}
