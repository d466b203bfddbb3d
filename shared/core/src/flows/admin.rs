//! The administrator's actions: send a recovery link with the registration
//! details (email or SMS), set a password directly, invite a user, list the
//! audit trail, and list an account's messages with their delivery; the
//! account lifecycle is in `lifecycle`. Every action is audited (`audit`);
//! who may call is decided by IAM, outside, and what each caller may act
//! on by its scope (`Requester::scope`): an account outside it is no
//! account, and one also in a workspace outside it keeps its password,
//! contact details and state.

use secrecy::{ExposeSecret, SecretString};
use tracing::error;

pub use super::audit::AdminAction;
use super::audit::{Requester, first_seen, joined, whole};
use super::brand::in_workspace;
use super::{Administration, Channel};
use crate::ports::Written;
use crate::ports::{AuditRecord, CreateAccountError, DependencyError, MessageStatus};
use recovery_domain::{
    AccountLookup, ChangeSource, EmailAddress, EmailTrouble, Language, Locale, LoginName, Measure,
    NewAccount, NewPasswordError, PhoneNumber, PolicyViolation, ResetToken, ResetTokenRecord, Step,
    TokenPurpose, UserAccount, UserId, Way,
};
use recovery_messages::{MessageKind, email, sms};

/// A link in the outbox: its channel, where to (masked), its message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkQueued {
    pub channel: Channel,
    pub destination: String,
    pub message: String,
}

impl LinkQueued {
    /// What the audit record says about it.
    fn detail(&self) -> Option<String> {
        Some(format!("{} to {}", self.channel.as_str(), self.destination))
    }
}

/// An account's newest messages, and its current address's trouble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMessages {
    pub email_trouble: Option<EmailTrouble>,
    pub messages: Vec<MessageStatus>,
}

/// An account to invite, without a password (its link sets the first).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: LoginName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub locale: Option<Locale>,
    /// The workspaces it joins as it is created.
    pub workspaces: Vec<recovery_domain::WorkspaceId>,
}

/// An invited account and where its invitation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub user_id: UserId,
    pub sent: LinkQueued,
}

/// Why an administrator's action failed. [`Self::code`] is what the audit
/// trail and the answer call it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum AdminError {
    #[error("no account has this login")]
    UserNotFound,
    #[error("the account has no email address")]
    NoEmailOnRecord,
    #[error("the account has no phone number")]
    NoPhoneOnRecord,
    #[error("the account signs in through {provider}")]
    SocialAccount { provider: String },
    #[error("the account is disabled")]
    AccountDisabled,
    #[error("the password and its confirmation differ")]
    PasswordMismatch,
    #[error("the password policy refuses this password")]
    WeakPassword(Vec<PolicyViolation>),
    #[error("another account has this login")]
    LoginTaken,
    #[error("another account has this email address")]
    EmailTaken,
    #[error("another account has this phone number")]
    PhoneTaken,
    #[error("the account would have no email, phone or provider left")]
    NoWayToRecover,
    #[error("no workspace has this id")]
    WorkspaceNotFound,
    #[error("a workspace has this id already")]
    WorkspaceTaken,
    #[error("the workspace still has members")]
    WorkspaceHasMembers,
    #[error("the action is the deployment's administrators' only")]
    NotPermitted,
    #[error("the account also belongs to a workspace the administrator does not administer")]
    AccountInOtherWorkspaces,
    #[error("no hold on texts is live there")]
    SuspensionNotFound,
    #[error("a dependency failed")]
    #[strum(serialize = "service_unavailable")]
    Unavailable,
}

impl AdminError {
    pub fn code(&self) -> &'static str {
        self.into()
    }

    /// A failure of something behind a port; logged here, where it happens.
    pub(super) fn unavailable(err: &dyn std::fmt::Display) -> Self {
        error!(error = %err, "administrator action failed");
        Self::Unavailable
    }
}

impl From<DependencyError> for AdminError {
    fn from(err: DependencyError) -> Self {
        Self::unavailable(&err)
    }
}

impl From<super::NewPasswordRefused> for AdminError {
    fn from(err: super::NewPasswordRefused) -> Self {
        match err {
            super::NewPasswordRefused::Policy(err) => err.into(),
            super::NewPasswordRefused::Unavailable(err) => Self::unavailable(&err),
        }
    }
}

impl From<NewPasswordError> for AdminError {
    fn from(err: NewPasswordError) -> Self {
        match err {
            NewPasswordError::Mismatch => Self::PasswordMismatch,
            NewPasswordError::Weak(reasons) => Self::WeakPassword(reasons),
        }
    }
}

