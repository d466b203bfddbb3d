//! The emails. Every one has the same parts (a title, paragraphs, a table
//! of details, a button with its link, a closing note), laid out once in
//! `templates/email/mail.html` and `mail.txt` and worded in the recipient's
//! language from `locales/<language>/messages.ftl`. One function per email.

use askama::Template;

use super::{Context, OutgoingEmail, RenderError};
use recovery_domain::{EmailAddress, Timestamp};

/// A row of the details table; its value a link when `link`.
struct Detail {
    label: String,
    value: String,
    link: bool,
}

/// The button, with what the HTML part says under it.
struct Action {
    label: String,
    link: String,
    /// "The link works once and expires in ...", when it does.
    once: Option<String>,
    /// "If the button does not work, copy this address ...".
    copy: String,
}

/// One email's content, both parts.
struct Mail {
    lang: &'static str,
    service_name: String,
    title: String,
    paragraphs: Vec<String>,
    details: Vec<Detail>,
    action: Option<Action>,
    after: Vec<String>,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "email/mail.html")]
struct Html<'a> {
    mail: &'a Mail,
}

#[derive(Template)]
#[template(path = "email/mail.txt")]
struct Text<'a> {
    mail: &'a Mail,
}

/// The words of one email in `context`'s language.
struct Words<'c, 'a> {
    context: &'c Context<'a>,
}

impl Words<'_, '_> {
    /// The message `id` with the service's name and the login, and `args`;
    /// a message the catalog lacks or cannot render fails the email.
    fn get(&self, id: &str, args: &[(&str, &str)]) -> Result<String, RenderError> {
        let mut all: Vec<(&str, super::Arg<'_>)> = vec![
            ("service", self.context.service_name.into()),
            ("login", self.context.login.into()),
        ];
        all.extend(args.iter().map(|(name, value)| (*name, (*value).into())));
        self.context.t.try_format(id, &all).ok_or(RenderError)
    }

    fn mail(&self, title: &str, args: &[(&str, &str)]) -> Result<Mail, RenderError> {
        Ok(Mail {
            lang: self.context.t.language.code(),
            service_name: self.context.service_name.to_owned(),
            title: self.get(title, args)?,
            paragraphs: Vec::new(),
            details: Vec::new(),
            action: None,
            after: Vec::new(),
            note: None,
        })
    }

    fn detail(&self, label: &str, value: &str, link: bool) -> Result<Detail, RenderError> {
        Ok(Detail { label: self.get(label, &[])?, value: value.to_owned(), link })
    }

    /// The login and sign-in address rows.
    fn registration(&self) -> Result<Vec<Detail>, RenderError> {
        Ok(vec![
            self.detail("mail-login", self.context.login, false)?,
            self.detail("mail-sign-in-address", self.context.login_url, true)?,
        ])
    }

    /// A button to `link` that works once for `lifetime_seconds`.
    fn once(&self, label: &str, link: &str, lifetime_seconds: i64) -> Result<Action, RenderError> {
        let lifetime = self.context.t.duration(lifetime_seconds);
        Ok(Action {
            label: self.get(label, &[])?,
            link: link.to_owned(),
            once: Some(self.get("mail-link-once", &[("lifetime", &lifetime)])?),
            copy: self.get("mail-link-copy", &[])?,
        })
    }

    fn send(
        &self,
        to: &EmailAddress,
        subject: &str,
        mail: Mail,
    ) -> Result<OutgoingEmail, RenderError> {
        Ok(OutgoingEmail {
            to: to.clone(),
            subject: self.get(subject, &[])?,
            html: Html { mail: &mail }.render()?,
            text: Text { mail: &mail }.render()?,
        })
    }
}

/// The email with the "Change password" link.
pub fn reset_link(
    to: &EmailAddress,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let w = Words { context };
    let mut mail = w.mail("reset-link-title", &[])?;
    mail.paragraphs.push(w.get("reset-link-text", &[])?);
    mail.action = Some(w.once("reset-link-action", link, lifetime_seconds)?);
    mail.note = Some(w.get("mail-ignore", &[])?);
    w.send(to, "reset-link-subject", mail)
}

