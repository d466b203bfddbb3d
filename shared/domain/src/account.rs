//! Accounts as the recovery flows see them, and the rules that belong to an
//! account.

use std::fmt;

use super::identifier::{EmailAddress, IdentifierError, LoginName, PhoneNumber};
use super::locale::Locale;
use super::password::PasswordHash;
use super::random::{RandomError, RandomSource, hex};
use super::time::Timestamp;
use super::token::TokenDigest;

/// A stable, random account id. Logs may carry it; it says nothing about the
/// person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomError> {
        let mut bytes = [0u8; 16];
        random.fill(&mut bytes)?;
        Ok(Self(hex(&bytes)))
    }

    /// The id of no account (ids are hex; this is not): what a check that
    /// found no account reads in its place, so that it makes the calls a
    /// found one makes.
    pub fn stand_in() -> Self {
        Self("no-account-stand-in-000000000000".to_owned())
    }

    pub fn from_stored(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a person typed into "Login, email or phone": parsed into the one key
/// it can be looked up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountLookup {
    Login(LoginName),
    Email(EmailAddress),
    Phone(PhoneNumber),
}

impl AccountLookup {
    /// `@` makes an email address, a leading `+` (after brackets) a phone
    /// number; anything else is a login.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        if text.contains('@') {
            EmailAddress::parse(text).map(Self::Email)
        } else if starts_like_phone(text) {
            PhoneNumber::parse(text).map(Self::Phone)
        } else {
            LoginName::parse(text).map(Self::Login)
        }
    }

    /// Whether `typed` names `account`, as `parse` and `matches` answer,
    /// except that a number is compared digit for digit with the account's
    /// (parsed when it was stored) instead of being parsed: a check that only
    /// compares loads no phone metadata. A number typed with a trunk prefix
    /// (`+44 (0)20 ...`) names no account here.
    pub fn names(typed: &str, account: &UserAccount) -> bool {
        if typed.contains('@') {
            EmailAddress::parse(typed).is_ok_and(|email| account.email.as_ref() == Some(&email))
        } else if starts_like_phone(typed) {
            account.phone.as_ref().is_some_and(|phone| phone.is_typed_as(typed))
        } else {
            LoginName::parse(typed).is_ok_and(|login| login == account.login)
        }
    }

    /// Whether this identifier names `account` (its login, email or phone).
    pub fn matches(&self, account: &UserAccount) -> bool {
        match self {
            Self::Login(login) => *login == account.login,
            Self::Email(email) => account.email.as_ref() == Some(email),
            Self::Phone(phone) => account.phone.as_ref() == Some(phone),
        }
    }
}

/// A leading `+` (after brackets and spaces).
fn starts_like_phone(text: &str) -> bool {
    text.trim_start().trim_start_matches(['(', ' ']).starts_with('+')
}

/// An account as the recovery flows see it.
#[derive(Debug, Clone)]
pub struct UserAccount {
    pub id: UserId,
    pub login: LoginName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    /// `None` when the account has no local password (signs in through a
    /// provider, or was invited and has not set one yet).
    pub password_hash: Option<PasswordHash>,
    /// Name of the identity provider the account signs in through
    /// ("Google", "Facebook", ...), if any.
    pub social_provider: Option<String>,
    pub disabled: bool,
    /// The person's language, when known.
    pub locale: Option<Locale>,
    /// When the password last changed; other systems end sessions older than
    /// this.
    pub password_changed_at: Option<Timestamp>,
    /// Digest of the one reset token that may still be redeemed.
    pub active_reset: Option<TokenDigest>,
    /// The last time mail to the account was refused for good (a hard
    /// bounce) or reported as spam, and to which address.
    pub email_trouble: Option<EmailTrouble>,
    /// When its owner locked it ("This was not me"), until an
    /// administrator's recovery link clears the lock. Apart from
    /// `disabled`, an administrator's switch: each has its own way back.
    pub locked_at: Option<Timestamp>,
    /// The workspaces it belongs to, by id, each once.
    pub workspaces: Vec<crate::WorkspaceId>,
}

/// Why mail to an address does not reach its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum EmailTroubleKind {
    /// The receiving server refused it for good (a permanent bounce).
    Bounced,
    /// The recipient reported it as spam.
    Complained,
}

