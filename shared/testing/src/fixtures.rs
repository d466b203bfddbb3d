//! Fixtures: settings as the tests run them, the flows on in-memory parts,
//! accounts to create, and the token in a link.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{EventSink, InMemoryStore, MailSink, ManualClock, MetricSink, SmsSink};
use recovery_core::flows::{
    Administration, DeliverError, Delivered, Delivery, Funnel, KeySet, Keys,
};
use recovery_core::ports::{OutboxItem, UserStore};
use recovery_core::settings::{
    AdminSettings, Edition, ForgotLimits, RecoverySettings, SmsSettings, SupportContact,
};
use recovery_domain::{
    Clock, CodeSecret, EmailAddress, Locale, LoginName, NewAccount, OsRandom, OutboxKey, Password,
    PasswordHash, PasswordHasher, PasswordPolicy, PhoneNumber, SystemClock, Timestamp, UserAccount,
    UserId,
};
use recovery_messages::{OutgoingEmail, OutgoingSms};

/// The reset page of [`settings`].
pub const PAGE: &str = "https://id.example.com/password/reset";
/// The support contact of [`settings`].
pub const SUPPORT: &str = "https://help.example.com/password";

/// The secret text the tests' outbox key is derived from.
pub const OUTBOX_SECRET: &str = "test outbox secret, thirty-two bytes or more";

/// The tests' outbox key, derived from [`OUTBOX_SECRET`].
pub fn outbox_key() -> Arc<OutboxKey> {
    Arc::new(OutboxKey::derive(OUTBOX_SECRET.as_bytes()).expect("a long enough secret"))
}

/// The tests' keys: [`outbox_key`] and an SMS code key.
pub fn keys() -> KeySet {
    KeySet::new(Some(outbox_key()), CodeSecret::new(vec![42u8; 32]))
}

/// Settings as shipped, for a service called "Example" whose reset page is
/// [`PAGE`] and whose support is [`SUPPORT`], with a day's audit retention.
pub fn settings() -> RecoverySettings {
    RecoverySettings {
        service_name: "Example".into(),
        reset_page_url: PAGE.into(),
        login_url: "https://app.example.com/login".into(),
        lock_page_url: None,
        reset_token_lifetime_seconds: 3600,
        password_policy: PasswordPolicy::default(),
        sms: SmsSettings::shipped(),
        limits: ForgotLimits::shipped(),
        admin: AdminSettings { audit_retention_seconds: 86_400, ..AdminSettings::shipped() },
        support: Some(SupportContact::Link(SUPPORT.into())),
        edition: Edition::Cloud,
        forgot_response_floor: Duration::ZERO,
        sign_in_floor: Duration::ZERO,
        breach_check: Default::default(),
        // The limits have tests of their own; the challenge too.
        challenge: recovery_core::ChallengeSettings {
            at_percent: 0,
            route_multiple: 0,
            ..Default::default()
        },
    }
}

/// The flows and the in-memory parts under them, with the clock at a fixed
/// instant, and the delivery of what they put in the outbox into senders
/// that keep it.
pub struct World {
    /// The self-service flows and the administrator's actions (through
    /// `Deref`, an [`Administration`] is also the `Recovery` under it).
    pub recovery: Administration,
    pub delivery: Delivery,
    pub store: Arc<InMemoryStore>,
    pub mail: Arc<MailSink>,
    pub sms: Arc<SmsSink>,
    pub events: Arc<EventSink>,
    /// Every measure the flows and the delivery recorded.
    pub metrics: Arc<MetricSink>,
    pub clock: Arc<ManualClock>,
    /// Messages whose delivery failed, handed over again next time.
    retry: Mutex<Vec<OutboxItem>>,
}

impl World {
    /// With [`settings`].
    pub fn new() -> Self {
        Self::with_settings(settings())
    }

    pub fn with_settings(settings: RecoverySettings) -> Self {
        let store = Arc::new(InMemoryStore::new());
        let mail = Arc::new(MailSink::new());
        let sms = Arc::new(SmsSink::new());
        let events = Arc::new(EventSink::new());
        let clock = Arc::new(ManualClock::at(Timestamp::from_epoch_seconds(1_800_000_000)));
        let metrics = Arc::new(MetricSink::new());
        let funnel = Funnel::new(store.clone(), Arc::new(OsRandom), clock.clone())
            .with_metrics(metrics.clone());
        let delivery = Delivery {
            funnel,
            outbox: store.clone(),
            mailer: mail.clone(),
            texter: sms.clone(),
            publisher: events.clone(),
            clock: clock.clone(),
            keys: Keys::outbox(outbox_key()),
            sms: Default::default(),
            guard: recovery_core::flows::SmsGuard::new(store.clone()).with_audit(store.clone()),
        };
        let keys = Keys::ready(keys());
        let recovery = Administration::new(store.clone(), clock.clone(), settings, keys)
            .with_metrics(metrics.clone());
        let retry = Mutex::new(Vec::new());
        Self { recovery, delivery, store, mail, sms, events, metrics, clock, retry }
    }

    /// Hands every new outbox message (and every one that failed before)
    /// to the delivery, as the table's stream does; what fails is kept for
    /// the next call.
    pub async fn deliver(&self) -> Vec<Result<Delivered, DeliverError>> {
        let mut pending =
            std::mem::take(&mut *self.retry.lock().unwrap_or_else(|p| p.into_inner()));
        pending.extend(self.store.take_new_messages());
        let mut outcomes = Vec::new();
        for item in pending {
            let outcome = self.delivery.deliver(&item).await;
            if outcome.is_err() {
                self.retry.lock().unwrap_or_else(|p| p.into_inner()).push(item);
            }
            outcomes.push(outcome);
        }
        outcomes
    }

    /// Every email sent so far, after delivering what is waiting.
    pub async fn emails(&self) -> Vec<OutgoingEmail> {
        self.deliver().await;
        self.mail.sent()
    }

    /// Every SMS sent so far, after delivering what is waiting.
    pub async fn texts(&self) -> Vec<OutgoingSms> {
        self.deliver().await;
        self.sms.sent()
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
    locale: Option<String>,
}

impl TestAccount {
    /// An enabled account with this login and nothing else.
    pub fn new(login: &str) -> Self {
        Self { login: login.to_owned(), ..Self::default() }
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

    /// Speaks `locale` (a language tag).
    pub fn locale(mut self, locale: &str) -> Self {
        self.locale = Some(locale.to_owned());
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
            locale: (self.locale.as_deref()).map(|l| Locale::parse(l).expect("a valid locale")),
            workspaces: vec![],
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
