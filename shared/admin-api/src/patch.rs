//! Fields of the events that are more than a string: a change's
//! (`update_user`, `update_workspace`) and a password.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a change: absent keeps it, `null` or `""` removes it, a
/// value replaces it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch {
    #[default]
    Keep,
    Clear,
    Set(String),
}

impl Patch {
    pub fn is_keep(&self) -> bool {
        *self == Self::Keep
    }
}

impl<'de> Deserialize<'de> for Patch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<String>::deserialize(d)? {
            Some(text) if !text.trim().is_empty() => Self::Set(text),
            _ => Self::Clear,
        })
    }
}

impl Serialize for Patch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Set(text) => s.serialize_str(text),
            Self::Keep | Self::Clear => s.serialize_none(),
        }
    }
}

/// A password as the event carries it; never printed.
#[derive(Clone)]
pub struct Password(pub SecretString);

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|text| Self(text.into()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}
