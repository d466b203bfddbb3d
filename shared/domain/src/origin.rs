//! A CloudFront distribution in front of the API: the secret it adds to
//! every request it forwards, and the viewer's address it writes beside it.
//! Only a request carrying the secret came through the distribution, so
//! only its viewer address is the caller's; anyone can write the header.

use std::fmt;
use std::net::IpAddr;

use secrecy::{ExposeSecret, SecretBox};
use subtle::ConstantTimeEq;

use super::key_id::KeyId;

/// The shortest origin secret accepted, in bytes.
pub const MIN_ORIGIN_SECRET_BYTES: usize = 32;

/// The value of `X-Origin-Verify` the distribution sends. Never printed.
#[derive(Clone)]
pub struct OriginSecret(std::sync::Arc<SecretBox<Vec<u8>>>, KeyId);

impl OriginSecret {
    /// `None` when shorter than [`MIN_ORIGIN_SECRET_BYTES`].
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        let id = KeyId::of(&bytes);
        (bytes.len() >= MIN_ORIGIN_SECRET_BYTES)
            .then(|| Self(std::sync::Arc::new(SecretBox::new(Box::new(bytes))), id))
    }

    pub fn id(&self) -> KeyId {
        self.1
    }

    /// Whether `presented` is this secret, compared in constant time.
    pub fn admits(&self, presented: &str) -> bool {
        let secret = self.0.expose_secret();
        secret.len() == presented.len() && bool::from(secret.ct_eq(presented.as_bytes()))
    }
}

impl fmt::Debug for OriginSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OriginSecret({})", self.1)
    }
}

/// The address in CloudFront's `CloudFront-Viewer-Address`: the viewer's
/// address and port, IPv6 unbracketed (`198.51.100.10:46532`,
/// `2001:db8::1:46532`).
pub fn viewer_address(header: &str) -> Option<IpAddr> {
    let (address, port) = header.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    address.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_address_is_the_text_before_the_port() {
        let parse = |h: &str| viewer_address(h).map(|a| a.to_string());
        assert_eq!(parse("198.51.100.10:46532").as_deref(), Some("198.51.100.10"));
        assert_eq!(parse("2001:db8::1:46532").as_deref(), Some("2001:db8::1"));
        assert_eq!(parse("[2001:db8::7]:443").as_deref(), Some("2001:db8::7"));
        for bad in ["198.51.100.10", "198.51.100.10:port", "", "host.example:80", "1.2.3.4:70000"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_secret_itself_is_admitted_and_it_never_prints() {
        assert!(OriginSecret::new(vec![b'a'; 31]).is_none());
        let secret = OriginSecret::new(b"k".repeat(40)).unwrap();
        assert!(secret.admits(&"k".repeat(40)));
        for wrong in ["k".repeat(39), "k".repeat(41), format!("{}K", "k".repeat(39)), String::new()]
        {
            assert!(!secret.admits(&wrong));
        }
        assert!(!format!("{secret:?}").contains("kkkk"));
    }
}
