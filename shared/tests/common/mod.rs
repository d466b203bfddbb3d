//! The flows on in-memory ports, shared by the test files of this crate.

use std::sync::Arc;

use password_recovery::clock::{ManualClock, Timestamp};
use password_recovery::code::CodeSecret;
use password_recovery::config::{RecoverySettings, SmsSettings};
use password_recovery::flows::Recovery;
use password_recovery::in_memory::{self, InMemoryStore, Outbox, SmsOutbox};
use password_recovery::policy::PasswordPolicy;

pub const PAGE: &str = "https://id.example.com/password/reset";

/// The flows and the in-memory parts under them, with the clock at a fixed
/// instant and the settings as shipped.
pub struct World {
    pub recovery: Recovery,
    pub store: Arc<InMemoryStore>,
    pub outbox: Arc<Outbox>,
    pub texts: Arc<SmsOutbox>,
    pub clock: Arc<ManualClock>,
}

pub fn in_memory_world() -> World {
    let store = Arc::new(InMemoryStore::new());
    let outbox = Arc::new(Outbox::new());
    let texts = Arc::new(SmsOutbox::new());
    let clock = Arc::new(ManualClock::at(Timestamp::from_epoch_seconds(
        1_800_000_000,
    )));
    let settings = RecoverySettings {
        service_name: "Example".into(),
        reset_page_url: PAGE.into(),
        login_url: "https://app.example.com/login".into(),
        reset_token_lifetime_seconds: 3600,
        password_policy: PasswordPolicy::default(),
        sms: SmsSettings::shipped(CodeSecret::new(vec![42u8; 32])),
    };
    let recovery = in_memory::recovery(
        &store,
        outbox.clone(),
        texts.clone(),
        clock.clone(),
        settings,
    );
    World {
        recovery,
        store,
        outbox,
        texts,
        clock,
    }
}