impl Administration {
    /// Sends `who` a recovery link (valid `ADMIN_LINK_LIFETIME_SECONDS`) with
    /// the registration details; it supersedes every earlier link.
    pub async fn admin_send_recovery_link(
        &self,
        by: &Requester,
        who: &AccountLookup,
        channel: Channel,
    ) -> Result<LinkQueued, AdminError> {
        let (account, target) = self.admin_target(by, who).await?;
        let action = AdminAction::SendRecoveryLink.name();
        let record = self.audit_record(by, action, &target, account.as_ref());
        self.audited(&record, async {
            let account = account.ok_or(AdminError::UserNotFound)?;
            if let Some(provider) = account.social_only() {
                return Err(social_account(provider));
            }
            // A disabled account gets nothing until it is enabled. One its
            // owner locked ("This was not me") has no password: a recovery
            // link clears the lock first.
            if account.disabled {
                return Err(AdminError::AccountDisabled);
            }
            let account = match account.locked_at {
                Some(_) => self.unlock(account).await?,
                None => account,
            };
            let sent = self.issue_and_send(by, &account, channel, TokenPurpose::AdminLink).await?;
            let detail = sent.detail();
            Ok((sent, detail))
        })
        .await
    }

    /// Sets `who`'s password directly: the same policy and hashing as
    /// self-service; every link and code of the account dies; the person is
    /// told (by email, else by SMS).
    pub async fn admin_set_password(
        &self,
        by: &Requester,
        who: &AccountLookup,
        password: &SecretString,
        confirmation: &SecretString,
    ) -> Result<(), AdminError> {
        let (account, target) = self.admin_target(by, who).await?;
        let action = AdminAction::SetPassword.name();
        let record = self.audit_record(by, action, &target, account.as_ref());
        self.audited(&record, async {
            let account = account.ok_or(AdminError::UserNotFound)?;
            whole(by, &account)?;
            if let Some(provider) = account.social_only() {
                return Err(social_account(provider));
            }
            let password = self
                .new_password(password.expose_secret(), confirmation.expose_secret(), &account)
                .await?;
            let hash = self.hash(password).await.map_err(|e| AdminError::unavailable(&e))?;
            let now = self.clock.now();
            let notices = self
                .password_changed_notices(
                    &account,
                    now,
                    ChangeSource::Administrator,
                    (Language::English, first_seen(by, &account)),
                )
                .await
                .map_err(|e| AdminError::unavailable(&e))?;
            if self.users.replace_password(&account, &hash, now, &notices).await? == Written::Stale
            {
                return Err(AdminError::UserNotFound);
            }
            Ok(((), None))
        })
        .await
    }

    /// Creates an account without a password and sends its registration
    /// details with a link to set the first one (by email if it has an
    /// address, else by SMS).
    pub async fn admin_invite_user(
        &self,
        by: &Requester,
        new_user: NewUser,
    ) -> Result<Invited, AdminError> {
        let action = AdminAction::InviteUser.name();
        let record = self.audit_record(by, action, new_user.login.as_str(), None);
        self.audited(&record, async {
            let workspaces = joined(by, new_user.workspaces)?;
            let channel = match new_user.email {
                Some(_) => Channel::Email,
                None => Channel::Sms,
            };
            let id =
                UserId::generate(self.random.as_ref()).map_err(|e| AdminError::unavailable(&e))?;
            let account = NewAccount {
                login: new_user.login,
                email: new_user.email,
                phone: new_user.phone,
                password_hash: None,
                social_provider: None,
                disabled: false,
                locale: new_user.locale,
                workspaces,
            };
            let account = match self.users.create(account, id, self.clock.now()).await {
                Ok(account) => account,
                Err(CreateAccountError::LoginTaken) => return Err(AdminError::LoginTaken),
                Err(CreateAccountError::EmailTaken) => return Err(AdminError::EmailTaken),
                Err(CreateAccountError::PhoneTaken) => return Err(AdminError::PhoneTaken),
                Err(CreateAccountError::WorkspaceMissing) => {
                    return Err(AdminError::WorkspaceNotFound);
                }
                Err(CreateAccountError::Store(err)) => return Err(err.into()),
            };
            let sent = self.issue_and_send(by, &account, channel, TokenPurpose::Invitation).await?;
            let detail = sent.detail();
            let invited = Invited { user_id: account.id, sent };
            Ok((invited, detail))
        })
        .await
    }

