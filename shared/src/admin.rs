//! The administrator's actions, for the `admin-reset` function: send a
//! recovery link with the registration details (email or SMS), set a password
//! directly, invite a user, and list the audit trail. Administrators reach it
//! by invoking the function, so IAM decides who they are; every action is
//! recorded with who asked.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};
use tracing::{error, info};

use crate::account::{
    AccountLookup, EmailAddress, LoginName, NewAccount, PhoneNumber, UserAccount, UserId,
};
use crate::config::AdminSettings;
use crate::email::{self, RegistrationDetails};
use crate::flows::Recovery;
use crate::password::Password;
use crate::policy::PolicyViolation;
use crate::ports::{AuditLog, AuditRecord, CreateAccountError, DependencyError};
use crate::sms;
use crate::time_format::iso8601_millis;
use crate::token::{ResetToken, ResetTokenRecord, TokenPurpose};

/// Audit records listed when no limit is given, and the most ever listed.
pub const DEFAULT_AUDIT_LIMIT: u32 = 50;
pub const MAX_AUDIT_LIMIT: u32 = 1000;

/// An action's failure, returned as `{"error", "message"}` (and `reasons`).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminError {
    pub code: &'static str,
    pub message: String,
    pub reasons: Vec<PolicyViolation>,
}

impl AdminError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid_event", message)
    }

    fn unavailable(err: &dyn std::fmt::Display) -> Self {
        error!(error = %err, "administrator action failed");
        Self::new(
            "service_unavailable",
            "A dependency failed; nothing was changed that the answer does not say. Try again.",
        )
    }

    pub fn to_json(&self) -> Value {
        let mut body = json!({ "error": self.code, "message": self.message });
        if !self.reasons.is_empty() {
            body["reasons"] = json!(self.reasons);
        }
        body
    }
}

impl From<DependencyError> for AdminError {
    fn from(err: DependencyError) -> Self {
        Self::unavailable(&err)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Email,
    Sms,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

enum Action {
    SendRecoveryLink {
        who: AccountLookup,
        channel: Channel,
    },
    SetPassword {
        who: AccountLookup,
        password: SecretString,
        confirmation: SecretString,
    },
    InviteUser {
        login: LoginName,
        email: Option<EmailAddress>,
        phone: Option<PhoneNumber>,
    },
    ListAudit {
        who: AccountLookup,
        limit: u32,
    },
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn optional(&self, name: &str) -> Result<Option<&str>, AdminError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(AdminError::invalid(format!(
                "The field `{name}` must be a string."
            ))),
        }
    }

    fn required(&self, name: &str) -> Result<&str, AdminError> {
        self.optional(name)?
            .ok_or_else(|| AdminError::invalid(format!("The field `{name}` is required.")))
    }

    fn lookup(&self, name: &str) -> Result<AccountLookup, AdminError> {
        AccountLookup::parse(self.required(name)?)
            .map_err(|e| AdminError::invalid(format!("The field `{name}` is not valid: {e}")))
    }
}

const ACTIONS: &str = "send_recovery_link, set_password, invite_user or list_audit";

fn parse_action(name: &str, fields: &Fields<'_>) -> Result<Action, AdminError> {
    match name {
        "send_recovery_link" => {
            let channel = match fields.required("channel")? {
                "email" => Channel::Email,
                "sms" => Channel::Sms,
                _ => {
                    return Err(AdminError::invalid(
                        "The field `channel` must be \"email\" or \"sms\".",
                    ));
                }
            };
            Ok(Action::SendRecoveryLink {
                who: fields.lookup("login")?,
                channel,
            })
        }
        "set_password" => Ok(Action::SetPassword {
            who: fields.lookup("login")?,
            password: SecretString::from(fields.required("password")?.to_owned()),
            confirmation: SecretString::from(fields.required("password_confirmation")?.to_owned()),
        }),
        "invite_user" => {
            let login = LoginName::parse(fields.required("login")?)
                .map_err(|e| AdminError::invalid(format!("The field `login` is not valid: {e}")))?;
            let email = fields
                .optional("email")?
                .map(EmailAddress::parse)
                .transpose()
                .map_err(|e| AdminError::invalid(format!("The field `email` is not valid: {e}")))?;
            let phone = fields
                .optional("phone")?
                .map(PhoneNumber::parse)
                .transpose()
                .map_err(|e| AdminError::invalid(format!("The field `phone` is not valid: {e}")))?;
            if email.is_none() && phone.is_none() {
                return Err(AdminError::invalid(
                    "Give `email` or `phone` (or both): the invitation goes there.",
                ));
            }
            Ok(Action::InviteUser {
                login,
                email,
                phone,
            })
        }
        "list_audit" => {
            let limit = match fields.0.get("limit") {
                None | Some(Value::Null) => DEFAULT_AUDIT_LIMIT,
                Some(value) => value
                    .as_u64()
                    .filter(|n| (1..=u64::from(MAX_AUDIT_LIMIT)).contains(n))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        AdminError::invalid(format!(
                            "The field `limit` must be a whole number from 1 to {MAX_AUDIT_LIMIT}."
                        ))
                    })?,
            };
            Ok(Action::ListAudit {
                who: fields.lookup("login")?,
                limit,
            })
        }
        other => Err(AdminError::invalid(format!(
            "Unknown action {other:?}: use {ACTIONS}."
        ))),
    }
}

