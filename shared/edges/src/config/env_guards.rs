//! The variables of what guards the service against bots and bills: the
//! challenge under pressure, the breached-password check, where texts may
//! go and what they may cost.

use std::time::Duration;

use super::env::Variables;
use recovery_core::settings::*;

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    /// When forgot and forgot-login ask for a proof of work.
    pub(super) fn challenge(&mut self) -> ChallengeSettings {
        let shipped = ChallengeSettings::default();
        let at_percent = self.number("CHALLENGE_AT_PERCENT", shipped.at_percent.into(), 0, 100);
        let difficulty =
            self.number("CHALLENGE_DIFFICULTY", shipped.difficulty.into(), 8, 24) as u8;
        let wait_seconds = self.number("CHALLENGE_WAIT_SECONDS", shipped.wait_seconds, 0, 600);
        let every_sms = match self.get("CHALLENGE_SMS").as_deref().map(str::trim) {
            None | Some("" | "under_pressure") => false,
            Some("always") => true,
            Some(_) => {
                self.problem("CHALLENGE_SMS must be under_pressure or always");
                false
            }
        };
        let route_multiple =
            self.number("CHALLENGE_ROUTE_MULTIPLE", shipped.route_multiple as i64, 0, 1000) as u64;
        let route_floor_per_minute = self.number(
            "CHALLENGE_ROUTE_FLOOR_PER_MINUTE",
            shipped.route_floor_per_minute as i64,
            1,
            1_000_000,
        ) as u64;
        ChallengeSettings {
            at_percent: at_percent as u32,
            every_sms,
            difficulty,
            wait_seconds,
            route_multiple,
            route_floor_per_minute,
            ..shipped
        }
    }

    /// The CloudWatch namespace of the metrics (`METRICS_NAMESPACE`): 1 to
    /// 255 letters, digits and `.-_/#:`, not `AWS/`'s; `off`: none written.
    pub(super) fn metrics_namespace(&mut self) -> Option<String> {
        let name = match self.get("METRICS_NAMESPACE") {
            None => return Some(super::DEFAULT_METRICS_NAMESPACE.to_owned()),
            Some(name) if name.trim() == "off" => return None,
            Some(name) => name.trim().to_owned(),
        };
        let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#:".contains(c);
        if name.is_empty()
            || name.len() > 255
            || !name.chars().all(allowed)
            || name.starts_with("AWS/")
        {
            self.problem("METRICS_NAMESPACE must be 1 to 255 letters, digits and .-_/#:, and not begin with AWS/ (or off)");
        }
        Some(name)
    }

    /// The range API (`BREACHED_PASSWORDS_URL`): unset, Pwned Passwords';
    /// empty or `off`, none. HTTPS, or plain HTTP on the loopback address.
    pub(super) fn breached_passwords(&mut self) -> Option<String> {
        if !self.function.reads("BREACHED_PASSWORDS_URL") {
            return None;
        }
        let url = match self.get("BREACHED_PASSWORDS_URL") {
            None => return Some(super::PWNED_PASSWORDS_RANGE.to_owned()),
            Some(url) => url.trim().to_owned(),
        };
        if url.is_empty() || url == "off" {
            return None;
        }
        if !recovery_domain::range_url_allowed(&url) {
            self.problem("BREACHED_PASSWORDS_URL must be an https:// URL (or http:// on 127.0.0.1), empty or off");
        }
        Some(url)
    }

    /// `BREACHED_PASSWORDS_TIMEOUT_MS` and `BREACHED_PASSWORDS_FAIL`
    /// (`open`, the default, or `closed`).
    pub(super) fn breach_check(&mut self) -> BreachCheck {
        let timeout_ms = self.number(
            "BREACHED_PASSWORDS_TIMEOUT_MS",
            DEFAULT_BREACH_CHECK_TIMEOUT_MS as i64,
            50,
            10_000,
        );
        let fail_closed = match self.get("BREACHED_PASSWORDS_FAIL").as_deref().map(str::trim) {
            None | Some("" | "open") => false,
            Some("closed") => true,
            Some(_) => {
                self.problem("BREACHED_PASSWORDS_FAIL must be open or closed");
                false
            }
        };
        BreachCheck { timeout: Duration::from_millis(timeout_ms.unsigned_abs()), fail_closed }
    }
    /// `+49,+43`: the calling codes texts may go to.
    pub(super) fn sms_countries(&mut self) -> Option<recovery_domain::SmsCountries> {
        let text = self.get("SMS_COUNTRIES").unwrap_or_default();
        match recovery_domain::SmsCountries::parse(&text) {
            Ok(countries) => countries,
            Err(err) => {
                self.problem(format!("SMS_COUNTRIES: {err}"));
                None
            }
        }
    }

    /// `+49=0.08,*=0.25`: the deployment's prices over the shipped ones.
    pub(super) fn sms_prices(&mut self) -> recovery_domain::SmsPrices {
        let text = self.get("SMS_PRICES").unwrap_or_default();
        let shipped = recovery_domain::SmsPrices::shipped();
        shipped.clone().with_overrides(&text).unwrap_or_else(|err| {
            self.problem(format!("SMS_PRICES: {err}"));
            shipped
        })
    }

    /// `25`, `12.50`: USD; empty or `0`: no budget.
    pub(super) fn budget(&mut self, name: &str) -> Option<recovery_domain::MicroUsd> {
        let text = self.get(name).unwrap_or_default();
        recovery_domain::SmsBudget::parse_usd(&text).unwrap_or_else(|err| {
            self.problem(format!("{name}: {err}"));
            None
        })
    }
}
