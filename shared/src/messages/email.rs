//! The emails, each an HTML and a plain-text part (and a subject) rendered
//! from `templates/email/`. One template struct per template file.

use askama::Template;

use super::{Context, OutgoingEmail, RenderError, describe_lifetime, render_email};
use crate::domain::{EmailAddress, Timestamp, utc_minutes};

#[derive(Template)]
#[template(path = "email/reset_link.subject.txt")]
struct ResetLinkSubject<'a> {
    service_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/reset_link.html")]
struct ResetLinkHtml<'a> {
    service_name: &'a str,
    login: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "email/reset_link.txt")]
struct ResetLinkText<'a> {
    service_name: &'a str,
    login: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "email/provider_account.subject.txt")]
struct ProviderSubject<'a> {
    service_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/provider_account.html")]
struct ProviderHtml<'a> {
    service_name: &'a str,
    login: &'a str,
    provider: &'a str,
}

#[derive(Template)]
#[template(path = "email/provider_account.txt")]
struct ProviderText<'a> {
    service_name: &'a str,
    login: &'a str,
    provider: &'a str,
}

#[derive(Template)]
#[template(path = "email/password_changed.subject.txt")]
struct ChangedSubject<'a> {
    service_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/password_changed.html")]
struct ChangedHtml<'a> {
    service_name: &'a str,
    login: &'a str,
    changed_at: &'a str,
    by_admin: bool,
}

#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct ChangedText<'a> {
    service_name: &'a str,
    login: &'a str,
    changed_at: &'a str,
    by_admin: bool,
}

#[derive(Template)]
#[template(path = "email/admin_link.subject.txt")]
struct AdminLinkSubject<'a> {
    service_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/admin_link.html")]
struct AdminLinkHtml<'a> {
    service_name: &'a str,
    login: &'a str,
    login_url: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "email/admin_link.txt")]
struct AdminLinkText<'a> {
    service_name: &'a str,
    login: &'a str,
    login_url: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "email/invitation.subject.txt")]
struct InvitationSubject<'a> {
    service_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    service_name: &'a str,
    login: &'a str,
    login_url: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationText<'a> {
    service_name: &'a str,
    login: &'a str,
    login_url: &'a str,
    link: &'a str,
    lifetime: &'a str,
}

/// The email with the "Change password" link.
pub fn reset_link(
    to: &EmailAddress,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let Context {
        service_name,
        login,
        ..
    } = *context;
    let lifetime = &describe_lifetime(lifetime_seconds);
    render_email(
        to,
        ResetLinkSubject { service_name },
        ResetLinkHtml {
            service_name,
            login,
            link,
            lifetime,
        },
        ResetLinkText {
            service_name,
            login,
            link,
            lifetime,
        },
    )
}

/// The email to an account that signs in through an identity provider.
pub fn provider_account(
    to: &EmailAddress,
    context: &Context<'_>,
    provider: &str,
) -> Result<OutgoingEmail, RenderError> {
    let Context {
        service_name,
        login,
        ..
    } = *context;
    render_email(
        to,
        ProviderSubject { service_name },
        ProviderHtml {
            service_name,
            login,
            provider,
        },
        ProviderText {
            service_name,
            login,
            provider,
        },
    )
}

/// The notice that a password changed (`by_admin`: an administrator set
/// it). It carries no link that signs in.
pub fn password_changed(
    to: &EmailAddress,
    context: &Context<'_>,
    changed_at: Timestamp,
    by_admin: bool,
) -> Result<OutgoingEmail, RenderError> {
    let Context {
        service_name,
        login,
        ..
    } = *context;
    let changed_at = &utc_minutes(changed_at);
    render_email(
        to,
        ChangedSubject { service_name },
        ChangedHtml {
            service_name,
            login,
            changed_at,
            by_admin,
        },
        ChangedText {
            service_name,
            login,
            changed_at,
            by_admin,
        },
    )
}

/// The "Recover password" email an administrator sends, with the
/// registration details.
pub fn admin_link(
    to: &EmailAddress,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let Context {
        service_name,
        login,
        login_url,
    } = *context;
    let lifetime = &describe_lifetime(lifetime_seconds);
    render_email(
        to,
        AdminLinkSubject { service_name },
        AdminLinkHtml {
            service_name,
            login,
            login_url,
            link,
            lifetime,
        },
        AdminLinkText {
            service_name,
            login,
            login_url,
            link,
            lifetime,
        },
    )
}

/// The invitation to a new account, with the registration details and the
/// link to set the first password.
pub fn invitation(
    to: &EmailAddress,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let Context {
        service_name,
        login,
        login_url,
    } = *context;
    let lifetime = &describe_lifetime(lifetime_seconds);
    render_email(
        to,
        InvitationSubject { service_name },
        InvitationHtml {
            service_name,
            login,
            login_url,
            link,
            lifetime,
        },
        InvitationText {
            service_name,
            login,
            login_url,
            link,
            lifetime,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> EmailAddress {
        EmailAddress::parse("ada@example.com").unwrap()
    }

    const EXAMPLE: Context<'static> = Context {
        service_name: "Example",
        login: "ada",
        login_url: "https://app.example.com/login",
    };

    #[test]
    fn reset_email_has_the_link_in_both_parts() {
        let link = "https://id.example.com/password/reset?token=abc_DEF-123";
        let email = reset_link(&to(), &EXAMPLE, link, 3600).unwrap();
        assert_eq!(email.subject, "Reset your Example password");
        assert!(email.html.contains(&format!("href=\"{link}\"")));
        assert!(email.html.contains("Change password"));
        assert!(email.text.contains(link));
        assert!(email.text.contains("expires in 1 hour"));
        assert!(!format!("{email:?}").contains("abc_DEF"));
    }

    #[test]
    fn html_parts_escape_what_they_show() {
        let email = provider_account(&to(), &EXAMPLE, "<Evil & Co>").unwrap();
        assert!(
            email.html.contains("&#60;Evil &#38; Co&#62;")
                || email.html.contains("&lt;Evil &amp; Co&gt;")
        );
        assert!(!email.html.contains("<Evil"));
        assert!(email.text.contains("<Evil & Co>"));
    }

    #[test]
    fn provider_email_names_the_provider_and_has_no_link() {
        let email = provider_account(&to(), &EXAMPLE, "Google").unwrap();
        assert!(email.text.contains("reset your password with Google"));
        assert!(!email.html.contains("token="));
    }

    #[test]
    fn changed_email_says_when_and_has_no_sign_in_link() {
        let at = Timestamp::from_epoch_seconds(0);
        let email = password_changed(&to(), &EXAMPLE, at, false).unwrap();
        assert!(email.text.contains("was changed on 1970-01-01 00:00 UTC"));
        assert!(!email.html.contains("href"));
        let by_admin = password_changed(&to(), &EXAMPLE, at, true).unwrap();
        assert!(by_admin.text.contains("changed by an administrator on"));
    }

    #[test]
    fn admin_emails_carry_the_registration_details_and_the_link() {
        let link = "https://id.example.com/password/reset?token=t0k";
        for email in [
            admin_link(&to(), &EXAMPLE, link, 86_400).unwrap(),
            invitation(&to(), &EXAMPLE, link, 86_400).unwrap(),
        ] {
            for part in [&email.html, &email.text] {
                assert!(part.contains("ada"));
                assert!(part.contains("https://app.example.com/login"));
                assert!(part.contains(link));
                assert!(part.contains("24 hours"));
            }
        }
    }
}