/// The administrator's actions and the parts they run on.
#[derive(Clone)]
pub struct Administration {
    pub recovery: Recovery,
    pub audit: Arc<dyn AuditLog>,
    pub settings: AdminSettings,
}

/// The text an audit record keeps for a lookup that matched no account.
fn lookup_text(who: &AccountLookup) -> String {
    match who {
        AccountLookup::Login(login) => login.as_str().to_owned(),
        AccountLookup::Email(email) => email.as_str().to_owned(),
        AccountLookup::Phone(phone) => phone.as_e164().to_owned(),
    }
}

impl Administration {
    /// Runs one event and answers with its result; failures are results too.
    /// `request_id` is the Lambda request id, kept in the audit record.
    pub async fn handle(&self, event: &Value, request_id: &str) -> Value {
        match self.handle_inner(event, request_id).await {
            Ok(result) => result,
            Err(err) => err.to_json(),
        }
    }

    async fn handle_inner(&self, event: &Value, request_id: &str) -> Result<Value, AdminError> {
        let Some(object) = event.as_object() else {
            return Err(AdminError::invalid("The event must be a JSON object."));
        };
        let fields = Fields(object);
        let name = fields.required("action")?.to_owned();
        let requested_by = fields.required("requested_by")?.to_owned();
        // Who the action is about, for the audit record, as far as the event
        // says; a malformed event is recorded too when it names someone.
        let given_target = fields
            .optional("login")
            .ok()
            .flatten()
            .map(|t| t.trim().to_lowercase());
        let action = match parse_action(&name, &fields) {
            Ok(action) => action,
            Err(err) => {
                if let Some(target) = given_target {
                    let record = self.record(&target, None, &name, &requested_by, request_id);
                    self.audit
                        .append(&record, self.settings.audit_retention_seconds)
                        .await?;
                    self.conclude(&record, Err(&err)).await;
                }
                return Err(err);
            }
        };
        match action {
            Action::ListAudit { who, limit } => {
                let (account, target) = self.resolve(&who).await?;
                let records = self.audit.list(&target, limit).await?;
                let mut record =
                    self.record(&target, account.as_ref(), &name, &requested_by, request_id);
                record.outcome = "ok".into();
                record.detail = Some(format!("listed {}", records.len()));
                self.audit
                    .append(&record, self.settings.audit_retention_seconds)
                    .await?;
                let records: Vec<Value> = records.iter().map(audit_json).collect();
                Ok(json!({ "records": records }))
            }
            Action::InviteUser {
                login,
                email,
                phone,
            } => {
                let record = self.record(login.as_str(), None, &name, &requested_by, request_id);
                self.audited(&record, self.invite(login, email, phone))
                    .await
            }
            Action::SendRecoveryLink { who, channel } => {
                let (account, target) = self.resolve(&who).await?;
                let record =
                    self.record(&target, account.as_ref(), &name, &requested_by, request_id);
                self.audited(&record, self.send_link(account, channel))
                    .await
            }
            Action::SetPassword {
                who,
                password,
                confirmation,
            } => {
                let (account, target) = self.resolve(&who).await?;
                let record =
                    self.record(&target, account.as_ref(), &name, &requested_by, request_id);
                let change = async {
                    let value = self.set_password(account, password, confirmation).await?;
                    Ok((value, String::new()))
                };
                self.audited(&record, change).await
            }
        }
    }

    /// The account `who` names, and the login its audit records go under
    /// (the identifier as given when no account matches).
    async fn resolve(
        &self,
        who: &AccountLookup,
    ) -> Result<(Option<UserAccount>, String), AdminError> {
        let account = self.recovery_find(who).await?;
        let target = account
            .as_ref()
            .map(|a| a.login.as_str().to_owned())
            .unwrap_or_else(|| lookup_text(who));
        Ok((account, target))
    }

