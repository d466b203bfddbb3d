//! Which version of a secret a key was derived from. Everything sealed,
//! signed or MACed carries its key's id, so a reader holding the current
//! and the previous version picks the right one, and one meeting an id it
//! does not hold knows the secret was rotated and reads it again.

use std::fmt;

use sha2::{Digest, Sha256};

use super::random::hex;

/// The first four bytes of SHA-256 over a label and the secret: tells
/// versions apart and says nothing usable about the secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 4]);

impl KeyId {
    pub const LEN: usize = 4;

    /// The id of the key derived from `secret`.
    pub fn of(secret: &[u8]) -> Self {
        let digest = Sha256::new().chain_update(b"password-recovery key id\0").chain_update(secret);
        Self(digest.finalize()[..Self::LEN].try_into().expect("four bytes"))
    }

    pub fn to_bytes(self) -> [u8; 4] {
        self.0
    }

    /// The id in the first four bytes of `bytes`.
    pub fn from_prefix(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.get(..Self::LEN)?.try_into().ok()?))
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        (text.len() == 2 * Self::LEN).then(|| Self::from_prefix(&bytes)).flatten()
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_secret_has_its_id_and_the_id_reads_back() {
        let id = KeyId::of(b"a secret of thirty-two bytes or more....");
        assert_eq!(id, KeyId::of(b"a secret of thirty-two bytes or more...."));
        assert_ne!(id, KeyId::of(b"a secret of thirty-two bytes or more...!"));
        assert_eq!(KeyId::from_hex(&id.to_string()), Some(id));
        assert_eq!(id.to_string().len(), 8);
        for bad in ["", "0011223", "001122334", "zz112233", "é1122334"] {
            assert_eq!(KeyId::from_hex(bad), None, "{bad}");
        }
    }
}
