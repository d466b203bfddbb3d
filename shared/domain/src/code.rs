//! SMS recovery codes: six random digits, stored only as an HMAC-SHA256 under
//! a server-side secret (a bare hash of six digits is reversed in a blink),
//! beside the id of the secret's version.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::account::UserId;
use super::identifier::PhoneNumber;
use super::key_id::KeyId;
use super::random::{RandomError, RandomSource, hex};
use super::time::Timestamp;
use super::token::TokenDigest;

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// Shortest accepted secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// A code as sent by SMS. Never printed.
pub struct SmsCode(String);

impl SmsCode {
    /// Six digits, uniformly distributed (rejection sampling, no modulo bias).
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomError> {
        const RANGE: u32 = 1_000_000;
        const LIMIT: u32 = u32::MAX - (u32::MAX % RANGE);
        loop {
            let mut bytes = [0u8; 4];
            random.fill(&mut bytes)?;
            let n = u32::from_le_bytes(bytes);
            if n < LIMIT {
                return Ok(Self(format!("{:06}", n % RANGE)));
            }
        }
    }

    /// What a person typed: six digits, spaces ignored; anything else is
    /// `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Self(digits))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsCode(<redacted>)")
    }
}

/// The HMAC key for codes, and its version's id. Never printed.
pub struct CodeSecret(SecretBox<Vec<u8>>, KeyId);

impl CodeSecret {
    /// `None` when shorter than [`MIN_SECRET_BYTES`].
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        let id = KeyId::of(&bytes);
        (bytes.len() >= MIN_SECRET_BYTES).then(|| Self(SecretBox::new(Box::new(bytes)), id))
    }

    pub fn id(&self) -> KeyId {
        self.1
    }

    /// HMAC-SHA256 over the number and the code, so a stored MAC is useless
    /// for any other number.
    pub fn mac(&self, phone: &PhoneNumber, code: &SmsCode) -> CodeMac {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret())
            .expect("HMAC takes keys of any length");
        mac.update(phone.as_e164().as_bytes());
        mac.update(b":");
        mac.update(code.expose().as_bytes());
        CodeMac(mac.finalize().into_bytes().into(), Some(self.1))
    }

    /// Whether `stored` is this key's MAC of `code` for `phone`: made under
    /// this version (or stored before MACs named theirs) and equal, compared
    /// in constant time.
    pub fn checks(&self, stored: &CodeMac, phone: &PhoneNumber, code: &SmsCode) -> bool {
        stored.1.is_none_or(|id| id == self.1)
            && bool::from(self.mac(phone, code).0.ct_eq(&stored.0))
    }
}

impl Clone for CodeSecret {
    fn clone(&self) -> Self {
        Self(SecretBox::new(Box::new(self.0.expose_secret().clone())), self.1)
    }
}

impl fmt::Debug for CodeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeSecret(<redacted>)")
    }
}

/// A code's HMAC and the id of the key that made it, as stored (`<id>.<mac>`
/// in hex; a MAC stored before MACs named their key has no id). Not printed
/// either.
#[derive(Clone)]
pub struct CodeMac([u8; 32], Option<KeyId>);

impl CodeMac {
    /// The version of the key that made it, when it says.
    pub fn key_id(&self) -> Option<KeyId> {
        self.1
    }

    pub fn to_hex(&self) -> String {
        match self.1 {
            Some(id) => format!("{id}.{}", hex(&self.0)),
            None => hex(&self.0),
        }
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let (id, mac) = match text.split_once('.') {
            Some((id, mac)) => (Some(KeyId::from_hex(id)?), mac),
            None => (None, text),
        };
        TokenDigest::from_hex(mac).map(|d| Self(d.into_bytes(), id))
    }
}

impl PartialEq for CodeMac {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1 && bool::from(self.0.ct_eq(&other.0))
    }
}

impl Eq for CodeMac {}

impl fmt::Debug for CodeMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeMac(<redacted>)")
    }
}

/// A stored code. It is keyed by the number it was sent to; `user_id` is
/// `None` for the stand-in stored when no code was sent (unknown, disabled or
/// provider-only numbers), so that wrong entries count alike for every number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub phone: PhoneNumber,
    pub user_id: Option<UserId>,
    pub mac: CodeMac,
    pub attempts_left: u32,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

impl CodeRecord {
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRandom;

    fn secret() -> CodeSecret {
        CodeSecret::new(vec![7u8; 32]).unwrap()
    }

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> =
            (0..50).map(|_| SmsCode::generate(&OsRandom).unwrap().expose().to_owned()).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert!(distinct.len() > 45);
    }

    #[test]
    fn typed_codes_are_parsed_strictly() {
        assert_eq!(SmsCode::parse(" 123 456 ").unwrap().expose(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert!(SmsCode::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_mac_depends_on_secret_number_and_code() {
        let phone = PhoneNumber::parse("+4915112345678").unwrap();
        let other = PhoneNumber::parse("+4915112345679").unwrap();
        let code = SmsCode::parse("123456").unwrap();
        let mac = secret().mac(&phone, &code);
        assert_eq!(mac, secret().mac(&phone, &SmsCode::parse("123456").unwrap()));
        assert_ne!(mac, secret().mac(&phone, &SmsCode::parse("123457").unwrap()));
        assert_ne!(mac, secret().mac(&other, &code));
        assert_ne!(mac, CodeSecret::new(vec![8u8; 32]).unwrap().mac(&phone, &code));
        assert_eq!(CodeMac::from_hex(&mac.to_hex()), Some(mac));
    }

    #[test]
    fn a_mac_names_its_key_and_is_checked_by_that_key_only() {
        let phone = PhoneNumber::parse("+4915112345678").unwrap();
        let code = SmsCode::parse("123456").unwrap();
        let other = CodeSecret::new(vec![8u8; 32]).unwrap();
        let mac = secret().mac(&phone, &code);
        assert_eq!(mac.key_id(), Some(secret().id()));
        assert_ne!(secret().id(), other.id());
        assert!(secret().checks(&mac, &phone, &code));
        assert!(!secret().checks(&mac, &phone, &SmsCode::parse("123457").unwrap()));
        assert!(!other.checks(&mac, &phone, &code));
        // One stored before MACs named their key: checked by any version.
        let hex = mac.to_hex();
        let legacy = CodeMac::from_hex(hex.split_once('.').unwrap().1).unwrap();
        assert_eq!(legacy.key_id(), None);
        assert!(secret().checks(&legacy, &phone, &code));
        assert!(!other.checks(&legacy, &phone, &code));
        assert_eq!(CodeMac::from_hex("0011.00"), None);
    }

    #[test]
    fn short_secrets_are_refused_and_nothing_prints() {
        assert!(CodeSecret::new(vec![1u8; 31]).is_none());
        let code = SmsCode::parse("123456").unwrap();
        let shown = format!("{code:?} {:?}", secret());
        assert!(!shown.contains("123456"));
    }
}
