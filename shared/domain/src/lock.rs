//! "This was not me": the link in a password-changed notice with which the
//! account's owner locks the account. The link carries what it is about
//! (the account, the password change it answers, when it expires), signed
//! with the outbox key's link key; nothing is stored for it. It locks only
//! while the account still has the password that change set and was not
//! locked since, so it works once.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{KeyId, OutboxKey, Timestamp, UserId};

/// How long a "This was not me" link works: a notice may be read days
/// after it was sent.
pub const LOCK_LINK_LIFETIME_SECONDS: i64 = 7 * 86_400;

/// The format byte of a link's content; a new format gets a new byte.
const FORMAT: u8 = 2;
/// The format before links named their key: no key id.
const FORMAT_WITHOUT_ID: u8 = 1;
const SIGNATURE_BYTES: usize = 32;

/// What a "This was not me" link is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockClaim {
    pub user_id: UserId,
    /// The password change the link answers (the account's
    /// `password_changed_at` when the notice was sent).
    pub changed_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A link's token as it goes into the link. Never printed.
pub struct LockToken(String);

impl LockToken {
    pub fn expose_for_link(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LockToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockToken(<redacted>)")
    }
}

impl LockClaim {
    /// The claim for the change of `user_id`'s password at `changed_at`,
    /// working for [`LOCK_LINK_LIFETIME_SECONDS`].
    pub fn for_change(user_id: &UserId, changed_at: Timestamp) -> Self {
        Self {
            user_id: user_id.clone(),
            changed_at,
            expires_at: changed_at.plus_seconds(LOCK_LINK_LIFETIME_SECONDS),
        }
    }

    /// The claim's bytes: the format, the signing key's id, the user id
    /// (its length first), the change and the expiry (big-endian seconds).
    fn content(&self, key: KeyId) -> Option<Vec<u8>> {
        let id = self.user_id.as_str().as_bytes();
        let mut content = vec![FORMAT];
        content.extend_from_slice(&key.to_bytes());
        content.push(u8::try_from(id.len()).ok()?);
        content.extend_from_slice(id);
        content.extend_from_slice(&self.changed_at.epoch_seconds().to_be_bytes());
        content.extend_from_slice(&self.expires_at.epoch_seconds().to_be_bytes());
        Some(content)
    }

    /// The token for a link: the content and its signature, base64url.
    /// `None` for a user id of over 255 bytes (none is).
    pub fn sign(&self, key: &OutboxKey) -> Option<LockToken> {
        let mut bytes = self.content(key.id())?;
        let signature = key.sign_link(&bytes);
        bytes.extend_from_slice(&signature);
        Some(LockToken(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The id of the key `text` says signed it, when it is a link that
    /// names one (links signed before they named their key do not).
    pub fn signed_by(text: &str) -> Option<KeyId> {
        let bytes = URL_SAFE_NO_PAD.decode(text.get(..16)?).ok()?;
        match bytes.split_first()? {
            (&FORMAT, rest) => KeyId::from_prefix(rest),
            _ => None,
        }
    }

    /// The claim of `text`, when `key` signed it and it is well formed.
    /// Whether it is still in time, and still the account's, is for the
    /// caller to check.
    pub fn verify(text: &str, key: &OutboxKey) -> Option<LockClaim> {
        if text.len() > 512 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let split = bytes.len().checked_sub(SIGNATURE_BYTES)?;
        let (content, signature) = bytes.split_at(split);
        if !key.link_signed(content, signature) {
            return None;
        }
        let rest = match content.split_first()? {
            (&FORMAT, rest) if KeyId::from_prefix(rest) == Some(key.id()) => &rest[KeyId::LEN..],
            (&FORMAT_WITHOUT_ID, rest) => rest,
            _ => return None,
        };
        let (&id_len, rest) = rest.split_first()?;
        if rest.len() != usize::from(id_len) + 16 {
            return None;
        }
        let (id, times) = rest.split_at(usize::from(id_len));
        let seconds = |at: usize| -> Option<i64> {
            Some(i64::from_be_bytes(times.get(at..at + 8)?.try_into().ok()?))
        };
        Some(LockClaim {
            user_id: UserId::from_stored(std::str::from_utf8(id).ok()?),
            changed_at: Timestamp::from_epoch_seconds(seconds(0)?),
            expires_at: Timestamp::from_epoch_seconds(seconds(8)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> OutboxKey {
        OutboxKey::derive(secret.as_bytes()).unwrap()
    }

    const SECRET: &str = "an outbox secret of forty-two bytes or so!";

    #[test]
    fn a_signed_claim_comes_back_and_nothing_else_does() {
        let claim = LockClaim::for_change(
            &UserId::from_stored("0123456789abcdef0123456789abcdef"),
            Timestamp::from_epoch_seconds(1_796_282_700),
        );
        assert_eq!(claim.expires_at.epoch_seconds(), 1_796_282_700 + 604_800);
        let token = claim.sign(&key(SECRET)).unwrap();
        let text = token.expose_for_link();
        assert!(text.len() < 120, "{text}");
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(LockClaim::verify(text, &key(SECRET)), Some(claim));
        // Another key, a changed byte, a cut token: nothing.
        let other = key("another outbox secret of forty-two bytes!!");
        assert_eq!(LockClaim::verify(text, &other), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(text).unwrap();
        bytes[5] ^= 1;
        let altered = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(LockClaim::verify(&altered, &key(SECRET)), None);
        assert_eq!(LockClaim::verify(&text[..text.len() - 4], &key(SECRET)), None);
        for junk in ["", "x", "!!!!", &"A".repeat(600)] {
            assert_eq!(LockClaim::verify(junk, &key(SECRET)), None, "{junk}");
        }
        assert!(!format!("{token:?}").contains(text));
    }

    #[test]
    fn a_link_names_its_key_and_one_signed_before_that_still_verifies() {
        let claim = LockClaim::for_change(
            &UserId::from_stored("0123456789abcdef0123456789abcdef"),
            Timestamp::from_epoch_seconds(1_796_282_700),
        );
        let (current, other) = (key(SECRET), key("another outbox secret of forty-two bytes!!"));
        let token = claim.sign(&current).unwrap();
        assert_eq!(LockClaim::signed_by(token.expose_for_link()), Some(current.id()));
        // A link as signed before links named their key.
        let content = claim.content(current.id()).unwrap();
        let mut legacy = vec![FORMAT_WITHOUT_ID];
        legacy.extend_from_slice(&content[1 + KeyId::LEN..]);
        legacy.extend_from_slice(&current.sign_link(&legacy));
        let legacy = URL_SAFE_NO_PAD.encode(legacy);
        assert_eq!(LockClaim::signed_by(&legacy), None);
        assert_eq!(LockClaim::verify(&legacy, &current), Some(claim.clone()));
        assert_eq!(LockClaim::verify(&legacy, &other), None);
        // A link naming another key than the one that signed it: nothing.
        let mut renamed = content.clone();
        renamed[1..1 + KeyId::LEN].copy_from_slice(&other.id().to_bytes());
        renamed.extend_from_slice(&current.sign_link(&renamed));
        assert_eq!(LockClaim::verify(&URL_SAFE_NO_PAD.encode(renamed), &current), None);
        assert_eq!(LockClaim::signed_by("short"), None);
    }
}