    /// Records `record` as pending, runs `action` only once that is stored,
    /// and concludes the record with the outcome and its detail.
    async fn audited(
        &self,
        record: &AuditRecord,
        action: impl std::future::Future<Output = Result<(Value, String), AdminError>>,
    ) -> Result<Value, AdminError> {
        self.audit
            .append(record, self.settings.audit_retention_seconds)
            .await?;
        let result = action.await;
        self.conclude(record, result.as_ref().map(|(_, detail)| detail.as_str()))
            .await;
        result.map(|(value, _)| value)
    }

    fn record(
        &self,
        target: &str,
        account: Option<&UserAccount>,
        action: &str,
        requested_by: &str,
        request_id: &str,
    ) -> AuditRecord {
        AuditRecord {
            target: target.to_owned(),
            user_id: account.map(|a| a.id.as_str().to_owned()),
            action: action.to_owned(),
            requested_by: requested_by.to_owned(),
            outcome: "pending".into(),
            detail: None,
            at_millis: self.recovery.clock.now_millis(),
            request_id: request_id.to_owned(),
        }
    }

    async fn conclude(&self, record: &AuditRecord, result: Result<&str, &AdminError>) {
        let (outcome, detail) = match result {
            Ok(detail) => ("ok", Some(detail).filter(|d| !d.is_empty())),
            Err(err) => (err.code, None),
        };
        info!(action = %record.action, outcome, requested_by = %record.requested_by, "administrator action");
        if let Err(err) = self.audit.conclude(record, outcome, detail).await {
            error!(error = %err, "could not record the outcome of an administrator action");
        }
    }

    async fn recovery_find(&self, who: &AccountLookup) -> Result<Option<UserAccount>, AdminError> {
        Ok(match who {
            AccountLookup::Login(login) => self.recovery.users.find_by_login(login).await?,
            AccountLookup::Email(email) => self.recovery.users.find_by_email(email).await?,
            AccountLookup::Phone(phone) => self.recovery.users.find_by_phone(phone).await?,
        })
    }

    fn details<'a>(&'a self, account: &'a UserAccount) -> RegistrationDetails<'a> {
        RegistrationDetails {
            service_name: &self.recovery.settings.service_name,
            login: account.login.as_str(),
            login_url: &self.recovery.settings.login_url,
        }
    }

    /// Issues a link token of `purpose` and sends it with the registration
    /// details; returns the masked destination.
    async fn issue_and_send(
        &self,
        account: &UserAccount,
        channel: Channel,
        purpose: TokenPurpose,
    ) -> Result<String, AdminError> {
        let lifetime = self.settings.link_lifetime_seconds;
        let token = ResetToken::generate(self.recovery.random.as_ref())
            .map_err(|e| AdminError::unavailable(&e))?;
        let now = self.recovery.clock.now();
        let record = ResetTokenRecord {
            digest: token.digest(),
            user_id: account.id.clone(),
            purpose,
            issued_at: now,
            expires_at: now.plus_seconds(lifetime),
        };
        self.recovery.tokens.issue(account, &record).await?;
        let link = self.recovery.settings.reset_link(&token.expose_for_link());
        let details = self.details(account);
        let invitation = purpose == TokenPurpose::Invitation;
        let undelivered = |err: &dyn std::fmt::Display| {
            error!(user_id = %account.id, error = %err, "could not deliver an administrator's link");
            AdminError::new(
                "delivery_failed",
                format!(
                    "The {} could not be sent; try again.",
                    if invitation { "invitation" } else { "link" }
                ),
            )
        };
        match channel {
            Channel::Email => {
                let to = account.email.as_ref().ok_or_else(|| {
                    AdminError::new("no_email_on_record", "The account has no email address.")
                })?;
                let message = if invitation {
                    email::invitation(to, details, &link, lifetime)
                } else {
                    email::admin_link(to, details, &link, lifetime)
                };
                self.recovery
                    .deliver_email(message)
                    .await
                    .map_err(|e| undelivered(&e))?;
                Ok(to.masked())
            }
            Channel::Sms => {
                let to = account.phone.as_ref().ok_or_else(|| {
                    AdminError::new("no_phone_on_record", "The account has no phone number.")
                })?;
                let message = if invitation {
                    sms::invitation(to, details, &link, lifetime)
                } else {
                    sms::admin_link(to, details, &link, lifetime)
                };
                self.recovery
                    .deliver_sms(message)
                    .await
                    .map_err(|e| undelivered(&e))?;
                Ok(to.masked())
            }
        }
    }

