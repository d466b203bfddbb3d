//! The configuration read from a function's environment.

use std::collections::HashMap;
use std::time::Duration;

use super::*;
use recovery_domain::{PasswordPolicy, RateWindow};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> =
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).cloned()
}

const MINIMAL: &[(&str, &str)] = &[
    ("TABLE_NAME", "recovery"),
    ("OUTBOX_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:outbox"),
    ("SMS_CODE_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:sms-code"),
    ("MAIL_FROM", "no-reply@example.com"),
    ("RESET_PAGE_URL", "https://id.example.com/password/reset"),
    ("LOGIN_URL", "https://app.example.com/login"),
    ("EVENT_BUS_NAME", "recovery-events"),
];

#[test]
fn each_function_reads_exactly_its_own_variables() {
    for function in Function::ALL {
        let seen = std::cell::RefCell::new(Vec::new());
        let record = |name: &str| {
            seen.borrow_mut().push(name.to_owned());
            None
        };
        match function {
            Function::Deliver => drop(DeliveryConfig::from_lookup(record)),
            _ => drop(FlowsConfig::from_lookup(function, record)),
        }
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
    let config = FlowsConfig::from_lookup(
        Function::VerifyCode,
        env(&[("TABLE_NAME", "recovery"), ("SMS_CODE_SECRET_ARN", "sms-code")]),
    )
    .unwrap();
    assert_eq!(config.secrets.sms_code.as_deref(), Some("sms-code"));
    assert_eq!(config.secrets.outbox, None, "not read");
    let err =
        FlowsConfig::from_lookup(Function::VerifyCode, env(&[("TABLE_NAME", "t")])).unwrap_err();
    assert!(err.to_string().contains("SMS_CODE_SECRET_ARN"));
    let err =
        FlowsConfig::from_lookup(Function::SetPassword, env(&[("TABLE_NAME", "t")])).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("OUTBOX_SECRET_ARN") && text.contains("LOGIN_URL"));
    // The lock link of its notices lives beside the reset page.
    assert!(text.contains("RESET_PAGE_URL") && !text.contains("MAIL_FROM"));
    let err =
        FlowsConfig::from_lookup(Function::LockAccount, env(&[("TABLE_NAME", "t")])).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("OUTBOX_SECRET_ARN"));
    assert!(!text.contains("LOGIN_URL") && !text.contains("RESET_PAGE_URL"));
    let err = DeliveryConfig::from_lookup(env(&[("TABLE_NAME", "t")])).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("OUTBOX_SECRET_ARN") && text.contains("MAIL_FROM"));
    assert!(!text.contains("LOGIN_URL"));
}

#[test]
fn defaults_apply_when_only_required_variables_are_set() {
    let config = FlowsConfig::from_lookup(Function::RequestReset, env(MINIMAL)).unwrap();
    let admin = FlowsConfig::from_lookup(Function::AdminReset, env(MINIMAL)).unwrap();
    assert_eq!(config.recovery.reset_token_lifetime_seconds, 3600);
    assert_eq!(config.recovery.password_policy, PasswordPolicy::default());
    assert_eq!(config.recovery.edition, Edition::Cloud);
    assert_eq!(config.recovery.forgot_response_floor, Duration::from_millis(300));
    let sms = &config.recovery.sms;
    assert_eq!(sms.code_lifetime_seconds, 60);
    assert_eq!(sms.max_attempts, 5);
    assert_eq!(sms.code_token_lifetime_seconds, 600);
    assert_eq!(
        sms.phone_limits,
        [RateWindow { seconds: 900, max: 3 }, RateWindow { seconds: 86_400, max: 10 }]
    );
    assert_eq!(sms.ip_limits, [RateWindow { seconds: 3600, max: 10 }]);
    assert_eq!(
        admin.recovery.admin,
        AdminSettings {
            link_lifetime_seconds: 86_400,
            audit_retention_seconds: 365 * 86_400,
            deployment_administrators: vec![],
        }
    );
}

#[test]
fn deployment_administrators_are_principals_and_a_wrong_one_is_named() {
    let mut pairs = MINIMAL.to_vec();
    pairs.push((
        "DEPLOYMENT_ADMINISTRATORS",
        " arn:aws:iam::123456789012:role/ops/platform , arn:aws:iam::123456789012:user/ada,",
    ));
    let config = FlowsConfig::from_lookup(Function::AdminReset, env(&pairs)).unwrap();
    let listed: Vec<&str> =
        config.recovery.admin.deployment_administrators.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        listed,
        ["arn:aws:sts::123456789012:assumed-role/platform", "arn:aws:iam::123456789012:user/ada"]
    );
    pairs.pop();
    pairs.push(("DEPLOYMENT_ADMINISTRATORS", "arn:aws:iam::123456789012:user/ada,ops"));
    let err = FlowsConfig::from_lookup(Function::AdminReset, env(&pairs)).unwrap_err();
    assert!(err.to_string().contains("DEPLOYMENT_ADMINISTRATORS: \"ops\""), "{err}");
}

