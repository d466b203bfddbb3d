//! The password policy (NIST SP 800-63B rev. 4): length limits on the
//! normalised password, no composition rules, and a refusal of the account's
//! own login and email and of common passwords.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::account::UserAccount;
use super::password::Password;

/// Passwords people choose most often (the list Django ships, compiled by
/// Royce Williams), one per line, compared case-insensitively.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

pub const DEFAULT_MIN_CHARS: usize = 8;
pub const DEFAULT_MAX_CHARS: usize = 256;

/// One reason a password was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyViolation {
    /// snake_case code for programs.
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewPasswordError {
    #[error("the password and its confirmation differ")]
    Mismatch,
    #[error("the password policy refused the password")]
    Weak(Vec<PolicyViolation>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    min_chars: usize,
    max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_chars: DEFAULT_MIN_CHARS, max_chars: DEFAULT_MAX_CHARS }
    }
}

impl PasswordPolicy {
    /// `None` unless `1 <= min <= max`.
    pub fn new(min_chars: usize, max_chars: usize) -> Option<Self> {
        (min_chars >= 1 && min_chars <= max_chars).then_some(Self { min_chars, max_chars })
    }

    pub fn min_chars(&self) -> usize {
        self.min_chars
    }

    pub fn max_chars(&self) -> usize {
        self.max_chars
    }

    /// Checks a new password for `account`, typed twice: the two must agree
    /// (after normalisation), then the policy must allow it. The password,
    /// normalised, is what to hash.
    pub fn check_new(
        &self,
        password: &str,
        confirmation: &str,
        account: &UserAccount,
    ) -> Result<Password, NewPasswordError> {
        let password = Password::new(password);
        if password.expose() != Password::new(confirmation).expose() {
            return Err(NewPasswordError::Mismatch);
        }
        let violations = self.violations(&password, account);
        if !violations.is_empty() {
            return Err(NewPasswordError::Weak(violations));
        }
        Ok(password)
    }

    /// Every reason `password` may not be `account`'s new password; empty when
    /// it may. Lengths count Unicode scalar values after NFKC normalisation.
    pub fn violations(&self, password: &Password, account: &UserAccount) -> Vec<PolicyViolation> {
        let text = password.expose();
        let chars = text.chars().count();
        let folded = text.to_lowercase();
        let mut found = Vec::new();
        if chars < self.min_chars {
            found.push(PolicyViolation {
                code: "too_short",
                message: format!("Use at least {} characters.", self.min_chars),
            });
        }
        if chars > self.max_chars {
            found.push(PolicyViolation {
                code: "too_long",
                message: format!("Use at most {} characters.", self.max_chars),
            });
        }
        if folded == account.login.as_str() {
            found.push(PolicyViolation {
                code: "matches_login",
                message: "Do not use your login as your password.".into(),
            });
        }
        if account.email.as_ref().is_some_and(|e| folded == e.as_str()) {
            found.push(PolicyViolation {
                code: "matches_email",
                message: "Do not use your email address as your password.".into(),
            });
        }
        if COMMON_PASSWORDS.contains(folded.as_str()) {
            found.push(PolicyViolation {
                code: "common_password",
                message: "This password is too common; choose one that is hard to guess.".into(),
            });
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmailAddress, LoginName, NewAccount, UserId};

    fn account() -> UserAccount {
        NewAccount {
            login: LoginName::parse("ada.lovelace").unwrap(),
            email: Some(EmailAddress::parse("ada@example.com").unwrap()),
            phone: None,
            password_hash: None,
            social_provider: None,
            disabled: false,
            locale: None,
            workspaces: vec![],
        }
        .open(UserId::from_stored("u1"))
    }

    fn codes(policy: &PasswordPolicy, password: &str) -> Vec<&'static str> {
        policy
            .violations(&Password::new(password), &account())
            .into_iter()
            .map(|v| v.code)
            .collect()
    }

    #[test]
    fn accepts_long_passwords_without_composition_rules() {
        let policy = PasswordPolicy::default();
        assert!(codes(&policy, "purple monkey dishwasher").is_empty());
        assert!(codes(&policy, "alllowercaseletters").is_empty());
        assert!(codes(&policy, "ünïcödé pässwörd ☃").is_empty());
    }

    #[test]
    fn enforces_length_bounds_in_characters() {
        let policy = PasswordPolicy::default();
        assert_eq!(codes(&policy, "x7#kq2!"), ["too_short"]);
        assert!(codes(&policy, "x7#kq2!z").is_empty());
        // Eight two-byte characters are eight characters.
        assert!(codes(&policy, "ééééééé§").is_empty());
        assert!(codes(&policy, &"ab".repeat(128)).is_empty());
        assert_eq!(codes(&policy, &"ab".repeat(128 + 1)), ["too_long"]);
    }

    #[test]
    fn lengths_are_configurable() {
        let policy = PasswordPolicy::new(15, 64).unwrap();
        assert_eq!(codes(&policy, "fourteen chars"), ["too_short"]);
        assert!(codes(&policy, "fifteen chars!!").is_empty());
        assert_eq!(codes(&policy, &"z".repeat(65)), ["too_long"]);
        assert!(PasswordPolicy::new(0, 10).is_none());
        assert!(PasswordPolicy::new(10, 9).is_none());
    }

    #[test]
    fn lengths_count_after_nfkc() {
        // U+FB03 (ﬃ) normalises to "ffi": 6 code points become 8 characters.
        let policy = PasswordPolicy::default();
        assert!(codes(&policy, "ﬃxyz!").len() == 1);
        assert!(codes(&policy, "ﬃxyz!!!").is_empty());
    }

    #[test]
    fn refuses_the_login_and_email_themselves() {
        let policy = PasswordPolicy::default();
        assert_eq!(codes(&policy, "Ada.Lovelace"), ["matches_login"]);
        assert_eq!(codes(&policy, "ADA@example.com"), ["matches_email"]);
    }

    #[test]
    fn refuses_common_passwords_case_insensitively() {
        let policy = PasswordPolicy::default();
        assert_eq!(codes(&policy, "password"), ["common_password"]);
        assert_eq!(codes(&policy, "Qwerty123"), ["common_password"]);
        assert_eq!(codes(&policy, "12345678"), ["common_password"]);
        assert!(COMMON_PASSWORDS.len() > 19_000);
    }

    #[test]
    fn a_new_password_must_match_its_confirmation_before_the_policy_is_asked() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy.check_new("short", "other", &account()).unwrap_err(),
            NewPasswordError::Mismatch
        );
        match policy.check_new("short", "short", &account()) {
            Err(NewPasswordError::Weak(reasons)) => assert_eq!(reasons[0].code, "too_short"),
            other => panic!("expected a weak password, got {other:?}"),
        }
        // "é" precomposed and decomposed are the same password.
        let checked =
            policy.check_new("caf\u{e9} au lait!", "cafe\u{301} au lait!", &account()).unwrap();
        assert_eq!(checked.expose(), "caf\u{e9} au lait!");
    }
}
