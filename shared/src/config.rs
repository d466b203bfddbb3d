//! Configuration from environment variables, read once per cold start. Every
//! variable is listed in the README; a bad value stops the cold start with a
//! message naming the variable.

use std::time::Duration;

use crate::code::{CodeSecret, MIN_SECRET_BYTES};
use crate::policy::{DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, PasswordPolicy};
use crate::rate_limit::RateWindow;

pub const DEFAULT_SMS_CODE_LIFETIME_SECONDS: i64 = 60;
pub const DEFAULT_SMS_CODE_MAX_ATTEMPTS: i64 = 5;
pub const DEFAULT_SMS_RESET_TOKEN_LIFETIME_SECONDS: i64 = 600;
pub const DEFAULT_SMS_LIMIT_PER_PHONE_15MIN: i64 = 3;
pub const DEFAULT_SMS_LIMIT_PER_PHONE_DAY: i64 = 10;
pub const DEFAULT_SMS_LIMIT_PER_IP_HOUR: i64 = 10;

/// What the SMS code flow needs to know.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// HMAC key for stored codes (`SMS_CODE_SECRET`); the phone flow refuses
    /// to run without it.
    pub code_secret: Option<CodeSecret>,
    pub code_lifetime_seconds: i64,
    pub max_attempts: u32,
    /// Lifetime of the reset token a correct code is exchanged for.
    pub code_token_lifetime_seconds: i64,
    /// Codes per phone number.
    pub phone_limits: Vec<RateWindow>,
    /// Phone requests per source IP.
    pub ip_limits: Vec<RateWindow>,
}

/// What the recovery flows need to know.
#[derive(Debug, Clone)]
pub struct RecoverySettings {
    /// Shown in emails and pages ("Example Cloud").
    pub service_name: String,
    /// The reset page; links are `RESET_PAGE_URL?token=...`. Never derived
    /// from a request's Host header.
    pub reset_page_url: String,
    /// Where "Log in" points after a reset.
    pub login_url: String,
    pub reset_token_lifetime_seconds: i64,
    pub password_policy: PasswordPolicy,
    pub sms: SmsSettings,
}

impl RecoverySettings {
    /// The link for `token_text`.
    pub fn reset_link(&self, token_text: &str) -> String {
        let separator = if self.reset_page_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{separator}token={token_text}", self.reset_page_url)
    }
}

impl SmsSettings {
    /// The settings as shipped, the defaults of every variable.
    pub fn shipped(code_secret: Option<CodeSecret>) -> Self {
        Self {
            code_secret,
            code_lifetime_seconds: DEFAULT_SMS_CODE_LIFETIME_SECONDS,
            max_attempts: DEFAULT_SMS_CODE_MAX_ATTEMPTS as u32,
            code_token_lifetime_seconds: DEFAULT_SMS_RESET_TOKEN_LIFETIME_SECONDS,
            phone_limits: Self::phone_windows(
                DEFAULT_SMS_LIMIT_PER_PHONE_15MIN as u32,
                DEFAULT_SMS_LIMIT_PER_PHONE_DAY as u32,
            ),
            ip_limits: Self::ip_windows(DEFAULT_SMS_LIMIT_PER_IP_HOUR as u32),
        }
    }

    /// At most `per_15min` codes in any 15 minutes and `per_day` in any day.
    fn phone_windows(per_15min: u32, per_day: u32) -> Vec<RateWindow> {
        vec![
            RateWindow {
                seconds: 900,
                max: per_15min,
            },
            RateWindow {
                seconds: 86_400,
                max: per_day,
            },
        ]
    }

    /// At most `per_hour` phone requests in any hour.
    fn ip_windows(per_hour: u32) -> Vec<RateWindow> {
        vec![RateWindow {
            seconds: 3600,
            max: per_hour,
        }]
    }
}

/// What the administrator function needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSettings {
    /// Lifetime of links an administrator sends (and of invitations).
    pub link_lifetime_seconds: i64,
    /// How long audit records are kept.
    pub audit_retention_seconds: i64,
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

/// What the HTTP layer needs to know.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub edition: Edition,
    /// `POST /password/forgot` answers no sooner than this, so its timing
    /// says as little as its body about whether an account exists.
    pub forgot_response_floor: Duration,
}

