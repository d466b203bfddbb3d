//! Senders that keep what they are given, for tests to read back.

use std::sync::Mutex;

use async_trait::async_trait;

use recovery_core::ports::{DependencyError, Mailer, MessageRef, Publisher, Texter};
use recovery_messages::{OutgoingEmail, OutgoingEvent, OutgoingSms};

/// A texter that keeps what it is given.
#[derive(Default)]
pub struct SmsSink {
    sent: Mutex<Vec<OutgoingSms>>,
    refused: Mutex<Vec<String>>,
}

impl SmsSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<OutgoingSms> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Texts to `e164` are refused for good, as SNS refuses some numbers.
    pub fn refuse(&self, e164: &str) {
        self.refused.lock().unwrap_or_else(|p| p.into_inner()).push(e164.to_owned());
    }
}

#[async_trait]
impl Texter for SmsSink {
    async fn send(&self, sms: OutgoingSms) -> Result<String, DependencyError> {
        if self.refused.lock().is_ok_and(|r| r.iter().any(|n| n == sms.to.as_e164())) {
            return Err(DependencyError::refused("send_sms", "InvalidParameter"));
        }
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.push(sms);
        Ok(format!("sms-{}", sent.len()))
    }
}

/// A mailer that keeps what it is given.
#[derive(Default)]
pub struct MailSink {
    sent: Mutex<Vec<OutgoingEmail>>,
    references: Mutex<Vec<MessageRef>>,
    failing: Mutex<bool>,
    refused: Mutex<Vec<String>>,
}

impl MailSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The outbox message each sent email carried, in order.
    pub fn references(&self) -> Vec<MessageRef> {
        self.references.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Every later send fails (`true`), or works again (`false`).
    pub fn set_failing(&self, failing: bool) {
        if let Ok(mut flag) = self.failing.lock() {
            *flag = failing;
        }
    }

    /// Emails to `address` are refused for good, as SES refuses some.
    pub fn refuse(&self, address: &str) {
        self.refused.lock().unwrap_or_else(|p| p.into_inner()).push(address.to_owned());
    }
}

#[async_trait]
impl Mailer for MailSink {
    async fn send(
        &self,
        email: OutgoingEmail,
        message: &MessageRef,
    ) -> Result<String, DependencyError> {
        if self.failing.lock().map(|f| *f).unwrap_or(false) {
            return Err(DependencyError::new("send_email", "MessageRejected"));
        }
        if self.refused.lock().is_ok_and(|r| r.iter().any(|a| a == email.to.as_str())) {
            return Err(DependencyError::refused("send_email", "BadRequestException"));
        }
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.push(email);
        if let Ok(mut references) = self.references.lock() {
            references.push(message.clone());
        }
        Ok(format!("email-{}", sent.len()))
    }
}

/// A bus that keeps what is published on it.
#[derive(Default)]
pub struct EventSink {
    published: Mutex<Vec<OutgoingEvent>>,
}

impl EventSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn published(&self) -> Vec<OutgoingEvent> {
        self.published.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Publisher for EventSink {
    async fn publish(
        &self,
        event: OutgoingEvent,
        _: &MessageRef,
    ) -> Result<String, DependencyError> {
        let mut published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        published.push(event);
        Ok(format!("event-{}", published.len()))
    }
}

/// Metrics that keep every measure recorded.
#[derive(Default)]
pub struct MetricSink {
    recorded: Mutex<Vec<recovery_domain::Measure>>,
}

impl MetricSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn recorded(&self) -> Vec<recovery_domain::Measure> {
        self.recorded.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl recovery_core::ports::Metrics for MetricSink {
    fn record(&self, measure: recovery_domain::Measure) {
        self.recorded.lock().unwrap_or_else(|p| p.into_inner()).push(measure);
    }
}