    async fn send_link(
        &self,
        account: Option<UserAccount>,
        channel: Channel,
    ) -> Result<(Value, String), AdminError> {
        let account = account.ok_or_else(user_not_found)?;
        if let Some(provider) = account.social_only() {
            return Err(social_account(provider));
        }
        if account.disabled {
            return Err(AdminError::new(
                "account_disabled",
                "The account is disabled; enable it before sending a recovery link.",
            ));
        }
        // Refuse before issuing anything when there is nowhere to send it.
        match channel {
            Channel::Email if account.email.is_none() => {
                return Err(AdminError::new(
                    "no_email_on_record",
                    "The account has no email address.",
                ));
            }
            Channel::Sms if account.phone.is_none() => {
                return Err(AdminError::new(
                    "no_phone_on_record",
                    "The account has no phone number.",
                ));
            }
            _ => {}
        }
        let destination = self
            .issue_and_send(&account, channel, TokenPurpose::AdminLink)
            .await?;
        let detail = format!("{} to {destination}", channel.as_str());
        Ok((
            json!({ "status": "sent", "channel": channel.as_str(), "destination": destination }),
            detail,
        ))
    }

    async fn set_password(
        &self,
        account: Option<UserAccount>,
        password: SecretString,
        confirmation: SecretString,
    ) -> Result<Value, AdminError> {
        let account = account.ok_or_else(user_not_found)?;
        if let Some(provider) = account.social_only() {
            return Err(social_account(provider));
        }
        let password = Password::new(password.expose_secret());
        if password.expose() != Password::new(confirmation.expose_secret()).expose() {
            return Err(AdminError::new(
                "password_mismatch",
                "The password and its confirmation differ.",
            ));
        }
        let violations = self
            .recovery
            .settings
            .password_policy
            .violations(&password, &account);
        if !violations.is_empty() {
            return Err(AdminError {
                code: "weak_password",
                message: "The password policy refuses this password.".into(),
                reasons: violations,
            });
        }
        let hash = self
            .recovery
            .hasher
            .hash_off_executor(password, self.recovery.random.clone())
            .await
            .map_err(|e| AdminError::unavailable(&e))?;
        let now = self.recovery.clock.now();
        if !self
            .recovery
            .users
            .replace_password(&account, &hash, now)
            .await?
        {
            return Err(user_not_found());
        }
        self.notify_changed(&account, now).await;
        Ok(json!({ "status": "password_changed" }))
    }

    async fn notify_changed(&self, account: &UserAccount, now: crate::clock::Timestamp) {
        let service_name = &self.recovery.settings.service_name;
        let login = account.login.as_str();
        let sent = if let Some(to) = &account.email {
            let message = email::password_changed(service_name, to, login, now, true);
            self.recovery.deliver_email(message).await
        } else if let Some(to) = &account.phone {
            let message = sms::password_changed(to, service_name, login);
            self.recovery.deliver_sms(message).await
        } else {
            Ok(())
        };
        if let Err(err) = sent {
            error!(user_id = %account.id, error = %err, "could not tell the user their password changed");
        }
    }

    async fn invite(
        &self,
        login: LoginName,
        email: Option<EmailAddress>,
        phone: Option<PhoneNumber>,
    ) -> Result<(Value, String), AdminError> {
        let channel = if email.is_some() {
            Channel::Email
        } else {
            Channel::Sms
        };
        let id = UserId::generate(self.recovery.random.as_ref())
            .map_err(|e| AdminError::unavailable(&e))?;
        let account = NewAccount {
            login,
            email,
            phone,
            password_hash: None,
            social_provider: None,
            disabled: false,
        };
        let account = match self.recovery.users.create(account, id).await {
            Ok(account) => account,
            Err(CreateAccountError::LoginTaken) => {
                return Err(AdminError::new(
                    "login_taken",
                    "Another account has this login.",
                ));
            }
            Err(CreateAccountError::EmailTaken) => {
                return Err(AdminError::new(
                    "email_taken",
                    "Another account has this email address.",
                ));
            }
            Err(CreateAccountError::PhoneTaken) => {
                return Err(AdminError::new(
                    "phone_taken",
                    "Another account has this phone number.",
                ));
            }
            Err(CreateAccountError::Store(err)) => return Err(err.into()),
        };
        let destination = self
            .issue_and_send(&account, channel, TokenPurpose::Invitation)
            .await?;
        let detail = format!("{} to {destination}", channel.as_str());
        Ok((
            json!({
                "status": "invited",
                "user_id": account.id.as_str(),
                "channel": channel.as_str(),
                "destination": destination,
            }),
            detail,
        ))
    }
}

fn user_not_found() -> AdminError {
    AdminError::new("user_not_found", "No account has this login.")
}

fn social_account(provider: &str) -> AdminError {
    AdminError::new(
        "social_account",
        format!("The account signs in through {provider}; its password is reset there."),
    )
}

fn audit_json(record: &AuditRecord) -> Value {
    let mut value = json!(record);
    value["at"] = json!(iso8601_millis(record.at_millis));
    value
}
