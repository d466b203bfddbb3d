//! The text messages, worded in the recipient's language from
//! `locales/<language>/messages.ftl` (`sms-*`). Each names the service.

use super::{Arg, Context, OutgoingSms, RenderError};
use recovery_domain::{PhoneNumber, SmsCode};

/// The message `id` with the service's name and the login, and `args`.
fn render(
    to: &PhoneNumber,
    context: &Context<'_>,
    id: &str,
    args: &[(&str, Arg<'_>)],
) -> Result<OutgoingSms, RenderError> {
    let mut all: Vec<(&str, Arg<'_>)> = vec![
        ("service", context.service_name.into()),
        ("login", context.login.into()),
        ("login_url", context.login_url.into()),
    ];
    all.extend_from_slice(args);
    let text = context.t.try_format(id, &all).ok_or(RenderError)?;
    Ok(OutgoingSms { to: to.clone(), text: text.trim().to_owned() })
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
    let args = [("code", code.expose().into()), ("seconds", lifetime_seconds.into())];
    render(to, context, "sms-code", &args)
}

/// The note to an account that signs in through an identity provider.
pub fn provider_account(
    to: &PhoneNumber,
    context: &Context<'_>,
    provider: &str,
) -> Result<OutgoingSms, RenderError> {
    render(to, context, "sms-provider", &[("provider", provider.into())])
}

/// The notice that the password changed (`by_admin`: an administrator set
/// it), with the "This was not me" link when there is one.
pub fn password_changed(
    to: &PhoneNumber,
    context: &Context<'_>,
    by_admin: bool,
    not_me: Option<&str>,
) -> Result<OutgoingSms, RenderError> {
    let by = if by_admin { "admin" } else { "self" };
    match not_me {
        Some(link) => {
            render(to, context, "sms-changed-not-me", &[("by", by.into()), ("link", link.into())])
        }
        None => render(to, context, "sms-changed", &[("by", by.into())]),
    }
}

/// An administrator's recovery link with the registration details.
pub fn admin_link(
    to: &PhoneNumber,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let lifetime = context.t.duration(lifetime_seconds);
    let args = [("link", link.into()), ("lifetime", lifetime.as_str().into())];
    render(to, context, "sms-admin-link", &args)
}

/// An invitation with the registration details.
pub fn invitation(
    to: &PhoneNumber,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingSms, RenderError> {
    let lifetime = context.t.duration(lifetime_seconds);
    let args = [("link", link.into()), ("lifetime", lifetime.as_str().into())];
    render(to, context, "sms-invitation", &args)
}

/// "Forgot your login?": the login, and the provider it signs in with.
pub fn login_reminder(
    to: &PhoneNumber,
    context: &Context<'_>,
    provider: Option<&str>,
) -> Result<OutgoingSms, RenderError> {
    match provider {
        Some(provider) => {
            render(to, context, "sms-reminder-provider", &[("provider", provider.into())])
        }
        None => render(to, context, "sms-reminder", &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Texts;
    use recovery_domain::Language;

    fn example(language: Language) -> Context<'static> {
        Context {
            service_name: "Example",
            login: "ada",
            login_url: "https://app.example.com/login",
            t: Texts::new(language),
        }
    }

    fn to() -> PhoneNumber {
        PhoneNumber::parse("+4915112345678").unwrap()
    }

    #[test]
    fn the_code_message_reads_as_specified() {
        let code_123456 = SmsCode::parse("123456").unwrap();
        let sms = code(&to(), &example(Language::English), &code_123456, 60).unwrap();
        assert_eq!(
            sms.text,
            "123456 is your Example password recovery code. It expires in 60 seconds. \
             Do not share it: Example never asks you for it."
        );
        assert!(!format!("{sms:?}").contains("123456"));
        let german = code(&to(), &example(Language::German), &code_123456, 60).unwrap();
        assert!(german.text.starts_with("123456 ist Ihr Code"), "{}", german.text);
        assert!(german.text.contains("in 60 Sekunden ab"));
        let russian = code(&to(), &example(Language::Russian), &code_123456, 60).unwrap();
        assert!(russian.text.contains("Действует 60 секунд"), "{}", russian.text);
    }

    #[test]
    fn the_provider_message_names_the_provider() {
        let sms = provider_account(&to(), &example(Language::English), "Facebook").unwrap();
        assert!(sms.text.contains("Facebook"));
        assert!(!sms.text.chars().any(|c| c.is_ascii_digit()));
    }

    #[test]
    fn the_changed_notice_says_who_changed_it() {
        let context = example(Language::English);
        let own = password_changed(&to(), &context, false, None).unwrap();
        assert!(own.text.contains("account ada was changed."), "{}", own.text);
        let admin = password_changed(&to(), &context, true, None).unwrap();
        assert!(admin.text.contains("was changed by an administrator."));
        let link = "https://id.example.com/password/not-me?token=x";
        let lock = password_changed(&to(), &context, false, Some(link)).unwrap();
        assert!(lock.text.ends_with(&format!("Not you? Lock the account: {link}")));
    }

    #[test]
    fn every_text_renders_in_every_language() {
        for language in Language::ALL {
            let context = example(language);
            let link = "https://id.example.com/password/reset?token=x";
            let texts = [
                provider_account(&to(), &context, "Google").unwrap(),
                password_changed(&to(), &context, true, Some(link)).unwrap(),
                admin_link(&to(), &context, link, 86_400).unwrap(),
                invitation(&to(), &context, link, 86_400).unwrap(),
                login_reminder(&to(), &context, None).unwrap(),
                login_reminder(&to(), &context, Some("Google")).unwrap(),
            ];
            for sms in texts {
                assert!(sms.text.contains("Example"), "{}", sms.text);
                assert!(!sms.text.contains('{'), "{}", sms.text);
            }
        }
    }
}
