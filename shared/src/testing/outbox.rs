//! Senders that keep what they are given, for tests to read back.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::messages::{OutgoingEmail, OutgoingSms};
use crate::ports::{DependencyError, Mailer, Texter};

/// A texter that keeps what it is given.
#[derive(Default)]
pub struct SmsOutbox {
    sent: Mutex<Vec<OutgoingSms>>,
}

impl SmsOutbox {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<OutgoingSms> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Texter for SmsOutbox {
    async fn send(&self, sms: OutgoingSms) -> Result<(), DependencyError> {
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(sms);
        }
        Ok(())
    }
}

/// A mailer that keeps what it is given.
#[derive(Default)]
pub struct Outbox {
    sent: Mutex<Vec<OutgoingEmail>>,
    failing: Mutex<bool>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every later send fails.
    pub fn fail_from_now(&self) {
        if let Ok(mut failing) = self.failing.lock() {
            *failing = true;
        }
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: OutgoingEmail) -> Result<(), DependencyError> {
        if self.failing.lock().map(|f| *f).unwrap_or(false) {
            return Err(DependencyError::new("send_email", "MessageRejected"));
        }
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(email);
        }
        Ok(())
    }
}