/// The Lambda functions of the service. Each reads only its own variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    RequestReset,
    VerifyCode,
    SetPassword,
    AdminReset,
}

use Function::{AdminReset, RequestReset, SetPassword, VerifyCode};

/// Every variable the service reads, and which functions read it. The SAM
/// template sets exactly these per function (checked by the template test).
pub const VARIABLES: &[(&str, &[Function])] = &[
    (
        "TABLE_NAME",
        &[RequestReset, VerifyCode, SetPassword, AdminReset],
    ),
    (
        "SERVICE_NAME",
        &[RequestReset, VerifyCode, SetPassword, AdminReset],
    ),
    ("MAIL_FROM", &[RequestReset, SetPassword, AdminReset]),
    ("RESET_PAGE_URL", &[RequestReset, AdminReset]),
    ("LOGIN_URL", &[SetPassword, AdminReset]),
    ("EDITION", &[RequestReset, VerifyCode, SetPassword]),
    ("RESET_TOKEN_LIFETIME_SECONDS", &[RequestReset]),
    ("FORGOT_RESPONSE_FLOOR_MS", &[RequestReset]),
    (
        "PASSWORD_MIN_LENGTH",
        &[VerifyCode, SetPassword, AdminReset],
    ),
    (
        "PASSWORD_MAX_LENGTH",
        &[VerifyCode, SetPassword, AdminReset],
    ),
    ("SMS_CODE_SECRET", &[RequestReset, VerifyCode]),
    ("SMS_SENDER_ID", &[RequestReset, AdminReset]),
    ("SMS_CODE_LIFETIME_SECONDS", &[RequestReset, VerifyCode]),
    ("SMS_CODE_MAX_ATTEMPTS", &[RequestReset]),
    ("SMS_RESET_TOKEN_LIFETIME_SECONDS", &[VerifyCode]),
    ("SMS_LIMIT_PER_PHONE_15MIN", &[RequestReset]),
    ("SMS_LIMIT_PER_PHONE_DAY", &[RequestReset]),
    ("SMS_LIMIT_PER_IP_HOUR", &[RequestReset]),
    ("ADMIN_LINK_LIFETIME_SECONDS", &[AdminReset]),
    ("AUDIT_RETENTION_DAYS", &[AdminReset]),
];

impl Function {
    pub const ALL: [Function; 4] = [RequestReset, VerifyCode, SetPassword, AdminReset];

