//! Configuration from environment variables, read once per cold start. Every
//! variable is listed in the README; a bad value stops the cold start with a
//! message naming the variable.

use std::time::Duration;

mod env;
mod env_guards;

pub use recovery_core::settings::*;

/// The Lambda functions of the service. Each reads only its own variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Function {
    RequestReset,
    VerifyCode,
    SetPassword,
    AdminReset,
    Deliver,
    VerifyCredentials,
    LockAccount,
}

use Function::{
    AdminReset, Deliver, LockAccount, RequestReset, SetPassword, VerifyCode, VerifyCredentials,
};

/// Every variable the service reads, and which functions read it. The SAM
/// template sets exactly these per function (checked by the template test).
pub const VARIABLES: &[(&str, &[Function])] = &[
    ("TABLE_NAME", &Function::ALL),
    ("OUTBOX_SECRET_ARN", &[RequestReset, SetPassword, AdminReset, Deliver, LockAccount]),
    (
        "KEY_REFRESH_SECONDS",
        &[RequestReset, VerifyCode, SetPassword, AdminReset, Deliver, LockAccount],
    ),
    ("SERVICE_NAME", &[RequestReset, VerifyCode, SetPassword, AdminReset, LockAccount]),
    ("SUPPORT_CONTACT", &[RequestReset, VerifyCode, SetPassword, LockAccount]),
    ("MAIL_FROM", &[Deliver]),
    ("EMAIL_CONFIGURATION_SET", &[Deliver]),
    ("RESET_PAGE_URL", &[RequestReset, SetPassword, AdminReset]),
    ("LOCK_PAGE_URL", &[SetPassword, AdminReset]),
    ("LOGIN_URL", &[SetPassword, AdminReset]),
    ("EDITION", &[RequestReset, VerifyCode, SetPassword]),
    ("RESET_TOKEN_LIFETIME_SECONDS", &[RequestReset]),
    ("FORGOT_RESPONSE_FLOOR_MS", &[RequestReset]),
    ("SIGN_IN_FLOOR_MS", &[VerifyCredentials]),
    ("PASSWORD_MIN_LENGTH", &[VerifyCode, SetPassword, AdminReset]),
    ("PASSWORD_MAX_LENGTH", &[VerifyCode, SetPassword, AdminReset]),
    ("SMS_CODE_SECRET_ARN", &[RequestReset, VerifyCode]),
    ("EDGE_SECRET_ARN", &[RequestReset]),
    ("SMS_SENDER_ID", &[Deliver]),
    ("SMS_COUNTRIES", &[Deliver]),
    ("SMS_PRICES", &[Deliver]),
    ("SMS_DAILY_BUDGET_USD", &[Deliver]),
    ("SMS_MONTHLY_BUDGET_USD", &[Deliver]),
    ("SMS_PUMPING_MIN_CODES", &[Deliver]),
    ("SMS_PUMPING_MIN_ENTERED_PERCENT", &[Deliver]),
    ("SMS_PUMPING_SUSPEND_MINUTES", &[Deliver]),
    ("EVENT_BUS_NAME", &[Deliver]),
    ("SMS_CODE_LIFETIME_SECONDS", &[RequestReset, VerifyCode]),
    ("SMS_CODE_MAX_ATTEMPTS", &[RequestReset]),
    ("SMS_RESET_TOKEN_LIFETIME_SECONDS", &[VerifyCode]),
    ("SMS_LIMIT_PER_PHONE_15MIN", &[RequestReset]),
    ("SMS_LIMIT_PER_PHONE_DAY", &[RequestReset]),
    ("SMS_LIMIT_PER_IP_HOUR", &[RequestReset]),
    ("SMS_LIMIT_PER_RANGE_HOUR", &[RequestReset]),
    ("EMAIL_LIMIT_15MIN", &[RequestReset]),
    ("EMAIL_LIMIT_DAY", &[RequestReset]),
    ("EMAIL_RESEND_AFTER_SECONDS", &[RequestReset]),
    ("FORGOT_LIMIT_PER_IP_HOUR", &[RequestReset]),
    ("ADMIN_LINK_LIFETIME_SECONDS", &[AdminReset]),
    ("DEPLOYMENT_ADMINISTRATORS", &[AdminReset]),
    ("AUDIT_RETENTION_DAYS", &[AdminReset, LockAccount]),
    ("CHALLENGE_AT_PERCENT", &[RequestReset]),
    ("CHALLENGE_SMS", &[RequestReset]),
    ("CHALLENGE_DIFFICULTY", &[RequestReset]),
    ("CHALLENGE_WAIT_SECONDS", &[RequestReset]),
    ("CHALLENGE_ROUTE_MULTIPLE", &[RequestReset]),
    ("CHALLENGE_ROUTE_FLOOR_PER_MINUTE", &[RequestReset]),
    ("BREACHED_PASSWORDS_URL", &[SetPassword, AdminReset]),
    ("BREACHED_PASSWORDS_TIMEOUT_MS", &[SetPassword, AdminReset]),
    ("BREACHED_PASSWORDS_FAIL", &[SetPassword, AdminReset]),
    ("METRICS_NAMESPACE", &Function::ALL),
];

