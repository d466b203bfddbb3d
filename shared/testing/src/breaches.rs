//! A range API in memory: the breached passwords it knows, the prefixes it
//! was asked for, and a switch that makes it never answer.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use recovery_core::ports::{BreachedPasswords, DependencyError};
use sha1::{Digest, Sha1};

/// Answers as the Pwned Passwords range API does, padded.
#[derive(Default)]
pub struct RangeStandIn {
    /// Upper-case SHA-1 hex of each breached password.
    breached: Vec<String>,
    asked: Mutex<Vec<String>>,
    hangs: AtomicBool,
    fails: AtomicBool,
}

impl RangeStandIn {
    /// One that knows `passwords` as breached.
    pub fn knowing(passwords: &[&str]) -> Self {
        let breached = passwords
            .iter()
            .map(|p| recovery_domain::hex(&Sha1::digest(p.as_bytes())).to_ascii_uppercase())
            .collect();
        Self { breached, ..Self::default() }
    }

    /// Every prefix asked for, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// From now on, never answers.
    pub fn hang(&self) {
        self.hangs.store(true, Ordering::SeqCst);
    }

    /// From now on, answers with an error.
    pub fn fail(&self) {
        self.fails.store(true, Ordering::SeqCst);
    }
}

#[async_trait]
impl BreachedPasswords for RangeStandIn {
    async fn range(&self, prefix: &str) -> Result<String, DependencyError> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).push(prefix.to_owned());
        if self.hangs.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if self.fails.load(Ordering::SeqCst) {
            return Err(DependencyError::new("breach_range", "Status503"));
        }
        let mut lines: Vec<String> = (self.breached.iter())
            .filter(|hash| hash.starts_with(prefix))
            .map(|hash| format!("{}:{}", &hash[5..], 42))
            .collect();
        // Padding: suffixes seen by nobody.
        lines.extend((0..20).map(|i| format!("{:035X}:0", i * 7919)));
        Ok(lines.join("\r\n"))
    }
}
