//! Sealing what waits in the outbox: a message holds a link or a code until
//! it is delivered, so it is stored only as AES-256-GCM ciphertext under the
//! outbox key, bound to the item it belongs to (the associated data), so a
//! sealed payload cannot be moved to another message.
//!
//! The key is derived (HKDF-SHA256) from a secret text that the functions
//! read from Secrets Manager; the same text always gives the same key, so
//! the functions that seal and the one that opens agree without sharing
//! more. A payload names its key's version ([`KeyId`]), so one sealed before
//! a rotation opens under the previous version.

use std::fmt;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::hmac;

use super::key_id::KeyId;
use super::random::{RandomError, RandomSource};

/// The format of a sealed payload: this byte, the key's id, the nonce, the
/// ciphertext and its tag. A new format (or key scheme) gets a new byte.
const FORMAT: u8 = 2;
/// The format before payloads named their key: no id.
const FORMAT_WITHOUT_ID: u8 = 1;
/// Shortest secret text accepted, in bytes.
pub const MIN_OUTBOX_SECRET_BYTES: usize = 32;
const SALT: &[u8] = b"password-recovery outbox";
const INFO: &[u8] = b"aes-256-gcm v1";
/// Another key from the same secret signs "This was not me" links.
const LINK_INFO: &[u8] = b"lock link hmac-sha256 v1";

/// The key outbox payloads are sealed under, and (a key of its own, derived
/// from the same secret with another label) the one that signs "This was
/// not me" links. Never printed.
pub struct OutboxKey {
    sealing: LessSafeKey,
    links: hmac::Key,
    id: KeyId,
}

/// The secret text is too short to derive a key from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the outbox secret must be at least {MIN_OUTBOX_SECRET_BYTES} bytes")]
pub struct WeakOutboxSecret;

/// A sealed payload that does not open: another key, another item, or
/// altered bytes. Says nothing more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the sealed payload does not open under this key")]
pub struct Unsealable;

impl OutboxKey {
    /// The key for `secret` (at least [`MIN_OUTBOX_SECRET_BYTES`]).
    pub fn derive(secret: &[u8]) -> Result<Self, WeakOutboxSecret> {
        if secret.len() < MIN_OUTBOX_SECRET_BYTES {
            return Err(WeakOutboxSecret);
        }
        let prk = Salt::new(HKDF_SHA256, SALT).extract(secret);
        let okm = prk.expand(&[INFO], &AES_256_GCM).map_err(|_| WeakOutboxSecret)?;
        let links = prk.expand(&[LINK_INFO], hmac::HMAC_SHA256).map_err(|_| WeakOutboxSecret)?;
        let sealing = LessSafeKey::new(UnboundKey::from(okm));
        Ok(Self { sealing, links: hmac::Key::from(links), id: KeyId::of(secret) })
    }

    /// The id of the secret's version this key comes from.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The id of the key `sealed` was sealed under, when it names one
    /// (payloads sealed before they named their key do not).
    pub fn sealed_by(sealed: &[u8]) -> Option<KeyId> {
        match sealed.split_first()? {
            (&FORMAT, rest) => KeyId::from_prefix(rest),
            _ => None,
        }
    }

    /// The signature (HMAC-SHA256) of a link's `content`.
    pub fn sign_link(&self, content: &[u8]) -> Vec<u8> {
        hmac::sign(&self.links, content).as_ref().to_vec()
    }

    /// Whether `signature` is this key's of `content` (in constant time).
    pub fn link_signed(&self, content: &[u8], signature: &[u8]) -> bool {
        hmac::verify(&self.links, content, signature).is_ok()
    }

