//! What the flows and the HTTP layer need to know, as plain values. `env`
//! fills them from a function's environment; tests build them directly.

use std::time::Duration;

use recovery_domain::{PasswordPolicy, RateWindow};

pub const DEFAULT_RESET_TOKEN_LIFETIME_SECONDS: i64 = 3600;
pub const DEFAULT_FORGOT_RESPONSE_FLOOR_MS: u64 = 300;
/// Above the costliest accepted hash's check at verify-credentials' memory
/// (20 shipped Argon2id checks: about 0.9 s at 1,024 MB).
pub const DEFAULT_SIGN_IN_FLOOR_MS: u64 = 1_000;
pub const DEFAULT_SMS_CODE_LIFETIME_SECONDS: i64 = 60;
pub const DEFAULT_SMS_CODE_MAX_ATTEMPTS: i64 = 5;
pub const DEFAULT_SMS_RESET_TOKEN_LIFETIME_SECONDS: i64 = 600;
pub const DEFAULT_SMS_LIMIT_PER_PHONE_15MIN: i64 = 3;
pub const DEFAULT_SMS_LIMIT_PER_PHONE_DAY: i64 = 10;
pub const DEFAULT_SMS_LIMIT_PER_IP_HOUR: i64 = 10;
/// Codes to the numbers of one range of a thousand, from anywhere.
pub const DEFAULT_SMS_LIMIT_PER_RANGE_HOUR: i64 = 30;
pub const DEFAULT_EMAIL_LIMIT_15MIN: i64 = 3;
pub const DEFAULT_EMAIL_LIMIT_DAY: i64 = 10;
pub const DEFAULT_FORGOT_LIMIT_PER_IP_HOUR: i64 = 30;
/// A link emailed less than this long ago and still unused is not replaced.
pub const DEFAULT_EMAIL_RESEND_AFTER_SECONDS: i64 = 60;
pub const DEFAULT_ADMIN_LINK_LIFETIME_SECONDS: i64 = 86_400;
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 365;
/// How long keys read from their secrets serve before they are read again
/// (a rotation reaches a warm function within this).
pub const DEFAULT_KEY_REFRESH_SECONDS: u64 = 300;
/// The most hits a limit may allow in its longest window. A counter's size
/// does not depend on it (it keeps a count per interval); the layout tests
/// of `recovery-aws` size the largest item with every interval this full.
pub const MAX_LIMIT: i64 = 5_000;

/// What the recovery flows and the administrator's actions need to know.
#[derive(Debug, Clone)]
pub struct RecoverySettings {
    /// Shown in emails and pages ("Example Cloud").
    pub service_name: String,
    /// The reset page; links are `RESET_PAGE_URL?token=...`. Never derived
    /// from a request's Host header.
    pub reset_page_url: String,
    /// Where "Log in" points after a reset.
    pub login_url: String,
    /// The "This was not me" page (`LOCK_PAGE_URL`); `None`: beside the
    /// reset page (`.../reset` becomes `.../not-me`).
    pub lock_page_url: Option<String>,
    pub reset_token_lifetime_seconds: i64,
    pub password_policy: PasswordPolicy,
    pub sms: SmsSettings,
    pub limits: ForgotLimits,
    pub admin: AdminSettings,
    /// Where a person who is stuck is sent (`SUPPORT_CONTACT`): shown on
    /// the code page, on pages of a link that no longer works, and on the
    /// page of a locked account. None: those pages name no contact.
    pub support: Option<SupportContact>,
    /// Which product's reset form this is (`EDITION`); On-Premise requires
    /// the login beside a link.
    pub edition: Edition,
    /// `POST /password/forgot` answers no sooner than this, so its timing
    /// says as little as its body about whether an account exists.
    pub forgot_response_floor: Duration,
    /// A sign-in check that is not valid answers no sooner than this
    /// (`SIGN_IN_FLOOR_MS`): at least the costliest check of an accepted
    /// hash, so no way of failing is told by its time.
    pub sign_in_floor: Duration,
    /// How new passwords are checked against breaches (when a range API
    /// is wired).
    pub breach_check: BreachCheck,
    /// When requests are asked for a proof of work.
    pub challenge: ChallengeSettings,
}