    /// The binary's name, as in `functions/<name>`.
    pub fn name(self) -> &'static str {
        match self {
            RequestReset => "request-reset",
            VerifyCode => "verify-code",
            SetPassword => "set-password",
            AdminReset => "admin-reset",
        }
    }

    /// Whether this function reads the variable `name`.
    pub fn reads(self, name: &str) -> bool {
        VARIABLES
            .iter()
            .any(|(variable, readers)| *variable == name && readers.contains(&self))
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

#[derive(Debug, Clone)]
pub struct AppConfig {
    pub table_name: String,
    pub mail_from: String,
    /// SNS `AWS.SNS.SMS.SenderID`, where the destination country supports it.
    pub sms_sender_id: Option<String>,
    pub recovery: RecoverySettings,
    pub web: WebSettings,
    pub admin: AdminSettings,
}

/// Everything wrong with the environment, one problem per entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

pub const DEFAULT_RESET_TOKEN_LIFETIME_SECONDS: i64 = 3600;
pub const DEFAULT_FORGOT_RESPONSE_FLOOR_MS: u64 = 300;

impl AppConfig {
    /// For the functions that send or check SMS codes: the secret must be
    /// set.
    pub fn require_sms_code_secret(&self) -> Result<(), ConfigError> {
        match self.recovery.sms.code_secret {
            Some(_) => Ok(()),
            None => Err(ConfigError(vec![format!(
                "SMS_CODE_SECRET is required (at least {MIN_SECRET_BYTES} random bytes)"
            )])),
        }
    }

    /// The configuration of `function` from the environment: it reads only
    /// that function's variables; the others keep their defaults.
    pub fn from_env(function: Function) -> Result<Self, ConfigError> {
        Self::from_lookup(function, |name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        function: Function,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let lookup = |name: &str| function.reads(name).then(|| lookup(name)).flatten();
        let mut problems = Vec::new();
        let mut required = |name: &str| match lookup(name).filter(|v| !v.trim().is_empty()) {
            Some(value) => value.trim().to_owned(),
            None => {
                if function.reads(name) {
                    problems.push(format!("{name} is required"));
                }
                String::new()
            }
        };
        let table_name = required("TABLE_NAME");
        let mail_from = required("MAIL_FROM");
        let reset_page_url = required("RESET_PAGE_URL");
        let login_url = required("LOGIN_URL");
        for (name, url) in [
            ("RESET_PAGE_URL", &reset_page_url),
            ("LOGIN_URL", &login_url),
        ] {
            if !url.is_empty() && !is_absolute_http_url(url) {
                problems.push(format!("{name} must be an absolute http(s) URL"));
            }
        }
        if !mail_from.is_empty() && !mail_from.contains('@') {
            problems.push("MAIL_FROM must be an email address".into());
        }
        let mut number = |name: &str, default: i64, min: i64, max: i64| -> i64 {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => default,
                Some(text) => match text.trim().parse::<i64>() {
                    Ok(n) if (min..=max).contains(&n) => n,
                    _ => {
                        problems.push(format!("{name} must be a whole number from {min} to {max}"));
                        default
                    }
                },
            }
        };
        let lifetime = number(
            "RESET_TOKEN_LIFETIME_SECONDS",
            DEFAULT_RESET_TOKEN_LIFETIME_SECONDS,
            60,
            86_400,
        );
        let min_chars = number("PASSWORD_MIN_LENGTH", DEFAULT_MIN_CHARS as i64, 1, 1024);
        let max_chars = number("PASSWORD_MAX_LENGTH", DEFAULT_MAX_CHARS as i64, 1, 1024);
        let floor_ms = number(
            "FORGOT_RESPONSE_FLOOR_MS",
            DEFAULT_FORGOT_RESPONSE_FLOOR_MS as i64,
            0,
            10_000,
        );
        let code_lifetime = number(
            "SMS_CODE_LIFETIME_SECONDS",
            DEFAULT_SMS_CODE_LIFETIME_SECONDS,
            10,
            600,
        );
        let max_attempts = number(
            "SMS_CODE_MAX_ATTEMPTS",
            DEFAULT_SMS_CODE_MAX_ATTEMPTS,
            1,
            20,
        );
        let code_token_lifetime = number(
            "SMS_RESET_TOKEN_LIFETIME_SECONDS",
            DEFAULT_SMS_RESET_TOKEN_LIFETIME_SECONDS,
            60,
            3600,
        );
        let per_phone_15min = number(
            "SMS_LIMIT_PER_PHONE_15MIN",
            DEFAULT_SMS_LIMIT_PER_PHONE_15MIN,
            1,
            1000,
        );
        let per_phone_day = number(
            "SMS_LIMIT_PER_PHONE_DAY",
            DEFAULT_SMS_LIMIT_PER_PHONE_DAY,
            1,
            10_000,
        );
        let per_ip_hour = number(
            "SMS_LIMIT_PER_IP_HOUR",
            DEFAULT_SMS_LIMIT_PER_IP_HOUR,
            1,
            100_000,
        );
        let admin_link_lifetime = number("ADMIN_LINK_LIFETIME_SECONDS", 86_400, 300, 604_800);
        let audit_retention_days = number("AUDIT_RETENTION_DAYS", 365, 1, 3650);
        let policy = PasswordPolicy::new(min_chars as usize, max_chars as usize);
        if policy.is_none() {
            problems.push("PASSWORD_MIN_LENGTH must not exceed PASSWORD_MAX_LENGTH".into());
        }
        let edition = match lookup("EDITION").as_deref().map(str::trim) {
            None | Some("") | Some("cloud") => Edition::Cloud,
            Some("on_premise") => Edition::OnPremise,
            Some(_) => {
                problems.push("EDITION must be cloud or on_premise".into());
                Edition::Cloud
            }
        };
        let code_secret = match lookup("SMS_CODE_SECRET").filter(|v| !v.is_empty()) {
            None => None,
            Some(secret) => {
                let secret = CodeSecret::new(secret.into_bytes());
                if secret.is_none() {
                    problems.push(format!(
                        "SMS_CODE_SECRET must be at least {MIN_SECRET_BYTES} bytes"
                    ));
                }
                secret
            }
        };
        let sms_sender_id = lookup("SMS_SENDER_ID")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if sms_sender_id.as_ref().is_some_and(|id| {
            id.len() > 11
                || !id.chars().all(|c| c.is_ascii_alphanumeric())
                || !id.chars().any(|c| c.is_ascii_alphabetic())
        }) {
            problems.push(
                "SMS_SENDER_ID must be 1 to 11 letters or digits, with at least one letter".into(),
            );
        }
        let service_name = lookup("SERVICE_NAME")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Account".to_owned());
        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Self {
            table_name,
            mail_from,
            sms_sender_id,
            recovery: RecoverySettings {
                service_name,
                reset_page_url,
                login_url,
                reset_token_lifetime_seconds: lifetime,
                password_policy: policy.unwrap_or_default(),
                sms: SmsSettings {
                    code_secret,
                    code_lifetime_seconds: code_lifetime,
                    max_attempts: max_attempts as u32,
                    code_token_lifetime_seconds: code_token_lifetime,
                    phone_limits: SmsSettings::phone_windows(
                        per_phone_15min as u32,
                        per_phone_day as u32,
                    ),
                    ip_limits: SmsSettings::ip_windows(per_ip_hour as u32),
                },
            },
            web: WebSettings {
                edition,
                forgot_response_floor: Duration::from_millis(floor_ms.unsigned_abs()),
            },
            admin: AdminSettings {
                link_lifetime_seconds: admin_link_lifetime,
                audit_retention_seconds: audit_retention_days * 86_400,
            },
        })
    }
}

