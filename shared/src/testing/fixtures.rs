//! Fixtures: settings as the tests run them, the flows on in-memory parts,
//! accounts to create, and the token in a link.

use std::sync::Arc;

use super::{InMemoryStore, ManualClock, Outbox, SmsOutbox};
use crate::config::{AdminSettings, RecoverySettings, SmsSettings};
use crate::domain::{
    Clock, CodeSecret, EmailAddress, LoginName, NewAccount, OsRandom, Password, PasswordHash,
    PasswordHasher, PasswordPolicy, PhoneNumber, SystemClock, Timestamp, UserAccount, UserId,
};
use crate::flows::Recovery;
use crate::ports::UserStore;

/// The reset page of [`settings`].
pub const PAGE: &str = "https://id.example.com/password/reset";

/// Settings as shipped, for a service called "Example" whose reset page is
/// [`PAGE`], with an SMS code secret and a day's audit retention.
pub fn settings() -> RecoverySettings {
    RecoverySettings {
        service_name: "Example".into(),
        reset_page_url: PAGE.into(),
        login_url: "https://app.example.com/login".into(),
        reset_token_lifetime_seconds: 3600,
        password_policy: PasswordPolicy::default(),
        sms: SmsSettings::shipped(CodeSecret::new(vec![42u8; 32])),
        admin: AdminSettings {
            audit_retention_seconds: 86_400,
            ..AdminSettings::shipped()
        },
    }
}

/// The flows and the in-memory parts under them, with the clock at a fixed
/// instant.
pub struct World {
    pub recovery: Recovery,
    pub store: Arc<InMemoryStore>,
    pub outbox: Arc<Outbox>,
    pub texts: Arc<SmsOutbox>,
    pub clock: Arc<ManualClock>,
}

impl World {
    /// With [`settings`].
    pub fn new() -> Self {
        Self::with_settings(settings())
    }

    pub fn with_settings(settings: RecoverySettings) -> Self {
        let store = Arc::new(InMemoryStore::new());
        let outbox = Arc::new(Outbox::new());
        let texts = Arc::new(SmsOutbox::new());
        let clock = Arc::new(ManualClock::at(Timestamp::from_epoch_seconds(
            1_800_000_000,
        )));
        let recovery = Recovery::new(
            store.clone(),
            outbox.clone(),
            texts.clone(),
            clock.clone(),
            settings,
        );
        Self {
            recovery,
            store,
            outbox,
            texts,
            clock,
        }
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

/// An account to create, described by what a test cares about.
#[derive(Debug, Clone, Default)]
pub struct TestAccount {
    login: String,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    hash: Option<String>,
    provider: Option<String>,
    disabled: bool,
}

impl TestAccount {
    /// An enabled account with this login and nothing else.
    pub fn new(login: &str) -> Self {
        Self {
            login: login.to_owned(),
            ..Self::default()
        }
    }

    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    pub fn phone(mut self, phone: &str) -> Self {
        self.phone = Some(phone.to_owned());
        self
    }

    /// A password, hashed as the service hashes (Argon2id, OWASP).
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    /// A stored hash as it is, for tests that never verify it.
    pub fn hash(mut self, phc: &str) -> Self {
        self.hash = Some(phc.to_owned());
        self
    }

    /// Signs in through `provider`.
    pub fn provider(mut self, provider: &str) -> Self {
        self.provider = Some(provider.to_owned());
        self
    }

    pub fn disabled(mut self) -> Self {
        self.disabled = true;
        self
    }

    /// The account to create. Panics on an identifier that does not parse:
    /// a mistake in the test.
    pub fn new_account(&self) -> NewAccount {
        let hashed = self.password.as_ref().map(|p| {
            PasswordHasher::owasp()
                .hash(&Password::new(p), &OsRandom)
                .expect("hash a test password")
        });
        NewAccount {
            login: LoginName::parse(&self.login).expect("a valid login"),
            email: (self.email.as_deref()).map(|e| EmailAddress::parse(e).expect("a valid email")),
            phone: (self.phone.as_deref()).map(|p| PhoneNumber::parse(p).expect("a valid number")),
            password_hash: hashed.or_else(|| self.hash.as_deref().map(PasswordHash::from_phc)),
            social_provider: self.provider.clone(),
            disabled: self.disabled,
        }
    }

    /// Creates the account in `users`, now, under a new id.
    pub async fn create_in(&self, users: &dyn UserStore) -> UserAccount {
        let id = UserId::generate(&OsRandom).expect("random");
        users
            .create(self.new_account(), id, SystemClock.now())
            .await
            .expect("create a test account")
    }
}

/// The token of the first reset link in `text` (a link, an email or an
/// SMS): the base64url characters after `token=`.
pub fn token_from(text: &str) -> Option<String> {
    let start = text.find("token=")? + "token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}