/// When forgot and forgot-login ask for a proof of work, and how hard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeSettings {
    /// From this share of any limit (`CHALLENGE_AT_PERCENT`, in percent);
    /// 0: never by the limits.
    pub at_percent: u32,
    /// Every code by SMS (`CHALLENGE_SMS=always`).
    pub every_sms: bool,
    /// At the threshold (`CHALLENGE_DIFFICULTY`, leading zero bits); two
    /// more bits for each step between it and the limit.
    pub difficulty: u8,
    /// What a person without JavaScript waits at that difficulty
    /// (`CHALLENGE_WAIT_SECONDS`); doubled with each bit more.
    pub wait_seconds: i64,
    /// How long a challenge may be solved in.
    pub lifetime_seconds: i64,
    /// Every request on a route is challenged while it runs at more than
    /// this many times its baseline (`CHALLENGE_ROUTE_MULTIPLE`); 0: never.
    pub route_multiple: u64,
    /// A route's baseline is at least this many requests a minute
    /// (`CHALLENGE_ROUTE_FLOOR_PER_MINUTE`), so a quiet deployment's first
    /// busy minute is no surge.
    pub route_floor_per_minute: u64,
}

impl Default for ChallengeSettings {
    fn default() -> Self {
        Self {
            at_percent: 50,
            every_sms: false,
            difficulty: 16,
            wait_seconds: 10,
            lifetime_seconds: 300,
            route_multiple: 5,
            route_floor_per_minute: 60,
        }
    }
}

impl ChallengeSettings {
    /// The difficulty at `pressure` percent of the nearest limit (and for a
    /// code by SMS when `sms`); none below the threshold.
    pub fn difficulty(&self, pressure: u32, sms: bool) -> Option<u8> {
        let by_rate = (self.at_percent > 0 && pressure >= self.at_percent).then(|| {
            // 2 bits more at each third of the way from the threshold to
            // the limit.
            let span = 100u32.saturating_sub(self.at_percent).max(1);
            let steps = (pressure - self.at_percent).min(span) * 3 / span;
            self.difficulty.saturating_add(2 * steps as u8)
        });
        let by_sms = (sms && self.every_sms).then_some(self.difficulty);
        by_rate
            .max(by_sms)
            .map(|d| d.clamp(recovery_domain::MIN_DIFFICULTY, recovery_domain::MAX_DIFFICULTY))
    }

    /// What waiting out a challenge of `difficulty` takes.
    pub fn wait_seconds(&self, difficulty: u8) -> i64 {
        let extra = difficulty.saturating_sub(self.difficulty).min(12);
        self.wait_seconds.saturating_mul(1 << extra)
    }
}

/// How long the breach check may take, and what a check that does not
/// answer in time means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreachCheck {
    /// `BREACHED_PASSWORDS_TIMEOUT_MS`.
    pub timeout: Duration,
    /// `BREACHED_PASSWORDS_FAIL=closed`: refuse the password (503) rather
    /// than let it through.
    pub fail_closed: bool,
}

pub const DEFAULT_BREACH_CHECK_TIMEOUT_MS: u64 = 1_500;

impl Default for BreachCheck {
    fn default() -> Self {
        Self { timeout: Duration::from_millis(DEFAULT_BREACH_CHECK_TIMEOUT_MS), fail_closed: false }
    }
}

impl RecoverySettings {
    /// Whether a new password through a link must name the link's account
    /// (its login or email): On-Premise asks for it.
    pub fn reset_needs_login(&self) -> bool {
        self.edition == Edition::OnPremise
    }

    /// The "This was not me" page: `LOCK_PAGE_URL`, else the reset page's
    /// sibling `not-me`. `None` when neither is known: notices then carry
    /// no lock link.
    pub fn lock_page_url(&self) -> Option<String> {
        if let Some(url) = &self.lock_page_url {
            return Some(url.clone());
        }
        let page = self.reset_page_url.split(['?', '#']).next()?;
        page.strip_suffix("/reset").map(|base| format!("{base}/not-me"))
    }

    /// The link for `token_text`.
    pub fn reset_link(&self, token_text: &str) -> String {
        let separator = if self.reset_page_url.contains('?') { '&' } else { '?' };
        format!("{}{separator}token={token_text}", self.reset_page_url)
    }
}

/// Whom a person contacts when recovery does not work for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupportContact {
    /// An `https://`, `http://` or `mailto:` address, shown as a link.
    Link(String),
    /// Anything else (a phone number, "your IT department"), shown as text.
    Text(String),
}

impl SupportContact {
    /// `value` as a link when it is one, else as text; none when blank.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let lower = value.to_ascii_lowercase();
        let is_link = ["https://", "http://", "mailto:"]
            .iter()
            .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len())
            && !value.contains(char::is_whitespace);
        Some(if is_link { Self::Link(value.to_owned()) } else { Self::Text(value.to_owned()) })
    }

    /// What a page shows: the address without its `mailto:`, or the text.
    pub fn label(&self) -> &str {
        match self {
            Self::Link(url) => url.strip_prefix("mailto:").unwrap_or(url),
            Self::Text(text) => text,
        }
    }

    /// The link's address, if it is one.
    pub fn href(&self) -> Option<&str> {
        match self {
            Self::Link(url) => Some(url),
            Self::Text(_) => None,
        }
    }
}