impl EmailTroubleKind {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// A hard bounce or complaint recorded against an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTrouble {
    pub kind: EmailTroubleKind,
    pub address: EmailAddress,
    pub at: Timestamp,
}

impl UserAccount {
    /// The account signs in only through an identity provider: recovery
    /// happens there.
    pub fn social_only(&self) -> Option<&str> {
        match (&self.social_provider, &self.password_hash) {
            (Some(provider), None) => Some(provider),
            _ => None,
        }
    }

    /// Whether it is switched off: disabled by an administrator, or locked
    /// by its owner. Either way no link, no code, no successful sign-in.
    pub fn blocked(&self) -> bool {
        self.disabled || self.locked_at.is_some()
    }

    /// Whether this account may recover its password here: it is neither
    /// disabled nor locked, and does not sign in only through an identity
    /// provider. The DynamoDB adapter states the same rule as a condition
    /// (`expr::HAS_NUMBER_AND_MAY_RECOVER`).
    pub fn may_recover(&self) -> bool {
        !self.blocked() && self.social_only().is_none()
    }

    /// The trouble recorded for the address the account has now; trouble
    /// with an address it no longer has does not count.
    pub fn current_email_trouble(&self) -> Option<&EmailTrouble> {
        self.email_trouble.as_ref().filter(|trouble| self.email.as_ref() == Some(&trouble.address))
    }
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: LoginName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub password_hash: Option<PasswordHash>,
    pub social_provider: Option<String>,
    pub disabled: bool,
    pub locale: Option<Locale>,
    /// The workspaces it joins as it is created.
    pub workspaces: Vec<crate::WorkspaceId>,
}

impl NewAccount {
    /// The account as it is once created under `id`: no password change and
    /// no reset token yet.
    pub fn open(self, id: UserId) -> UserAccount {
        UserAccount {
            id,
            login: self.login,
            email: self.email,
            phone: self.phone,
            password_hash: self.password_hash,
            social_provider: self.social_provider,
            disabled: self.disabled,
            locale: self.locale,
            password_changed_at: None,
            active_reset: None,
            email_trouble: None,
            locked_at: None,
            workspaces: {
                let mut workspaces = self.workspaces;
                workspaces.sort();
                workspaces.dedup();
                workspaces
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(provider: Option<&str>, hash: bool, disabled: bool) -> UserAccount {
        NewAccount {
            login: LoginName::parse("ada").unwrap(),
            email: None,
            phone: None,
            password_hash: hash.then(|| PasswordHash::from_phc("$argon2id$x")),
            social_provider: provider.map(str::to_owned),
            disabled,
            locale: None,
            workspaces: vec![],
        }
        .open(UserId::from_stored("u1"))
    }

    #[test]
    fn only_enabled_accounts_with_a_password_or_no_provider_may_recover() {
        assert!(account(None, true, false).may_recover());
        assert!(account(None, false, false).may_recover(), "invited, no password yet");
        assert!(account(Some("Google"), true, false).may_recover(), "both ways");
        assert!(!account(Some("Google"), false, false).may_recover());
        assert!(!account(None, true, true).may_recover());
    }

    #[test]
    fn a_typed_identifier_names_an_account_as_a_lookup_would() {
        let mut ada = account(None, true, false);
        ada.email = Some(EmailAddress::parse("ada@example.com").unwrap());
        ada.phone = PhoneNumber::from_stored("+4915112345678");
        for typed in ["ada", " ADA ", "Ada@Example.com", "+4915112345678", "+49 (151) 1234-5678"] {
            assert!(AccountLookup::names(typed, &ada), "{typed:?}");
            if !typed.starts_with('+') {
                assert!(AccountLookup::parse(typed).unwrap().matches(&ada), "{typed:?}");
            }
        }
        for typed in
            ["grace", "ada@example.org", "+4915112345679", "+49151123456780", "+", "", "+49 151 x"]
        {
            assert!(!AccountLookup::names(typed, &ada), "{typed:?}");
        }
        ada.phone = None;
        assert!(!AccountLookup::names("+4915112345678", &ada), "no number to name");
    }

    #[test]
    fn an_opened_account_has_no_reset_and_no_change_yet() {
        let opened = account(None, true, false);
        assert_eq!(opened.id, UserId::from_stored("u1"));
        assert!(opened.active_reset.is_none() && opened.password_changed_at.is_none());
    }
}
