//! The emails the service sends, rendered from the template files under
//! `templates/email/` into an HTML and a plain-text part.

use std::fmt;

use askama::Template;

use crate::account::EmailAddress;
use crate::clock::Timestamp;
use crate::time_format::utc_minutes;

/// An email ready to send. Its body may hold a recovery link, so only the
/// recipient and subject print.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: EmailAddress,
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingEmail")
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("an email template failed to render")]
pub struct RenderError;

impl From<askama::Error> for RenderError {
    fn from(_: askama::Error) -> Self {
        RenderError
    }
}

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

/// What an administrator's link email carries besides the link: the
/// registration details.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationDetails<'a> {
    pub service_name: &'a str,
    pub login: &'a str,
    pub login_url: &'a str,
}

/// The "Recover password" email an administrator sends.
pub fn admin_link(
    to: &EmailAddress,
    details: RegistrationDetails<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let lifetime = describe_lifetime(lifetime_seconds);
    let RegistrationDetails {
        service_name,
        login,
        login_url,
    } = details;
    Ok(OutgoingEmail {
        to: to.clone(),
        subject: AdminLinkSubject { service_name }
            .render()?
            .trim()
            .to_owned(),
        html: AdminLinkHtml {
            service_name,
            login,
            login_url,
            link,
            lifetime: &lifetime,
        }
        .render()?,
        text: AdminLinkText {
            service_name,
            login,
            login_url,
            link,
            lifetime: &lifetime,
        }
        .render()?,
    })
}

/// The invitation to a new account, with the link to set the first password.
pub fn invitation(
    to: &EmailAddress,
    details: RegistrationDetails<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let lifetime = describe_lifetime(lifetime_seconds);
    let RegistrationDetails {
        service_name,
        login,
        login_url,
    } = details;
    Ok(OutgoingEmail {
        to: to.clone(),
        subject: InvitationSubject { service_name }
            .render()?
            .trim()
            .to_owned(),
        html: InvitationHtml {
            service_name,
            login,
            login_url,
            link,
            lifetime: &lifetime,
        }
        .render()?,
        text: InvitationText {
            service_name,
            login,
            login_url,
            link,
            lifetime: &lifetime,
        }
        .render()?,
    })
}

/// "1 hour", "90 minutes", "24 hours", "45 seconds".
pub fn describe_lifetime(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if seconds % 3600 == 0 && seconds >= 3600 {
        plural(seconds / 3600, "hour")
    } else if seconds % 60 == 0 && seconds >= 60 {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// The email with the "Change password" link.
pub fn reset_link(
    service_name: &str,
    to: &EmailAddress,
    login: &str,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let lifetime = describe_lifetime(lifetime_seconds);
    Ok(OutgoingEmail {
        to: to.clone(),
        subject: ResetLinkSubject { service_name }
            .render()?
            .trim()
            .to_owned(),
        html: ResetLinkHtml {
            service_name,
            login,
            link,
            lifetime: &lifetime,
        }
        .render()?,
        text: ResetLinkText {
            service_name,
            login,
            link,
            lifetime: &lifetime,
        }
        .render()?,
    })
}

/// The email to an account that signs in through an identity provider.
pub fn provider_account(
    service_name: &str,
    to: &EmailAddress,
    login: &str,
    provider: &str,
) -> Result<OutgoingEmail, RenderError> {
    Ok(OutgoingEmail {
        to: to.clone(),
        subject: ProviderSubject { service_name }.render()?.trim().to_owned(),
        html: ProviderHtml {
            service_name,
            login,
            provider,
        }
        .render()?,
        text: ProviderText {
            service_name,
            login,
            provider,
        }
        .render()?,
    })
}

/// The notice that a password changed (`by_admin`: an administrator set
/// it). It carries no link that signs in.
pub fn password_changed(
    service_name: &str,
    to: &EmailAddress,
    login: &str,
    changed_at: Timestamp,
    by_admin: bool,
) -> Result<OutgoingEmail, RenderError> {
    let changed_at = utc_minutes(changed_at);
    Ok(OutgoingEmail {
        to: to.clone(),
        subject: ChangedSubject { service_name }.render()?.trim().to_owned(),
        html: ChangedHtml {
            service_name,
            login,
            changed_at: &changed_at,
            by_admin,
        }
        .render()?,
        text: ChangedText {
            service_name,
            login,
            changed_at: &changed_at,
            by_admin,
        }
        .render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> EmailAddress {
        EmailAddress::parse("ada@example.com").unwrap()
    }

    #[test]
    fn reset_email_has_the_link_in_both_parts() {
        let link = "https://id.example.com/password/reset?token=abc_DEF-123";
        let email = reset_link("Example", &to(), "ada", link, 3600).unwrap();
        assert_eq!(email.subject, "Reset your Example password");
        assert!(email.html.contains(&format!("href=\"{link}\"")));
        assert!(email.html.contains("Change password"));
        assert!(email.text.contains(link));
        assert!(email.text.contains("expires in 1 hour"));
        assert!(!format!("{email:?}").contains("abc_DEF"));
    }

    #[test]
    fn html_parts_escape_what_they_show() {
        let email = provider_account("Example", &to(), "ada", "<Evil & Co>").unwrap();
        assert!(
            email.html.contains("&#60;Evil &#38; Co&#62;")
                || email.html.contains("&lt;Evil &amp; Co&gt;")
        );
        assert!(!email.html.contains("<Evil"));
        assert!(email.text.contains("<Evil & Co>"));
    }

    #[test]
    fn provider_email_names_the_provider_and_has_no_link() {
        let email = provider_account("Example", &to(), "ada", "Google").unwrap();
        assert!(email.text.contains("reset your password with Google"));
        assert!(!email.html.contains("token="));
    }

    #[test]
    fn changed_email_says_when_and_has_no_sign_in_link() {
        let at = Timestamp::from_epoch_seconds(0);
        let email = password_changed("Example", &to(), "ada", at, false).unwrap();
        assert!(email.text.contains("was changed on 1970-01-01 00:00 UTC"));
        assert!(!email.html.contains("href"));
        let by_admin = password_changed("Example", &to(), "ada", at, true).unwrap();
        assert!(by_admin.text.contains("changed by an administrator on"));
    }

    #[test]
    fn admin_emails_carry_the_registration_details_and_the_link() {
        let details = RegistrationDetails {
            service_name: "Example",
            login: "ada",
            login_url: "https://app.example.com/login",
        };
        let link = "https://id.example.com/password/reset?token=t0k";
        for email in [
            admin_link(&to(), details, link, 86_400).unwrap(),
            invitation(&to(), details, link, 86_400).unwrap(),
        ] {
            for part in [&email.html, &email.text] {
                assert!(part.contains("ada"));
                assert!(part.contains("https://app.example.com/login"));
                assert!(part.contains(link));
                assert!(part.contains("24 hours"));
            }
        }
    }

    #[test]
    fn lifetimes_read_naturally() {
        assert_eq!(describe_lifetime(3600), "1 hour");
        assert_eq!(describe_lifetime(86_400), "24 hours");
        assert_eq!(describe_lifetime(1800), "30 minutes");
        assert_eq!(describe_lifetime(60), "1 minute");
        assert_eq!(describe_lifetime(90), "90 seconds");
    }
}