/// The email to an account that signs in through an identity provider.
pub fn provider_account(
    to: &EmailAddress,
    context: &Context<'_>,
    provider: &str,
) -> Result<OutgoingEmail, RenderError> {
    let w = Words { context };
    let with = [("provider", provider)];
    let mut mail = w.mail("provider-title", &with)?;
    mail.paragraphs.push(w.get("provider-text", &with)?);
    mail.paragraphs.push(w.get("provider-how", &with)?);
    mail.note = Some(w.get("provider-ignore", &[])?);
    w.send(to, "provider-subject", mail)
}

/// The notice that a password changed at `changed_at` (`by_admin`: an
/// administrator set it), with its "This was not me" link when there is
/// one (`not_me`: the link and its lifetime). It carries no link that
/// signs in.
pub fn password_changed(
    to: &EmailAddress,
    context: &Context<'_>,
    changed_at: Timestamp,
    by_admin: bool,
    not_me: Option<(&str, i64)>,
) -> Result<OutgoingEmail, RenderError> {
    let w = Words { context };
    let when = super::date_time(&context.t, changed_at);
    let by = if by_admin { "admin" } else { "self" };
    let mut mail = w.mail("changed-title", &[])?;
    mail.paragraphs.push(w.get("changed-text", &[("by", by), ("when", &when)])?);
    mail.paragraphs.push(w.get("changed-fine", &[])?);
    match not_me {
        Some((link, lifetime_seconds)) => {
            mail.paragraphs.push(w.get("changed-not-you", &[])?);
            mail.action = Some(w.once("changed-not-me-action", link, lifetime_seconds)?);
        }
        None => mail.paragraphs.push(w.get("changed-contact", &[])?),
    }
    w.send(to, "changed-subject", mail)
}

/// The "Recover password" email an administrator sends, with the
/// registration details.
pub fn admin_link(
    to: &EmailAddress,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let w = Words { context };
    let mut mail = w.mail("admin-link-title", &[])?;
    mail.paragraphs.push(w.get("admin-link-text", &[])?);
    mail.details = w.registration()?;
    mail.action = Some(w.once("admin-link-action", link, lifetime_seconds)?);
    w.send(to, "admin-link-subject", mail)
}

/// The invitation to a new account, with the registration details and the
/// link to set the first password.
pub fn invitation(
    to: &EmailAddress,
    context: &Context<'_>,
    link: &str,
    lifetime_seconds: i64,
) -> Result<OutgoingEmail, RenderError> {
    let w = Words { context };
    let mut mail = w.mail("invitation-title", &[])?;
    mail.paragraphs.push(w.get("invitation-text", &[])?);
    mail.details = w.registration()?;
    mail.action = Some(w.once("invitation-action", link, lifetime_seconds)?);
    w.send(to, "invitation-subject", mail)
}

/// "Forgot your login?": the account's login, how it signs in (a
/// password, or `provider`), and where.
pub fn login_reminder(
    to: &EmailAddress,
    context: &Context<'_>,
    provider: Option<&str>,
) -> Result<OutgoingEmail, RenderError> {
    let w = Words { context };
    let mut mail = w.mail("reminder-title", &[])?;
    mail.paragraphs.push(w.get("reminder-text", &[])?);
    let how = match provider {
        Some(provider) => provider.to_owned(),
        None => w.get("mail-password", &[])?,
    };
    mail.details = vec![
        w.detail("mail-login", context.login, false)?,
        w.detail("mail-signs-in-with", &how, false)?,
    ];
    mail.action = Some(Action {
        label: w.get("reminder-action", &[])?,
        link: context.login_url.to_owned(),
        once: None,
        copy: String::new(),
    });
    mail.note = Some(w.get("reminder-ignore", &[])?);
    w.send(to, "reminder-subject", mail)
}

#[cfg(test)]
mod tests;
