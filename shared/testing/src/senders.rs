//! Senders that keep what they are given, for tests to read back.

use std::sync::Mutex;

use async_trait::async_trait;

use recovery_core::ports::{DependencyError, Mailer, MessageRef, Publisher, Texter};
use recovery_messages::{OutgoingEmail, OutgoingEvent, OutgoingSms};

/// A texter that keeps what it is given.
#[derive(Default)]
pub struct SmsSink {
    sent: Mutex<Vec<OutgoingSms>>,
}

impl SmsSink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<OutgoingSms> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Texter for SmsSink {
    async fn send(&self, sms: OutgoingSms) -> Result<String, DependencyError> {
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