#[test]
fn sms_sender_ids_are_letters_or_digits_with_a_letter() {
    let mut pairs = MINIMAL.to_vec();
    pairs.push(("SMS_SENDER_ID", "Example"));
    let config = DeliveryConfig::from_lookup(env(&pairs)).unwrap();
    assert_eq!(config.sms_sender_id.as_deref(), Some("Example"));
    for bad in ["12345", "Too-Long-Name", "with space"] {
        pairs.retain(|(name, _)| *name != "SMS_SENDER_ID");
        pairs.push(("SMS_SENDER_ID", bad));
        let err = DeliveryConfig::from_lookup(env(&pairs)).unwrap_err();
        assert!(err.to_string().contains("SMS_SENDER_ID"), "{bad}");
    }
}

#[test]
fn every_problem_is_reported_by_name() {
    let err = FlowsConfig::from_lookup(
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
        "OUTBOX_SECRET_ARN",
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
    let config = FlowsConfig::from_lookup(Function::RequestReset, env(&pairs)).unwrap();
    assert_eq!(config.recovery.reset_token_lifetime_seconds, 900);
    assert_eq!(config.recovery.edition, Edition::OnPremise);
    let config = FlowsConfig::from_lookup(Function::SetPassword, env(&pairs)).unwrap();
    assert_eq!(config.recovery.password_policy.min_chars(), 15);
    assert_eq!(config.recovery.password_policy.max_chars(), 64);
}

#[test]
fn reset_links_append_the_token_to_the_configured_page() {
    let mut settings =
        FlowsConfig::from_lookup(Function::RequestReset, env(MINIMAL)).unwrap().recovery;
    assert_eq!(settings.reset_link("t0k"), "https://id.example.com/password/reset?token=t0k");
    settings.reset_page_url = "https://id.example.com/r?lang=en".into();
    assert_eq!(settings.reset_link("t0k"), "https://id.example.com/r?lang=en&token=t0k");
}

#[test]
fn the_deliver_function_sends_in_the_configuration_set_it_is_given() {
    let mut pairs = MINIMAL.to_vec();
    let config = DeliveryConfig::from_lookup(env(&pairs)).unwrap();
    assert_eq!(config.email_configuration_set, None);
    pairs.push(("EMAIL_CONFIGURATION_SET", "recovery-events_1"));
    let config = DeliveryConfig::from_lookup(env(&pairs)).unwrap();
    assert_eq!(config.email_configuration_set.as_deref(), Some("recovery-events_1"));
    // Not a variable of the others: their configuration has no such field,
    // and they do not look it up.
    FlowsConfig::from_lookup(Function::RequestReset, env(&pairs)).unwrap();
    assert!(!Function::RequestReset.reads("EMAIL_CONFIGURATION_SET"));
    let long = "x".repeat(65);
    for bad in ["with space", "dots.not.allowed", long.as_str()] {
        pairs.retain(|(name, _)| *name != "EMAIL_CONFIGURATION_SET");
        pairs.push(("EMAIL_CONFIGURATION_SET", bad));
        let err = DeliveryConfig::from_lookup(env(&pairs)).unwrap_err();
        assert!(err.to_string().contains("EMAIL_CONFIGURATION_SET"), "{bad}");
    }
}

#[test]
fn request_reset_reads_the_edge_secret_when_the_api_is_behind_cloudfront() {
    let read = |extra: &[(&str, &str)], function| {
        let pairs: Vec<(&str, &str)> = MINIMAL.iter().chain(extra).copied().collect();
        FlowsConfig::from_lookup(function, env(&pairs)).unwrap().secrets.edge
    };
    assert_eq!(read(&[], Function::RequestReset), None);
    assert_eq!(read(&[("EDGE_SECRET_ARN", "")], Function::RequestReset), None, "set empty");
    let edge = [("EDGE_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:edge")];
    assert_eq!(read(&edge, Function::RequestReset).as_deref(), Some(edge[0].1));
    assert_eq!(read(&edge, Function::VerifyCode), None, "not read");
}

#[test]
fn sms_countries_are_calling_codes_and_a_wrong_one_is_named() {
    let mut pairs = MINIMAL.to_vec();
    pairs.push(("SMS_COUNTRIES", "+49, +43"));
    let config = DeliveryConfig::from_lookup(env(&pairs)).unwrap();
    let countries = config.sms.countries.expect("a list");
    assert!(countries.allows(&recovery_domain::PhoneNumber::parse("+4366412345678").unwrap()));
    pairs.pop();
    pairs.push(("SMS_COUNTRIES", "+49,DE"));
    let err = DeliveryConfig::from_lookup(env(&pairs)).unwrap_err();
    assert!(err.to_string().contains("SMS_COUNTRIES: \"DE\""), "{err}");
    pairs.pop();
    assert!(DeliveryConfig::from_lookup(env(&pairs)).unwrap().sms.countries.is_none());
    pairs.push(("SMS_PRICES", "+49=0.08,*=nothing"));
    let err = DeliveryConfig::from_lookup(env(&pairs)).unwrap_err();
    assert!(err.to_string().contains("SMS_PRICES"), "{err}");
}

#[test]
fn sms_budgets_are_dollars_and_none_when_empty_or_zero() {
    let mut pairs = MINIMAL.to_vec();
    pairs.push(("SMS_DAILY_BUDGET_USD", "12.50"));
    pairs.push(("SMS_MONTHLY_BUDGET_USD", "0"));
    let budget = DeliveryConfig::from_lookup(env(&pairs)).unwrap().sms.budget;
    assert_eq!((budget.daily, budget.monthly), (Some(12_500_000), None));
    pairs.push(("SMS_MONTHLY_BUDGET_USD", "a lot"));
    pairs.remove(pairs.len() - 2);
    let err = DeliveryConfig::from_lookup(env(&pairs)).unwrap_err();
    assert!(err.to_string().contains("SMS_MONTHLY_BUDGET_USD: \"a lot\""), "{err}");
}

#[test]
fn the_breach_check_asks_pwned_passwords_unless_told_otherwise() {
    let pairs = [
        ("TABLE_NAME", "recovery"),
        ("OUTBOX_SECRET_ARN", "outbox"),
        ("SMS_CODE_SECRET_ARN", "sms-code"),
        ("RESET_PAGE_URL", "https://example.com/reset"),
        ("LOGIN_URL", "https://example.com/login"),
    ];
    let read = |extra: &[(&'static str, &'static str)]| {
        let mut all = pairs.to_vec();
        all.extend_from_slice(extra);
        FlowsConfig::from_lookup(Function::SetPassword, env(&all))
    };
    let config = read(&[]).unwrap();
    assert_eq!(config.breached_passwords.as_deref(), Some(PWNED_PASSWORDS_RANGE));
    assert_eq!(config.recovery.breach_check.timeout, std::time::Duration::from_millis(1_500));
    assert!(!config.recovery.breach_check.fail_closed);
    for off in ["", "off"] {
        assert_eq!(read(&[("BREACHED_PASSWORDS_URL", off)]).unwrap().breached_passwords, None);
    }
    let local = read(&[
        ("BREACHED_PASSWORDS_URL", "http://127.0.0.1:8099/range/"),
        ("BREACHED_PASSWORDS_FAIL", "closed"),
        ("BREACHED_PASSWORDS_TIMEOUT_MS", "300"),
    ])
    .unwrap();
    assert_eq!(local.breached_passwords.as_deref(), Some("http://127.0.0.1:8099/range/"));
    assert!(local.recovery.breach_check.fail_closed);
    let err = read(&[
        ("BREACHED_PASSWORDS_URL", "http://api.example/range/"),
        ("BREACHED_PASSWORDS_FAIL", "maybe"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("BREACHED_PASSWORDS_URL") && err.contains("BREACHED_PASSWORDS_FAIL"),
        "{err}"
    );
    let verify = FlowsConfig::from_lookup(Function::VerifyCode, env(&pairs)).unwrap();
    assert_eq!(verify.breached_passwords, None, "only the functions that set passwords ask");
}

#[test]
fn metrics_go_under_their_namespace_or_nowhere() {
    let pairs = [("TABLE_NAME", "recovery"), ("OUTBOX_SECRET_ARN", "outbox")];
    let read = |extra: &[(&'static str, &'static str)]| {
        let mut all = pairs.to_vec();
        all.extend_from_slice(extra);
        DeliveryConfig::from_lookup(env(&all))
    };
    let extra = [("MAIL_FROM", "a@example.com"), ("EVENT_BUS_NAME", "bus")];
    assert_eq!(read(&extra).unwrap().metrics_namespace.as_deref(), Some("PasswordRecovery"));
    let named = [extra[0], extra[1], ("METRICS_NAMESPACE", "Acme/Recovery-1")];
    assert_eq!(read(&named).unwrap().metrics_namespace.as_deref(), Some("Acme/Recovery-1"));
    let off = [extra[0], extra[1], ("METRICS_NAMESPACE", "off")];
    assert_eq!(read(&off).unwrap().metrics_namespace, None);
    for wrong in ["", "AWS/Lambda", "has space", &"n".repeat(256)] {
        let wrong: &'static str = Box::leak(wrong.to_owned().into_boxed_str());
        let err = read(&[extra[0], extra[1], ("METRICS_NAMESPACE", wrong)]).unwrap_err();
        assert!(err.to_string().contains("METRICS_NAMESPACE"), "{wrong:?}: {err}");
    }
}