fn is_absolute_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !url.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const MINIMAL: &[(&str, &str)] = &[
        ("TABLE_NAME", "recovery"),
        ("MAIL_FROM", "no-reply@example.com"),
        ("RESET_PAGE_URL", "https://id.example.com/password/reset"),
        ("LOGIN_URL", "https://app.example.com/login"),
    ];

    #[test]
    fn each_function_reads_exactly_its_own_variables() {
        for function in Function::ALL {
            let seen = std::cell::RefCell::new(Vec::new());
            let _ = AppConfig::from_lookup(function, |name| {
                seen.borrow_mut().push(name.to_owned());
                None
            });
            let mut seen = seen.into_inner();
            seen.sort();
            seen.dedup();
            let mut declared: Vec<String> =
                function.variables().iter().map(|v| v.to_string()).collect();
            declared.sort();
            assert_eq!(seen, declared, "{}", function.name());
        }
    }

    #[test]
    fn a_function_does_not_require_what_it_does_not_read() {
        let config = AppConfig::from_lookup(
            Function::VerifyCode,
            env(&[
                ("TABLE_NAME", "recovery"),
                ("SMS_CODE_SECRET", "0123456789abcdef0123456789abcdef"),
            ]),
        )
        .unwrap();
        assert!(config.require_sms_code_secret().is_ok());
        let err =
            AppConfig::from_lookup(Function::SetPassword, env(&[("TABLE_NAME", "t")])).unwrap_err();
        assert!(err.to_string().contains("MAIL_FROM") && err.to_string().contains("LOGIN_URL"));
        assert!(!err.to_string().contains("RESET_PAGE_URL"));
    }

    #[test]
    fn defaults_apply_when_only_required_variables_are_set() {
        let config = AppConfig::from_lookup(Function::RequestReset, env(MINIMAL)).unwrap();
        let admin = AppConfig::from_lookup(Function::AdminReset, env(MINIMAL)).unwrap();
        assert_eq!(config.recovery.reset_token_lifetime_seconds, 3600);
        assert_eq!(config.recovery.password_policy, PasswordPolicy::default());
        assert_eq!(config.web.edition, Edition::Cloud);
        assert_eq!(config.web.forgot_response_floor, Duration::from_millis(300));
        let sms = &config.recovery.sms;
        assert_eq!(sms.code_lifetime_seconds, 60);
        assert_eq!(sms.max_attempts, 5);
        assert_eq!(sms.code_token_lifetime_seconds, 600);
        assert_eq!(
            sms.phone_limits,
            [
                RateWindow {
                    seconds: 900,
                    max: 3
                },
                RateWindow {
                    seconds: 86_400,
                    max: 10
                }
            ]
        );
        assert_eq!(
            sms.ip_limits,
            [RateWindow {
                seconds: 3600,
                max: 10
            }]
        );
        assert!(config.require_sms_code_secret().is_err());
        assert_eq!(
            admin.admin,
            AdminSettings {
                link_lifetime_seconds: 86_400,
                audit_retention_seconds: 365 * 86_400
            }
        );
    }

    #[test]
    fn the_sms_secret_must_be_long_enough() {
        let mut pairs = MINIMAL.to_vec();
        pairs.push(("SMS_CODE_SECRET", "too short"));
        let err = AppConfig::from_lookup(Function::RequestReset, env(&pairs)).unwrap_err();
        assert!(err.to_string().contains("SMS_CODE_SECRET"));
        let secret = "x".repeat(32);
        pairs.pop();
        pairs.push(("SMS_CODE_SECRET", &secret));
        pairs.push(("SMS_SENDER_ID", "Example"));
        let config = AppConfig::from_lookup(Function::RequestReset, env(&pairs)).unwrap();
        assert!(config.require_sms_code_secret().is_ok());
        assert_eq!(config.sms_sender_id.as_deref(), Some("Example"));
        assert!(!format!("{config:?}").contains(&secret));
        for bad in ["12345", "Too-Long-Name", "with space"] {
            pairs.retain(|(name, _)| *name != "SMS_SENDER_ID");
            pairs.push(("SMS_SENDER_ID", bad));
            let err = AppConfig::from_lookup(Function::RequestReset, env(&pairs)).unwrap_err();
            assert!(err.to_string().contains("SMS_SENDER_ID"), "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_by_name() {
        let err = AppConfig::from_lookup(
            Function::RequestReset,
            env(&[
                ("RESET_PAGE_URL", "/password/reset"),
                ("RESET_TOKEN_LIFETIME_SECONDS", "forever"),
                ("EDITION", "desktop"),
            ]),
        )
        .unwrap_err();
        let text = err.to_string();
        for name in [
            "TABLE_NAME",
            "MAIL_FROM",
            "RESET_PAGE_URL must be an absolute",
            "RESET_TOKEN_LIFETIME_SECONDS",
            "EDITION",
        ] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
    }

    #[test]
    fn lifetimes_and_lengths_are_configurable() {
        let mut pairs = MINIMAL.to_vec();
        pairs.extend([
            ("RESET_TOKEN_LIFETIME_SECONDS", "900"),
            ("PASSWORD_MIN_LENGTH", "15"),
            ("PASSWORD_MAX_LENGTH", "64"),
            ("EDITION", "on_premise"),
        ]);
        let config = AppConfig::from_lookup(Function::RequestReset, env(&pairs)).unwrap();
        assert_eq!(config.recovery.reset_token_lifetime_seconds, 900);
        assert_eq!(config.web.edition, Edition::OnPremise);
        let config = AppConfig::from_lookup(Function::SetPassword, env(&pairs)).unwrap();
        assert_eq!(config.recovery.password_policy.min_chars(), 15);
        assert_eq!(config.recovery.password_policy.max_chars(), 64);
    }

    #[test]
    fn reset_links_append_the_token_to_the_configured_page() {
        let mut settings = AppConfig::from_lookup(Function::RequestReset, env(MINIMAL))
            .unwrap()
            .recovery;
        assert_eq!(
            settings.reset_link("t0k"),
            "https://id.example.com/password/reset?token=t0k"
        );
        settings.reset_page_url = "https://id.example.com/r?lang=en".into();
        assert_eq!(
            settings.reset_link("t0k"),
            "https://id.example.com/r?lang=en&token=t0k"
        );
    }
}