/// The CloudWatch namespace the metrics go under unless
/// `METRICS_NAMESPACE` names another.
pub const DEFAULT_METRICS_NAMESPACE: &str = "PasswordRecovery";

impl Function {
    pub const ALL: [Function; 7] = [
        RequestReset,
        VerifyCode,
        SetPassword,
        AdminReset,
        Deliver,
        VerifyCredentials,
        LockAccount,
    ];

    /// The binary's name, as in `functions/<name>`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether this function reads the variable `name`.
    pub fn reads(self, name: &str) -> bool {
        VARIABLES.iter().any(|(variable, readers)| *variable == name && readers.contains(&self))
    }

    /// The variables this function reads.
    pub fn variables(self) -> Vec<&'static str> {
        VARIABLES
            .iter()
            .filter(|(_, readers)| readers.contains(&self))
            .map(|(name, _)| *name)
            .collect()
    }
}

/// The configuration of a function that runs flows (every function but
/// deliver): its table, the secrets of the keys it uses, and the settings
/// of its flows.
#[derive(Debug, Clone)]
pub struct FlowsConfig {
    pub table_name: String,
    pub secrets: SecretIds,
    pub recovery: RecoverySettings,
    /// The range API new passwords are checked against
    /// (`BREACHED_PASSWORDS_URL`); none: not checked.
    pub breached_passwords: Option<String>,
    /// The CloudWatch namespace of its metrics (`METRICS_NAMESPACE`); none
    /// written when `off`.
    pub metrics_namespace: Option<String>,
}

/// The Pwned Passwords range API, which new passwords are checked against
/// unless `BREACHED_PASSWORDS_URL` says otherwise.
pub const PWNED_PASSWORDS_RANGE: &str = "https://api.pwnedpasswords.com/range/";

/// The Secrets Manager secrets (names or ARNs) the keys are read from, each
/// only where the function reads it; read at cold start by `wiring`, and
/// again after `refresh_every`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretIds {
    /// The outbox key's (`OUTBOX_SECRET_ARN`).
    pub outbox: Option<String>,
    /// The SMS codes' HMAC key's (`SMS_CODE_SECRET_ARN`).
    pub sms_code: Option<String>,
    /// The secret a CloudFront distribution in front of the API sends
    /// (`EDGE_SECRET_ARN`); none when the API is not behind one.
    pub edge: Option<String>,
    /// How long keys read serve before their current versions are read
    /// again (`KEY_REFRESH_SECONDS`).
    pub refresh_every: Duration,
}

/// The deliver function's configuration.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub table_name: String,
    /// The outbox key's secret (`secrets.outbox`, always named).
    pub secrets: SecretIds,
    pub mail_from: String,
    /// The SES configuration set emails are sent in (its event destination
    /// reports what became of them); none when unset.
    pub email_configuration_set: Option<String>,
    /// SNS `AWS.SNS.SMS.SenderID`, where the destination country supports it.
    pub sms_sender_id: Option<String>,
    /// The countries texts may go to, by calling code (none: every one),
    /// and what a segment to each costs.
    pub sms: recovery_domain::SmsPolicy,
    /// The EventBridge bus (name or ARN) the product's events go to.
    pub event_bus_name: String,
    /// The CloudWatch namespace of its metrics (`METRICS_NAMESPACE`); none
    /// written when `off`.
    pub metrics_namespace: Option<String>,
}

/// Everything wrong with the environment, one problem per entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

impl FlowsConfig {
    /// The configuration of `function` from the environment: it reads only
    /// that function's variables; the others keep their defaults.
    pub fn from_env(function: Function) -> Result<Self, ConfigError> {
        Self::from_lookup(function, |name| std::env::var(name).ok())
    }

    /// As [`Self::from_env`], with the variables looked up through `lookup`.
    pub fn from_lookup(
        function: Function,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        env::read_flows(function, lookup)
    }
}

impl DeliveryConfig {
    /// The deliver function's configuration from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Self::from_env`], with the variables looked up through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::read_delivery(lookup)
    }
}

#[cfg(test)]
mod tests;
