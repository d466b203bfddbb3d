//! A rendered message as the outbox keeps it (sealed, see
//! `domain::OutboxKey`): a compact binary form of an [`OutgoingEmail`] or an
//! [`OutgoingSms`], read back by the deliver function without rendering
//! anything again.

use std::fmt;

use super::{OutgoingEmail, OutgoingEvent, OutgoingSms};
use recovery_domain::{EmailAddress, PhoneNumber};

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    /// An event for the product, on the EventBridge bus.
    Event,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// What a message is for, by the name the outbox and the delivery status
/// use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString, strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum MessageKind {
    ResetLink,
    Code,
    ProviderNotice,
    PasswordChanged,
    AdminLink,
    Invitation,
    /// "Forgot your login?": the login of the account an address names.
    LoginReminder,
    /// An event for the product (`messages::event`).
    AccountEvent,
}

impl MessageKind {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// The way of recovery a message of this kind carries, if any.
    pub fn way(self) -> Option<recovery_domain::Way> {
        use recovery_domain::Way;
        match self {
            Self::ResetLink => Some(Way::EmailLink),
            Self::Code => Some(Way::SmsCode),
            Self::AdminLink => Some(Way::AdminLink),
            Self::Invitation => Some(Way::Invitation),
            Self::ProviderNotice
            | Self::PasswordChanged
            | Self::LoginReminder
            | Self::AccountEvent => None,
        }
    }
}

/// A message ready to send, by either channel.
#[derive(Clone, PartialEq, Eq)]
pub enum Message {
    Email(OutgoingEmail),
    Sms(OutgoingSms),
    Event(OutgoingEvent),
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Email(email) => email.fmt(f),
            Self::Sms(sms) => sms.fmt(f),
            Self::Event(event) => event.fmt(f),
        }
    }
}

impl From<OutgoingEmail> for Message {
    fn from(email: OutgoingEmail) -> Self {
        Self::Email(email)
    }
}

impl From<OutgoingEvent> for Message {
    fn from(event: OutgoingEvent) -> Self {
        Self::Event(event)
    }
}

impl From<OutgoingSms> for Message {
    fn from(sms: OutgoingSms) -> Self {
        Self::Sms(sms)
    }
}

/// Bytes that are not an encoded message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload is not an encoded message")]
pub struct MalformedPayload;

const EMAIL: u8 = b'E';
const SMS: u8 = b'S';
const EVENT: u8 = b'V';

impl Message {
    pub fn channel(&self) -> Channel {
        match self {
            Self::Email(_) => Channel::Email,
            Self::Sms(_) => Channel::Sms,
            Self::Event(_) => Channel::Event,
        }
    }

    /// A tag byte, then each field as a big-endian `u32` length and UTF-8.
    pub fn encode(&self) -> Vec<u8> {
        let (tag, fields): (u8, Vec<&str>) = match self {
            Self::Email(e) => (EMAIL, vec![e.to.as_str(), &e.subject, &e.html, &e.text]),
            Self::Sms(s) => (SMS, vec![s.to.as_e164(), &s.text]),
            Self::Event(e) => (EVENT, vec![&e.detail_type, &e.detail]),
        };
        let mut out = vec![tag];
        for field in fields {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&field.as_bytes()[..len as usize]);
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, MalformedPayload> {
        let (&tag, mut rest) = bytes.split_first().ok_or(MalformedPayload)?;
        let mut field = || -> Result<String, MalformedPayload> {
            if rest.len() < 4 {
                return Err(MalformedPayload);
            }
            let (len, tail) = rest.split_at(4);
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            if tail.len() < len {
                return Err(MalformedPayload);
            }
            let (text, tail) = tail.split_at(len);
            rest = tail;
            String::from_utf8(text.to_vec()).map_err(|_| MalformedPayload)
        };
        let message = match tag {
            EMAIL => Self::Email(OutgoingEmail {
                to: EmailAddress::parse(&field()?).map_err(|_| MalformedPayload)?,
                subject: field()?,
                html: field()?,
                text: field()?,
            }),
            SMS => Self::Sms(OutgoingSms {
                to: PhoneNumber::from_stored(&field()?).ok_or(MalformedPayload)?,
                text: field()?,
            }),
            EVENT => Self::Event(OutgoingEvent { detail_type: field()?, detail: field()? }),
            _ => return Err(MalformedPayload),
        };
        if !rest.is_empty() {
            return Err(MalformedPayload);
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Message {
        Message::Email(OutgoingEmail {
            to: EmailAddress::parse("ada@example.com").unwrap(),
            subject: "Reset your password".into(),
            html: "<p>Grüße: https://x/reset?token=abc</p>".into(),
            text: "Grüße".into(),
        })
    }

    fn sms() -> Message {
        Message::Sms(OutgoingSms {
            to: PhoneNumber::from_stored("+4915112345678").unwrap(),
            text: "123456 is your code".into(),
        })
    }

    #[test]
    fn messages_come_back_as_they_went_in() {
        let event = Message::Event(OutgoingEvent {
            detail_type: "PasswordChanged".into(),
            detail: r#"{"user_id":"u"}"#.into(),
        });
        for message in [email(), sms(), event] {
            assert_eq!(Message::decode(&message.encode()).unwrap(), message);
        }
        assert_eq!(email().channel(), Channel::Email);
        assert_eq!(Channel::from_name("sms"), Some(Channel::Sms));
        for &kind in <MessageKind as strum::VariantArray>::VARIANTS {
            assert_eq!(MessageKind::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn anything_else_is_malformed() {
        let encoded = email().encode();
        for cut in 0..encoded.len() {
            assert_eq!(Message::decode(&encoded[..cut]), Err(MalformedPayload));
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert_eq!(Message::decode(&longer), Err(MalformedPayload));
        assert_eq!(Message::decode(b"X\0\0\0\0"), Err(MalformedPayload));
    }

    #[test]
    fn debug_shows_no_body() {
        let shown = format!("{:?} {:?}", email(), sms());
        assert!(!shown.contains("token=") && !shown.contains("123456"), "{shown}");
    }
}