    /// The newest `limit` audit records about `who`, newest first. The
    /// listing is recorded too, after it lists, so it does not list itself.
    pub async fn admin_list_audit(
        &self,
        by: &Requester,
        who: &AccountLookup,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, AdminError> {
        let (account, target) = self.admin_target(by, who).await?;
        let mut records = self.audit.list(&target, limit).await?;
        // A workspace's administrator sees what concerns its workspaces,
        // of the newest `limit`.
        if !by.scope.is_deployment() {
            records.retain(|r| r.workspaces.iter().any(|w| by.scope.includes(w)));
        }
        let action = AdminAction::ListAudit.name();
        let mut record = self.audit_record(by, action, &target, account.as_ref());
        record.outcome = "ok".into();
        record.detail = Some(format!("listed {}", records.len()));
        self.append_audit(&record).await?;
        Ok(records)
    }

    /// The newest `limit` messages to `who`, newest first: how each went
    /// (sent, failed and why, expired) and what the provider reported
    /// (delivered, bounced, complained), with the account's email trouble.
    pub async fn admin_list_messages(
        &self,
        by: &Requester,
        who: &AccountLookup,
        limit: u32,
    ) -> Result<AccountMessages, AdminError> {
        let (account, target) = self.admin_target(by, who).await?;
        let action = AdminAction::ListMessages.name();
        let record = self.audit_record(by, action, &target, account.as_ref());
        self.audited(&record, async {
            let account = account.ok_or(AdminError::UserNotFound)?;
            let mut messages = self.outbox.messages(&account.id, limit).await?;
            // A workspace's administrator sees what spoke for its
            // workspaces, or for none (about the account as a whole).
            messages.retain(|m| m.workspace.as_ref().is_none_or(|w| by.scope.includes(w)));
            let detail = Some(format!("listed {}", messages.len()));
            let listed = AccountMessages {
                email_trouble: account.current_email_trouble().cloned(),
                messages,
            };
            Ok((listed, detail))
        })
        .await
    }

    /// Issues a link token of `purpose` and puts it in the outbox with the
    /// registration details, together. Refuses before issuing anything when
    /// there is nowhere to send it.
    async fn issue_and_send(
        &self,
        by: &Requester,
        account: &UserAccount,
        channel: Channel,
        purpose: TokenPurpose,
    ) -> Result<LinkQueued, AdminError> {
        enum To<'a> {
            Email(&'a EmailAddress),
            Sms(&'a PhoneNumber),
        }
        let to = match channel {
            Channel::Email => To::Email(account.email.as_ref().ok_or(AdminError::NoEmailOnRecord)?),
            Channel::Sms => To::Sms(account.phone.as_ref().ok_or(AdminError::NoPhoneOnRecord)?),
            Channel::Event => return Err(AdminError::unavailable(&"a link is not an event")),
        };
        let lifetime = self.settings.admin.link_lifetime_seconds;
        let token =
            ResetToken::generate(self.random.as_ref()).map_err(|e| AdminError::unavailable(&e))?;
        let record =
            ResetTokenRecord::issue(&token, &account.id, purpose, self.clock.now(), lifetime);
        // Speaking for the requester's first workspace of the account's.
        let brand = self.brand_for(account, first_seen(by, account)).await;
        let link = in_workspace(self.settings.reset_link(&token.expose_for_link()), brand.as_ref());
        // The account's language, else English: an administrator's
        // request has none.
        let context = self.context(account, Language::English, brand.as_ref());
        let (kind, invitation) = match purpose {
            TokenPurpose::Invitation => (MessageKind::Invitation, true),
            _ => (MessageKind::AdminLink, false),
        };
        let send_before = record.expires_at;
        let (sealed, destination) = match to {
            To::Email(to) => {
                let message = if invitation {
                    email::invitation(to, &context, &link, lifetime)
                } else {
                    email::admin_link(to, &context, &link, lifetime)
                };
                (
                    self.seal_for(account, kind, message, send_before, brand.as_ref()).await,
                    to.masked(),
                )
            }
            To::Sms(to) => {
                let message = if invitation {
                    sms::invitation(to, &context, &link, lifetime)
                } else {
                    sms::admin_link(to, &context, &link, lifetime)
                };
                (
                    self.seal_for(account, kind, message, send_before, brand.as_ref()).await,
                    to.masked(),
                )
            }
        };
        let mut item = sealed.map_err(|e| AdminError::unavailable(&e))?;
        item.carries = Some(crate::ports::Carried::Link(record.digest.clone()));
        self.issue(account, &record, &item).await?;
        let requested = Measure::Step(Step::Requested, Way::from(purpose));
        self.funnel.count(&[requested]).await;
        Ok(LinkQueued { channel, destination, message: item.key })
    }
}

fn social_account(provider: &str) -> AdminError {
    AdminError::SocialAccount { provider: provider.to_owned() }
}