    /// `plaintext` sealed for the item named `bound_to`, under a fresh
    /// random nonce.
    pub fn seal(
        &self,
        bound_to: &str,
        plaintext: &[u8],
        random: &dyn RandomSource,
    ) -> Result<Vec<u8>, RandomError> {
        let mut nonce = [0u8; NONCE_LEN];
        random.fill(&mut nonce)?;
        let mut body = plaintext.to_vec();
        self.sealing
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(bound_to.as_bytes()),
                &mut body,
            )
            .map_err(|_| RandomError)?;
        let mut sealed = Vec::with_capacity(1 + KeyId::LEN + NONCE_LEN + body.len());
        sealed.push(FORMAT);
        sealed.extend_from_slice(&self.id.to_bytes());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    /// The plaintext of `sealed`, if it was sealed under this key for the
    /// item named `bound_to` and is intact.
    pub fn open(&self, bound_to: &str, sealed: &[u8]) -> Result<Vec<u8>, Unsealable> {
        let rest = match sealed.split_first().ok_or(Unsealable)? {
            (&FORMAT, rest) if KeyId::from_prefix(rest) == Some(self.id) => &rest[KeyId::LEN..],
            (&FORMAT_WITHOUT_ID, rest) => rest,
            _ => return Err(Unsealable),
        };
        if rest.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unsealable)?;
        let mut body = body.to_vec();
        let plain = self
            .sealing
            .open_in_place(nonce, Aad::from(bound_to.as_bytes()), &mut body)
            .map_err(|_| Unsealable)?;
        Ok(plain.to_vec())
    }
}

impl fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OutboxKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRandom;

    fn key(secret: &str) -> OutboxKey {
        OutboxKey::derive(secret.as_bytes()).unwrap()
    }

    const SECRET: &str = "an outbox secret of forty-two bytes or so!";

    #[test]
    fn a_payload_names_its_key_and_one_sealed_before_that_still_opens() {
        let (current, other) = (key(SECRET), key("another outbox secret of forty-two bytes!!"));
        assert_ne!(current.id(), other.id());
        let sealed = current.seal("item-1", b"token=abc", &OsRandom).unwrap();
        assert_eq!(OutboxKey::sealed_by(&sealed), Some(current.id()));
        // The same payload without the id, as sealed before payloads named
        // their key: opened by the key that sealed it, and by no other.
        let mut legacy = vec![FORMAT_WITHOUT_ID];
        legacy.extend_from_slice(&sealed[1 + KeyId::LEN..]);
        assert_eq!(OutboxKey::sealed_by(&legacy), None);
        assert_eq!(current.open("item-1", &legacy).unwrap(), b"token=abc");
        assert_eq!(other.open("item-1", &legacy), Err(Unsealable));
        assert_eq!(OutboxKey::sealed_by(&[]), None);
    }

    #[test]
    fn what_is_sealed_opens_for_its_item_only() {
        let sealed = key(SECRET).seal("item-1", b"token=abc", &OsRandom).unwrap();
        assert!(!sealed.windows(9).any(|w| w == b"token=abc"));
        assert_eq!(key(SECRET).open("item-1", &sealed).unwrap(), b"token=abc");
        assert_eq!(key(SECRET).open("item-2", &sealed), Err(Unsealable));
        let other = key("another outbox secret of forty-two bytes!!");
        assert_eq!(other.open("item-1", &sealed), Err(Unsealable));
    }

    #[test]
    fn altered_or_truncated_payloads_do_not_open() {
        let sealed = key(SECRET).seal("item", b"code 123456", &OsRandom).unwrap();
        for i in 0..sealed.len() {
            let mut altered = sealed.clone();
            altered[i] ^= 1;
            assert_eq!(key(SECRET).open("item", &altered), Err(Unsealable), "byte {i}");
        }
        assert_eq!(key(SECRET).open("item", &sealed[..10]), Err(Unsealable));
        assert_eq!(key(SECRET).open("item", &[]), Err(Unsealable));
    }

    #[test]
    fn each_seal_draws_a_new_nonce() {
        let k = key(SECRET);
        let a = k.seal("item", b"same", &OsRandom).unwrap();
        let b = k.seal("item", b"same", &OsRandom).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn short_secrets_are_refused_and_the_key_never_prints() {
        assert_eq!(OutboxKey::derive(b"too short").err(), Some(WeakOutboxSecret));
        assert_eq!(format!("{:?}", key(SECRET)), "OutboxKey(<redacted>)");
    }
}
