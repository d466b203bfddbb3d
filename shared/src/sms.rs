//! The text messages the service sends, rendered from `templates/sms/`.

use std::fmt;

use askama::Template;

use crate::account::PhoneNumber;
use crate::code::SmsCode;
use crate::email::{RegistrationDetails, RenderError, describe_lifetime};

/// A text message ready to send. Its text may hold a code, so only the
/// masked number prints.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub to: PhoneNumber,
    pub text: String,
}

impl fmt::Debug for OutgoingSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingSms")
            .field("to", &self.to.masked())
            .field("text", &"<redacted>")
            .finish()
    }
}

#[derive(Template)]
#[template(path = "sms/code.txt")]
struct CodeText<'a> {
    code: &'a str,
    seconds: i64,
}

#[derive(Template)]
#[template(path = "sms/provider_account.txt")]
struct ProviderText<'a> {
    service_name: &'a str,
    provider: &'a str,
}

#[derive(Template)]
#[template(path = "sms/admin_link.txt")]
struct AdminLinkText<'a> {
    service_name: &'a str,
    login: &'a str,
    login_url: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "sms/invitation.txt")]
struct InvitationText<'a> {
    service_name: &'a str,
    login: &'a str,
    login_url: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "sms/password_changed.txt")]
struct ChangedText<'a> {
    service_name: &'a str,
    login: &'a str,
}

fn message(to: &PhoneNumber, text: String) -> OutgoingSms {
    OutgoingSms {
        to: to.clone(),
        text: text.trim().to_owned(),
    }
}

/// An administrator's recovery link with the registration details, by SMS.
pub fn admin_link(
    to: &PhoneNumber,
    details: RegistrationDetails<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let RegistrationDetails {
        service_name,
        login,
        login_url,
    } = details;
    let lifetime = describe_lifetime(lifetime_seconds);
    let text = AdminLinkText {
        service_name,
        login,
        login_url,
        link,
        lifetime: &lifetime,
    }
    .render()?;
    Ok(message(to, text))
}

/// An invitation with the registration details, by SMS.
pub fn invitation(
    to: &PhoneNumber,
    details: RegistrationDetails<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let RegistrationDetails {
        service_name,
        login,
        login_url,
    } = details;
    let lifetime = describe_lifetime(lifetime_seconds);
    let text = InvitationText {
        service_name,
        login,
        login_url,
        link,
        lifetime: &lifetime,
    }
    .render()?;
    Ok(message(to, text))
}

/// The notice that an administrator changed the password, by SMS.
pub fn password_changed(
    to: &PhoneNumber,
    service_name: &str,
    login: &str,
) -> Result<OutgoingSms, RenderError> {
    Ok(message(
        to,
        ChangedText {
            service_name,
            login,
        }
        .render()?,
    ))
}

/// "123456 is your password recovery code. It expires in 60 seconds."
pub fn code(
    to: &PhoneNumber,
    code: &SmsCode,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let text = CodeText {
        code: code.expose(),
        seconds: lifetime_seconds,
    }
    .render()?;
    Ok(OutgoingSms {
        to: to.clone(),
        text: text.trim().to_owned(),
    })
}

/// The note to an account that signs in through an identity provider.
pub fn provider_account(
    to: &PhoneNumber,
    service_name: &str,
    provider: &str,
) -> Result<OutgoingSms, RenderError> {
    let text = ProviderText {
        service_name,
        provider,
    }
    .render()?;
    Ok(OutgoingSms {
        to: to.clone(),
        text: text.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_message_reads_as_specified() {
        let to = PhoneNumber::parse("+4915112345678").unwrap();
        let sms = code(&to, &SmsCode::parse("123456").unwrap(), 60).unwrap();
        assert_eq!(
            sms.text,
            "123456 is your password recovery code. It expires in 60 seconds."
        );
        assert!(!format!("{sms:?}").contains("123456"));
    }

    #[test]
    fn the_provider_message_names_the_provider() {
        let to = PhoneNumber::parse("+4915112345678").unwrap();
        let sms = provider_account(&to, "Example", "Facebook").unwrap();
        assert!(sms.text.contains("Facebook"));
        assert!(!sms.text.chars().any(|c| c.is_ascii_digit()));
    }
}
