//! Reading a function's configuration from its environment: only the
//! variables it reads (`VARIABLES`), every problem collected and reported by
//! the variable's name.

use std::time::Duration;

use super::{ConfigError, DeliveryConfig, FlowsConfig, Function, SecretIds};
use recovery_core::settings::*;
use recovery_domain::{AdminPrincipal, DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, PasswordPolicy};

/// The configuration of `function` (one that runs flows) from `lookup`: it
/// reads only that function's variables; the others keep their defaults.
pub(super) fn read_flows(
    function: Function,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<FlowsConfig, ConfigError> {
    let mut v = Variables { function, lookup, problems: Vec::new() };
    if function == Function::Deliver {
        v.problem("deliver reads a DeliveryConfig");
    }
    let table_name = v.required("TABLE_NAME");
    let secrets = SecretIds {
        outbox: v.required_if_read("OUTBOX_SECRET_ARN"),
        sms_code: v.required_if_read("SMS_CODE_SECRET_ARN"),
        edge: v.get("EDGE_SECRET_ARN").filter(|arn| !arn.trim().is_empty()),
        refresh_every: v.key_refresh(),
    };
    let recovery = v.recovery_settings();
    let breached_passwords = v.breached_passwords();
    let metrics_namespace = v.metrics_namespace();
    v.done()?;
    Ok(FlowsConfig { table_name, secrets, recovery, breached_passwords, metrics_namespace })
}

/// The deliver function's configuration from `lookup`.
pub(super) fn read_delivery(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<DeliveryConfig, ConfigError> {
    let mut v = Variables { function: Function::Deliver, lookup, problems: Vec::new() };
    let table_name = v.required("TABLE_NAME");
    let secrets = SecretIds {
        outbox: Some(v.required("OUTBOX_SECRET_ARN")),
        sms_code: None,
        edge: None,
        refresh_every: v.key_refresh(),
    };
    let mail_from = v.required("MAIL_FROM");
    if !mail_from.is_empty() && !mail_from.contains('@') {
        v.problem("MAIL_FROM must be an email address");
    }
    let event_bus_name = v.required("EVENT_BUS_NAME");
    let sms_sender_id = v.sms_sender_id();
    let sms = recovery_domain::SmsPolicy {
        countries: v.sms_countries(),
        prices: v.sms_prices(),
        budget: recovery_domain::SmsBudget {
            daily: v.budget("SMS_DAILY_BUDGET_USD"),
            monthly: v.budget("SMS_MONTHLY_BUDGET_USD"),
        },
        pumping: recovery_domain::PumpingPolicy {
            min_codes: v.number("SMS_PUMPING_MIN_CODES", 50, 1, 1_000_000) as u64,
            min_entered_percent: v.number("SMS_PUMPING_MIN_ENTERED_PERCENT", 20, 0, 100) as u64,
            suspend_seconds: v.number("SMS_PUMPING_SUSPEND_MINUTES", 360, 1, 30 * 24 * 60) * 60,
        },
    };
    let email_configuration_set = v.configuration_set();
    let metrics_namespace = v.metrics_namespace();
    v.done()?;
    Ok(DeliveryConfig {
        table_name,
        secrets,
        mail_from,
        email_configuration_set,
        sms_sender_id,
        sms,
        event_bus_name,
        metrics_namespace,
    })
}

/// One function's view of its environment, and what is wrong with it.
pub(super) struct Variables<F> {
    pub(super) function: Function,
    lookup: F,
    problems: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    /// Every problem found, or none.
    fn done(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() { Ok(()) } else { Err(ConfigError(self.problems)) }
    }

    /// The value of a secret's name this function reads (a problem when it
    /// is missing); `None` when it does not read it.
    fn required_if_read(&mut self, name: &str) -> Option<String> {
        self.function.reads(name).then(|| self.required(name))
    }

    /// The flows' settings: each from its variable where this function
    /// reads it, else its default.
    fn recovery_settings(&mut self) -> RecoverySettings {
        let reset_page_url = self.required("RESET_PAGE_URL");
        let lock_page_url =
            self.get("LOCK_PAGE_URL").map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        if let Some(url) = &lock_page_url {
            self.expect_http_url("LOCK_PAGE_URL", url);
        }
        let login_url = self.required("LOGIN_URL");
        self.expect_http_url("RESET_PAGE_URL", &reset_page_url);
        self.expect_http_url("LOGIN_URL", &login_url);
        let reset_token_lifetime_seconds = self.number(
            "RESET_TOKEN_LIFETIME_SECONDS",
            DEFAULT_RESET_TOKEN_LIFETIME_SECONDS,
            60,
            86_400,
        );
        let min_chars = self.number("PASSWORD_MIN_LENGTH", DEFAULT_MIN_CHARS as i64, 1, 1024);
        let max_chars = self.number("PASSWORD_MAX_LENGTH", DEFAULT_MAX_CHARS as i64, 1, 1024);
        let floor_ms = self.number(
            "FORGOT_RESPONSE_FLOOR_MS",
            DEFAULT_FORGOT_RESPONSE_FLOOR_MS as i64,
            0,
            10_000,
        );
        let sign_in_floor_ms =
            self.number("SIGN_IN_FLOOR_MS", DEFAULT_SIGN_IN_FLOOR_MS as i64, 0, 10_000);
        let sms = self.sms_numbers();
        let limits = self.forgot_limits();
        let admin = self.admin_settings();
        let password_policy = PasswordPolicy::new(min_chars as usize, max_chars as usize);
        if password_policy.is_none() {
            self.problem("PASSWORD_MIN_LENGTH must not exceed PASSWORD_MAX_LENGTH");
        }
        let edition = self.edition();
        let service_name = self
            .get("SERVICE_NAME")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Account".to_owned());
        let support = self.get("SUPPORT_CONTACT").and_then(|s| SupportContact::parse(&s));
        if support.as_ref().is_some_and(|s| s.label().chars().count() > 200) {
            self.problem("SUPPORT_CONTACT must be at most 200 characters");
        }
        RecoverySettings {
            service_name,
            reset_page_url,
            login_url,
            lock_page_url,
            reset_token_lifetime_seconds,
            password_policy: password_policy.unwrap_or_default(),
            sms,
            limits,
            admin,
            support,
            edition,
            forgot_response_floor: Duration::from_millis(floor_ms.unsigned_abs()),
            sign_in_floor: Duration::from_millis(sign_in_floor_ms.unsigned_abs()),
            breach_check: self.breach_check(),
            challenge: self.challenge(),
        }
    }

    /// The variable's value, if this function reads it and it is set.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.function.reads(name).then(|| (self.lookup)(name)).flatten()
    }

    pub(super) fn problem(&mut self, text: impl Into<String>) {
        self.problems.push(text.into());
    }

    /// The trimmed value; a problem when this function reads it and it is
    /// missing or blank.
    fn required(&mut self, name: &str) -> String {
        match self.get(name).filter(|v| !v.trim().is_empty()) {
            Some(value) => value.trim().to_owned(),
            None => {
                if self.function.reads(name) {
                    self.problem(format!("{name} is required"));
                }
                String::new()
            }
        }
    }

    fn expect_http_url(&mut self, name: &str, url: &str) {
        if !url.is_empty() && !is_absolute_http_url(url) {
            self.problem(format!("{name} must be an absolute http(s) URL"));
        }
    }

    /// A whole number from `min` to `max`, or `default` when unset.
    pub(super) fn number(&mut self, name: &str, default: i64, min: i64, max: i64) -> i64 {
        match self.get(name).filter(|v| !v.trim().is_empty()) {
            None => default,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.problem(format!("{name} must be a whole number from {min} to {max}"));
                    default
                }
            },
        }
    }

    /// How long keys serve before they are read again.
    fn key_refresh(&mut self) -> Duration {
        let seconds =
            self.number("KEY_REFRESH_SECONDS", DEFAULT_KEY_REFRESH_SECONDS as i64, 10, 3600);
        Duration::from_secs(seconds.unsigned_abs())
    }

    /// The SMS settings but the secret.
    fn sms_numbers(&mut self) -> SmsSettings {
        let code_lifetime_seconds =
            self.number("SMS_CODE_LIFETIME_SECONDS", DEFAULT_SMS_CODE_LIFETIME_SECONDS, 10, 600);
        let max_attempts =
            self.number("SMS_CODE_MAX_ATTEMPTS", DEFAULT_SMS_CODE_MAX_ATTEMPTS, 1, 20);
        let code_token_lifetime_seconds = self.number(
            "SMS_RESET_TOKEN_LIFETIME_SECONDS",
            DEFAULT_SMS_RESET_TOKEN_LIFETIME_SECONDS,
            60,
            3600,
        );
        let per_phone_15min =
            self.number("SMS_LIMIT_PER_PHONE_15MIN", DEFAULT_SMS_LIMIT_PER_PHONE_15MIN, 1, 1000);
        let per_phone_day =
            self.number("SMS_LIMIT_PER_PHONE_DAY", DEFAULT_SMS_LIMIT_PER_PHONE_DAY, 1, MAX_LIMIT);
        let per_ip_hour =
            self.number("SMS_LIMIT_PER_IP_HOUR", DEFAULT_SMS_LIMIT_PER_IP_HOUR, 1, MAX_LIMIT);
        let per_range_hour =
            self.number("SMS_LIMIT_PER_RANGE_HOUR", DEFAULT_SMS_LIMIT_PER_RANGE_HOUR, 1, MAX_LIMIT);
        SmsSettings {
            code_lifetime_seconds,
            max_attempts: max_attempts as u32,
            code_token_lifetime_seconds,
            phone_limits: SmsSettings::phone_windows(per_phone_15min as u32, per_phone_day as u32),
            ip_limits: SmsSettings::ip_windows(per_ip_hour as u32),
            range_limits: SmsSettings::ip_windows(per_range_hour as u32),
        }
    }

    fn forgot_limits(&mut self) -> ForgotLimits {
        let per_15min = self.number("EMAIL_LIMIT_15MIN", DEFAULT_EMAIL_LIMIT_15MIN, 1, 1000);
        let per_day = self.number("EMAIL_LIMIT_DAY", DEFAULT_EMAIL_LIMIT_DAY, 1, MAX_LIMIT);
        let per_address_hour =
            self.number("FORGOT_LIMIT_PER_IP_HOUR", DEFAULT_FORGOT_LIMIT_PER_IP_HOUR, 1, MAX_LIMIT);
        let resend_after =
            self.number("EMAIL_RESEND_AFTER_SECONDS", DEFAULT_EMAIL_RESEND_AFTER_SECONDS, 0, 3600);
        ForgotLimits::new(per_15min as u32, per_day as u32, per_address_hour as u32)
            .resend_after(resend_after)
    }

    fn admin_settings(&mut self) -> AdminSettings {
        let link_lifetime_seconds = self.number(
            "ADMIN_LINK_LIFETIME_SECONDS",
            DEFAULT_ADMIN_LINK_LIFETIME_SECONDS,
            300,
            604_800,
        );
        let retention_days =
            self.number("AUDIT_RETENTION_DAYS", DEFAULT_AUDIT_RETENTION_DAYS, 1, 3650);
        let mut deployment_administrators = vec![];
        for arn in self.get("DEPLOYMENT_ADMINISTRATORS").unwrap_or_default().split(',') {
            match AdminPrincipal::from_arn(arn.trim()) {
                _ if arn.trim().is_empty() => {}
                Ok(principal) => deployment_administrators.push(principal),
                Err(err) => {
                    self.problem(format!("DEPLOYMENT_ADMINISTRATORS: {arn:?} is not {err}"))
                }
            }
        }
        AdminSettings {
            link_lifetime_seconds,
            audit_retention_seconds: retention_days * 86_400,
            deployment_administrators,
        }
    }

    fn edition(&mut self) -> Edition {
        match self.get("EDITION").as_deref().map(str::trim) {
            None | Some("") | Some("cloud") => Edition::Cloud,
            Some("on_premise") => Edition::OnPremise,
            Some(_) => {
                self.problem("EDITION must be cloud or on_premise");
                Edition::Cloud
            }
        }
    }

    /// SES names: 1 to 64 letters, digits, `_` and `-`.
    fn configuration_set(&mut self) -> Option<String> {
        let name = self
            .get("EMAIL_CONFIGURATION_SET")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())?;
        let valid = name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            self.problem(
                "EMAIL_CONFIGURATION_SET must be 1 to 64 letters, digits, underscores or dashes",
            );
        }
        Some(name)
    }

    fn sms_sender_id(&mut self) -> Option<String> {
        let id =
            self.get("SMS_SENDER_ID").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())?;
        let valid = id.len() <= 11
            && id.chars().all(|c| c.is_ascii_alphanumeric())
            && id.chars().any(|c| c.is_ascii_alphabetic());
        if !valid {
            self.problem(
                "SMS_SENDER_ID must be 1 to 11 letters or digits, with at least one letter",
            );
        }
        Some(id)
    }
}

fn is_absolute_http_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !url.contains(char::is_whitespace))
}
