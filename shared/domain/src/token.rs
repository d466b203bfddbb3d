//! Reset tokens: the secret in a recovery link, and the digest that is stored
//! in its place.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::account::UserId;
use super::random::{RandomError, RandomSource, hex};
use super::time::Timestamp;

/// Bytes of entropy in a reset token.
pub const TOKEN_BYTES: usize = 32;
/// Length of a token in its base64url form (no padding).
pub const TOKEN_TEXT_LEN: usize = 43;
/// Wrong logins entered with one reset token before it is burned.
pub const MAX_WRONG_LOGINS: u32 = 5;

/// The secret a person receives in a recovery link. It is shown exactly once,
/// in the link; only its [`TokenDigest`] is stored. It never prints.
pub struct ResetToken([u8; TOKEN_BYTES]);

impl ResetToken {
    /// 32 fresh bytes from `random`.
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        random.fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Reads a token as it appears in a link. Anything but 43 base64url
    /// characters decoding to 32 bytes is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != TOKEN_TEXT_LEN {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The base64url text that goes into the link.
    pub fn expose_for_link(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// SHA-256 of the token bytes: what the store keeps.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest(Sha256::digest(self.0).into())
    }
}

impl fmt::Debug for ResetToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResetToken(<redacted>)")
    }
}

/// SHA-256 digest of a [`ResetToken`]. It is the token's identity in storage;
/// it does not print either, so no log line carries anything derived from a
/// token.
#[derive(Clone)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Lower-case hex, as stored.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    pub(crate) fn into_bytes(self) -> [u8; 32] {
        self.0
    }

    /// Reads the stored hex form.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in text.as_bytes().chunks(2).enumerate() {
            let pair = std::str::from_utf8(pair).ok()?;
            out[i] = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self(out))
    }
}

impl PartialEq for TokenDigest {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for TokenDigest {}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenDigest(<redacted>)")
    }
}

/// Why a token was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum TokenPurpose {
    /// The person asked for it on the "Forgot password" page.
    SelfService,
    /// Given for a correct SMS code.
    SmsCode,
    /// Sent by an administrator ("Recover password").
    AdminLink,
    /// Sent with an invitation, to set the first password.
    Invitation,
}

/// How a password came to be set: by the owner through a link (of one
/// purpose or another), or directly by an administrator. What the notices
/// say and the `through` of the `PasswordChanged` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    /// Through a link of this purpose.
    Link(TokenPurpose),
    /// Set by an administrator, with no link.
    Administrator,
}

impl ChangeSource {
    /// The event's `through`: `reset_link`, `sms_code`, `admin_link`,
    /// `invitation` or `administrator`.
    pub fn through(self) -> &'static str {
        match self {
            Self::Link(TokenPurpose::SelfService) => "reset_link",
            Self::Link(purpose) => purpose.as_str(),
            Self::Administrator => "administrator",
        }
    }

    /// Whether an administrator set it (the notices say so).
    pub fn by_administrator(self) -> bool {
        self == Self::Administrator
    }

    /// Whether it came through a code by SMS (the number hears of it too).
    pub fn by_sms(self) -> bool {
        self == Self::Link(TokenPurpose::SmsCode)
    }
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// A stored reset token: its digest, whose it is, and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetTokenRecord {
    pub digest: TokenDigest,
    pub user_id: UserId,
    pub purpose: TokenPurpose,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

impl ResetTokenRecord {
    /// The record of `token`, issued to `user_id` for `purpose` at `now` and
    /// live for `lifetime_seconds`.
    pub fn issue(
        token: &ResetToken,
        user_id: &UserId,
        purpose: TokenPurpose,
        now: Timestamp,
        lifetime_seconds: i64,
    ) -> Self {
        Self {
            digest: token.digest(),
            user_id: user_id.clone(),
            purpose,
            issued_at: now,
            expires_at: now.plus_seconds(lifetime_seconds),
        }
    }

    /// Expiry is decided here, on every read: storage TTL deletes late.
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `through` of the product's PasswordChanged event, by source.
    #[test]
    fn a_change_names_how_it_came() {
        let sources = [
            ChangeSource::Link(TokenPurpose::SelfService),
            ChangeSource::Link(TokenPurpose::SmsCode),
            ChangeSource::Link(TokenPurpose::AdminLink),
            ChangeSource::Link(TokenPurpose::Invitation),
            ChangeSource::Administrator,
        ];
        let through: Vec<_> = sources.iter().map(|s| s.through()).collect();
        assert_eq!(
            through,
            ["reset_link", "sms_code", "admin_link", "invitation", "administrator"]
        );
        let by_sms: Vec<_> = sources.iter().map(|s| s.by_sms()).collect();
        assert_eq!(by_sms, [false, true, false, false, false]);
        let by_admin: Vec<_> = sources.iter().map(|s| s.by_administrator()).collect();
        assert_eq!(by_admin, [false, false, false, false, true]);
    }
    use crate::OsRandom;

    #[test]
    fn token_round_trips_through_its_link_form() {
        let token = ResetToken::generate(&OsRandom).unwrap();
        let text = token.expose_for_link();
        assert_eq!(text.len(), TOKEN_TEXT_LEN);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let parsed = ResetToken::parse(&text).unwrap();
        assert_eq!(parsed.digest(), token.digest());
    }

    #[test]
    fn two_tokens_differ() {
        let a = ResetToken::generate(&OsRandom).unwrap();
        let b = ResetToken::generate(&OsRandom).unwrap();
        assert_ne!(a.expose_for_link(), b.expose_for_link());
        assert_ne!(a.digest(), b.digest());
    }

    #[test]
    fn digest_is_sha256_of_the_token_bytes() {
        let token = ResetToken::parse(&URL_SAFE_NO_PAD.encode([7u8; 32])).unwrap();
        assert_eq!(
            token.digest().to_hex(),
            "4bb06f8e4e3a7715d201d573d0aa423762e55dabd61a2c02278fa56cc6d294e0"
        );
        let round = TokenDigest::from_hex(&token.digest().to_hex()).unwrap();
        assert_eq!(round, token.digest());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for text in
            ["", "short", &"A".repeat(44), &"*".repeat(43), &URL_SAFE_NO_PAD.encode([1u8; 31])]
        {
            assert!(ResetToken::parse(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let token = ResetToken::generate(&OsRandom).unwrap();
        let shown = format!("{token:?} {:?}", token.digest());
        assert!(!shown.contains(&token.expose_for_link()));
        assert!(!shown.contains(&token.digest().to_hex()));
    }

    #[test]
    fn a_record_dies_at_its_expiry_second() {
        let token = ResetToken::generate(&OsRandom).unwrap();
        let record = ResetTokenRecord::issue(
            &token,
            &UserId::from_stored("u"),
            TokenPurpose::SelfService,
            Timestamp::from_epoch_seconds(1000),
            3600,
        );
        assert_eq!(record.digest, token.digest());
        assert_eq!(record.expires_at, Timestamp::from_epoch_seconds(4600));
        assert!(record.is_live_at(Timestamp::from_epoch_seconds(4599)));
        assert!(!record.is_live_at(Timestamp::from_epoch_seconds(4600)));
    }
}
