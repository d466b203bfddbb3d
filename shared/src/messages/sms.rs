//! The text messages, rendered from `templates/sms/`.

use askama::Template;

use super::{Context, OutgoingSms, RenderError, describe_lifetime, render_sms};
use crate::domain::{PhoneNumber, SmsCode};

#[derive(Template)]
#[template(path = "sms/code.txt")]
struct CodeText<'a> {
    code: &'a str,
    service_name: &'a str,
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

/// "123456 is your Example password recovery code. It expires in 60
/// seconds. Do not share it: Example never asks you for it." The code
/// comes first, where phones look for it to offer it on the keyboard.
pub fn code(
    to: &PhoneNumber,
    context: &Context<'_>,
    code: &SmsCode,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    render_sms(
        to,
        CodeText {
            code: code.expose(),
            service_name: context.service_name,
            seconds: lifetime_seconds,
        },
    )
}

/// The note to an account that signs in through an identity provider.
pub fn provider_account(
    to: &PhoneNumber,
    context: &Context<'_>,
    provider: &str,
) -> Result<OutgoingSms, RenderError> {
    render_sms(
        to,
        ProviderText {
            service_name: context.service_name,
            provider,
        },
    )
}

/// The notice that an administrator changed the password.
pub fn password_changed(
    to: &PhoneNumber,
    context: &Context<'_>,
) -> Result<OutgoingSms, RenderError> {
    render_sms(
        to,
        ChangedText {
            service_name: context.service_name,
            login: context.login,
        },
    )
}

/// An administrator's recovery link with the registration details.
pub fn admin_link(
    to: &PhoneNumber,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let Context {
        service_name,
        login,
        login_url,
    } = *context;
    render_sms(
        to,
        AdminLinkText {
            service_name,
            login,
            login_url,
            link,
            lifetime: &describe_lifetime(lifetime_seconds),
        },
    )
}

/// An invitation with the registration details.
pub fn invitation(
    to: &PhoneNumber,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let Context {
        service_name,
        login,
        login_url,
    } = *context;
    render_sms(
        to,
        InvitationText {
            service_name,
            login,
            login_url,
            link,
            lifetime: &describe_lifetime(lifetime_seconds),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: Context<'static> = Context {
        service_name: "Example",
        login: "ada",
        login_url: "https://app.example.com/login",
    };

    #[test]
    fn the_code_message_reads_as_specified() {
        let to = PhoneNumber::parse("+4915112345678").unwrap();
        let sms = code(&to, &EXAMPLE, &SmsCode::parse("123456").unwrap(), 60).unwrap();
        assert_eq!(
            sms.text,
            "123456 is your Example password recovery code. It expires in 60 seconds. \
             Do not share it: Example never asks you for it."
        );
        assert!(!format!("{sms:?}").contains("123456"));
    }

    #[test]
    fn the_provider_message_names_the_provider() {
        let to = PhoneNumber::parse("+4915112345678").unwrap();
        let sms = provider_account(&to, &EXAMPLE, "Facebook").unwrap();
        assert!(sms.text.contains("Facebook"));
        assert!(!sms.text.chars().any(|c| c.is_ascii_digit()));
    }
}