/// What the SMS code flow needs to know.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    pub code_lifetime_seconds: i64,
    pub max_attempts: u32,
    /// Lifetime of the reset token a correct code is exchanged for.
    pub code_token_lifetime_seconds: i64,
    /// Codes per phone number.
    pub phone_limits: Vec<RateWindow>,
    /// Phone requests per source IP.
    pub ip_limits: Vec<RateWindow>,
    /// Phone requests per range of a thousand numbers (all but the last
    /// three digits).
    pub range_limits: Vec<RateWindow>,
}

impl SmsSettings {
    /// The settings as shipped, the defaults of every variable.
    pub fn shipped() -> Self {
        Self {
            code_lifetime_seconds: DEFAULT_SMS_CODE_LIFETIME_SECONDS,
            max_attempts: DEFAULT_SMS_CODE_MAX_ATTEMPTS as u32,
            code_token_lifetime_seconds: DEFAULT_SMS_RESET_TOKEN_LIFETIME_SECONDS,
            phone_limits: Self::phone_windows(
                DEFAULT_SMS_LIMIT_PER_PHONE_15MIN as u32,
                DEFAULT_SMS_LIMIT_PER_PHONE_DAY as u32,
            ),
            ip_limits: Self::ip_windows(DEFAULT_SMS_LIMIT_PER_IP_HOUR as u32),
            range_limits: Self::ip_windows(DEFAULT_SMS_LIMIT_PER_RANGE_HOUR as u32),
        }
    }

    /// At most `per_15min` codes in any 15 minutes and `per_day` in any day.
    pub fn phone_windows(per_15min: u32, per_day: u32) -> Vec<RateWindow> {
        vec![
            RateWindow { seconds: 900, max: per_15min },
            RateWindow { seconds: 86_400, max: per_day },
        ]
    }

    /// At most `per_hour` phone requests in any hour.
    pub fn ip_windows(per_hour: u32) -> Vec<RateWindow> {
        vec![RateWindow { seconds: 3600, max: per_hour }]
    }
}

/// The limits on `POST /password/forgot` besides the phone path's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgotLimits {
    /// Link requests per typed login or email address, and link emails per
    /// account.
    pub email: Vec<RateWindow>,
    /// Forgot requests of any kind per source address (an IPv6 address
    /// counts as its /64).
    pub address: Vec<RateWindow>,
    /// A link emailed less than this many seconds ago that is still the
    /// account's live one is not replaced: the request sends nothing.
    pub resend_after_seconds: i64,
}

impl ForgotLimits {
    /// The limits as shipped.
    pub fn shipped() -> Self {
        Self::new(
            DEFAULT_EMAIL_LIMIT_15MIN as u32,
            DEFAULT_EMAIL_LIMIT_DAY as u32,
            DEFAULT_FORGOT_LIMIT_PER_IP_HOUR as u32,
        )
    }

    /// With a quiet period of `seconds` after each email (0: none).
    pub fn resend_after(self, seconds: i64) -> Self {
        Self { resend_after_seconds: seconds, ..self }
    }

    /// At most `per_15min` and `per_day` link emails per identifier and per
    /// account, and `per_address_hour` forgot requests per source address.
    pub fn new(per_15min: u32, per_day: u32, per_address_hour: u32) -> Self {
        Self {
            email: SmsSettings::phone_windows(per_15min, per_day),
            address: SmsSettings::ip_windows(per_address_hour),
            resend_after_seconds: DEFAULT_EMAIL_RESEND_AFTER_SECONDS,
        }
    }
}

/// What the administrator's actions need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSettings {
    /// Lifetime of links an administrator sends (and of invitations).
    pub link_lifetime_seconds: i64,
    /// How long audit records are kept.
    pub audit_retention_seconds: i64,
    /// The principals that administer the whole deployment whatever their
    /// grants. When there are none, every principal without a grant does
    /// (a deployment that never grants behaves as one without
    /// workspaces); when there are some, one without a grant administers
    /// nothing.
    pub deployment_administrators: Vec<recovery_domain::AdminPrincipal>,
}

impl AdminSettings {
    /// The settings as shipped.
    pub fn shipped() -> Self {
        Self {
            link_lifetime_seconds: DEFAULT_ADMIN_LINK_LIFETIME_SECONDS,
            audit_retention_seconds: DEFAULT_AUDIT_RETENTION_DAYS * 86_400,
            deployment_administrators: vec![],
        }
    }
}

/// Which product's reset form to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// New password twice, "Continue".
    Cloud,
    /// Check string shown and prefilled, login, new password twice, "Change
    /// password". The login is required.
    OnPremise,
}
