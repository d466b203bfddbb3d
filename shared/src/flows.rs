//! The recovery flows, written against the ports in [`crate::ports`].

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tracing::{error, info, warn};

use crate::account::{AccountLookup, PhoneNumber, UserAccount, UserId};
use crate::clock::Clock;
use crate::code::{CodeRecord, SmsCode};
use crate::config::RecoverySettings;
use crate::email;
use crate::password::{HashError, Password, PasswordHasher};
use crate::policy::PolicyViolation;
use crate::ports::{
    CodeStore, CounterUpdate, DependencyError, Mailer, RedeemOutcome, Redemption, ResetTokenStore,
    Texter, UserStore, WrongAttempt,
};
use crate::random::{RandomError, RandomSource};
use crate::rate_limit::{RateDecision, RateWindow, decide};
use crate::sms;
use crate::token::{ResetToken, ResetTokenRecord, TokenPurpose};

/// Redemptions that lose a transaction conflict are retried this many times;
/// the conditions keep a retry from succeeding twice.
const REDEEM_ATTEMPTS: usize = 3;

/// Read-decide-write rounds of a code request before it gives up because
/// concurrent requests keep moving its rate-limit counters.
const RATE_ATTEMPTS: usize = 4;

/// What became of a reset request. The HTTP answer is the same for all of
/// them; this is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetRequestOutcome {
    LinkSent(UserId),
    CodeSent(UserId),
    ProviderNoticeSent(UserId),
    UnknownAccount,
    DisabledAccount(UserId),
    NoEmailOnRecord(UserId),
    /// Nothing was sent to a number with no account.
    UnknownNumber,
    /// A dependency failed after the account was found; logged.
    NotDelivered(UserId),
}

/// A request for a new password through a reset token.
pub struct PasswordChange {
    pub token: String,
    /// When given, it must be the login or email of the token's account.
    pub login: Option<String>,
    pub password: SecretString,
    pub confirmation: SecretString,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChanged {
    pub user_id: UserId,
    pub login_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error("the token is unknown, expired, used or does not match the login")]
    InvalidToken,
    #[error("the password and its confirmation differ")]
    PasswordMismatch,
    #[error("the password policy refused the password")]
    WeakPassword(Vec<PolicyViolation>),
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("too many requests; retry after {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: i64 },
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// A correct SMS code, exchanged for a reset token.
pub struct CodeAccepted {
    /// The token to redeem at `POST /password/reset`.
    pub reset_token: String,
    pub expires_in: i64,
}

impl std::fmt::Debug for CodeAccepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeAccepted")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyCodeError {
    #[error("the code is wrong, expired or used, or no code was sent")]
    InvalidCode,
    #[error("too many wrong codes; the code is burned")]
    TooManyAttempts,
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Whether a link still works, as shown on the reset page. Looking does not
/// consume anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStatus {
    /// The link works; `login` is its account's, for password managers.
    Usable {
        login: String,
    },
    Invalid,
}

/// The recovery flows and the parts they run on.
#[derive(Clone)]
pub struct Recovery {
    pub users: Arc<dyn UserStore>,
    pub tokens: Arc<dyn ResetTokenStore>,
    pub codes: Arc<dyn CodeStore>,
    pub mailer: Arc<dyn Mailer>,
    pub texter: Arc<dyn Texter>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    pub hasher: PasswordHasher,
    pub settings: RecoverySettings,
}

impl Recovery {
    async fn find(&self, lookup: &AccountLookup) -> Result<Option<UserAccount>, DependencyError> {
        match lookup {
            AccountLookup::Login(login) => self.users.find_by_login(login).await,
            AccountLookup::Email(email) => self.users.find_by_email(email).await,
            AccountLookup::Phone(phone) => self.users.find_by_phone(phone).await,
        }
    }

    /// "Forgot password": sends a reset link (login or email) or a code (phone
    /// number), or a note naming the identity provider, or nothing. Fails only
    /// where the failure is alike for every identifier (a rate limit on what
    /// the caller sent, the account lookup); later failures are logged and
    /// reported as [`ResetRequestOutcome::NotDelivered`].
    ///
    /// `source_ip` is the caller's address as API Gateway saw it; it keys the
    /// per-address limit on phone requests.
    pub async fn request_reset(
        &self,
        lookup: &AccountLookup,
        source_ip: &str,
    ) -> Result<ResetRequestOutcome, FlowError> {
        if let AccountLookup::Phone(phone) = lookup {
            return self.request_code(phone, source_ip).await;
        }
        let Some(account) = self.find(lookup).await? else {
            info!(outcome = "unknown_account", "reset requested");
            return Ok(ResetRequestOutcome::UnknownAccount);
        };
        let id = account.id.clone();
        if account.disabled {
            info!(outcome = "disabled_account", user_id = %id, "reset requested");
            return Ok(ResetRequestOutcome::DisabledAccount(id));
        }
        let Some(to) = account.email.clone() else {
            info!(outcome = "no_email_on_record", user_id = %id, "reset requested");
            return Ok(ResetRequestOutcome::NoEmailOnRecord(id));
        };
        let settings = &self.settings;
        let (message, outcome) = if let Some(provider) = account.social_only() {
            let message = email::provider_account(
                &settings.service_name,
                &to,
                account.login.as_str(),
                provider,
            );
            (message, ResetRequestOutcome::ProviderNoticeSent(id.clone()))
        } else {
            let token = ResetToken::generate(self.random.as_ref())?;
            let now = self.clock.now();
            let record = ResetTokenRecord {
                digest: token.digest(),
                user_id: id.clone(),
                purpose: TokenPurpose::SelfService,
                issued_at: now,
                expires_at: now.plus_seconds(settings.reset_token_lifetime_seconds),
            };
            if let Err(err) = self.tokens.issue(&account, &record).await {
                error!(user_id = %id, error = %err, "could not store a reset token");
                return Ok(ResetRequestOutcome::NotDelivered(id));
            }
            let link = settings.reset_link(&token.expose_for_link());
            let message = email::reset_link(
                &settings.service_name,
                &to,
                account.login.as_str(),
                &link,
                settings.reset_token_lifetime_seconds,
            );
            (message, ResetRequestOutcome::LinkSent(id.clone()))
        };
        match self.deliver_email(message).await {
            Ok(()) => {
                info!(outcome = outcome_name(&outcome), user_id = %id, "reset requested");
                Ok(outcome)
            }
            Err(err) => {
                error!(user_id = %id, error = %err, "could not send the reset email");
                Ok(ResetRequestOutcome::NotDelivered(id))
            }
        }
    }

    /// Sends a rendered email; the error, as text, says what failed without
    /// any of the message.
    pub(crate) async fn deliver_email(
        &self,
        message: Result<email::OutgoingEmail, email::RenderError>,
    ) -> Result<(), String> {
        let message = message.map_err(|e| e.to_string())?;
        self.mailer.send(message).await.map_err(|e| e.to_string())
    }

    /// Sends a rendered SMS, as [`Self::deliver_email`] does an email.
    pub(crate) async fn deliver_sms(
        &self,
        message: Result<sms::OutgoingSms, email::RenderError>,
    ) -> Result<(), String> {
        let message = message.map_err(|e| e.to_string())?;
        self.texter.send(message).await.map_err(|e| e.to_string())
    }

    fn code_secret(&self) -> Result<&crate::code::CodeSecret, DependencyError> {
        self.settings
            .sms
            .code_secret
            .as_ref()
            .ok_or_else(|| DependencyError::new("sms_code", "SmsCodeSecretNotConfigured"))
    }

    /// The phone branch of [`Self::request_reset`]. Every number within the
    /// limits gets a stored code, so wrong entries count alike whether a code
    /// was sent or not; only an active account with a password (or none yet)
    /// gets it by SMS.
    async fn request_code(
        &self,
        phone: &PhoneNumber,
        source_ip: &str,
    ) -> Result<ResetRequestOutcome, FlowError> {
        let sms_settings = &self.settings.sms;
        let secret = self.code_secret()?;
        let limits = [
            (format!("ip#{source_ip}"), sms_settings.ip_limits.as_slice()),
            (
                format!("phone#{}", phone.as_e164()),
                sms_settings.phone_limits.as_slice(),
            ),
        ];
        let keys: Vec<String> = limits.iter().map(|(key, _)| key.clone()).collect();
        let mut stored = None;
        for _ in 0..RATE_ATTEMPTS {
            let state = self.codes.load_code_request(phone, &keys).await?;
            if state.counters.len() != limits.len() {
                return Err(DependencyError::new("load_code_request", "MissingCounter").into());
            }
            let now = self.clock.now();
            let mut updates = Vec::with_capacity(limits.len());
            let mut retry_after = 0;
            for ((key, windows), counter) in limits.iter().zip(&state.counters) {
                match decide(&counter.hits, windows, now) {
                    (RateDecision::Allowed, hits) => updates.push(CounterUpdate {
                        counter,
                        hits,
                        expires_at: now.plus_seconds(longest_window(windows)),
                    }),
                    (
                        RateDecision::Limited {
                            retry_after_seconds,
                        },
                        _,
                    ) => {
                        info!(
                            limit = key.split('#').next().unwrap_or(""),
                            retry_after_seconds, "rate limited"
                        );
                        retry_after = retry_after.max(retry_after_seconds);
                    }
                }
            }
            if retry_after > 0 {
                return Err(FlowError::RateLimited {
                    retry_after_seconds: retry_after,
                });
            }
            let code = SmsCode::generate(self.random.as_ref())?;
            let recipient = state
                .account
                .as_ref()
                .filter(|a| !a.disabled && a.social_only().is_none())
                .map(|a| a.id.clone());
            let record = CodeRecord {
                phone: phone.clone(),
                user_id: recipient,
                mac: secret.mac(phone, &code),
                attempts_left: sms_settings.max_attempts,
                issued_at: now,
                expires_at: now.plus_seconds(sms_settings.code_lifetime_seconds),
            };
            if self.codes.store_code(&record, &updates).await? {
                stored = Some((state.account, code));
                break;
            }
        }
        // Other requests kept moving the counters: that is what a limit is
        // for.
        let Some((account, code)) = stored else {
            return Err(FlowError::RateLimited {
                retry_after_seconds: 1,
            });
        };
        let Some(account) = account else {
            info!(outcome = "unknown_number", "code requested");
            return Ok(ResetRequestOutcome::UnknownNumber);
        };
        let id = account.id.clone();
        let (message, outcome) = if account.disabled {
            info!(outcome = "disabled_account", user_id = %id, "code requested");
            return Ok(ResetRequestOutcome::DisabledAccount(id));
        } else if let Some(provider) = account.social_only() {
            (
                sms::provider_account(phone, &self.settings.service_name, provider),
                ResetRequestOutcome::ProviderNoticeSent(id.clone()),
            )
        } else {
            (
                sms::code(phone, &code, sms_settings.code_lifetime_seconds),
                ResetRequestOutcome::CodeSent(id.clone()),
            )
        };
        match self.deliver_sms(message).await {
            Ok(()) => {
                info!(outcome = outcome_name(&outcome), user_id = %id, "code requested");
                Ok(outcome)
            }
            Err(err) => {
                error!(user_id = %id, error = %err, "could not send the SMS");
                Ok(ResetRequestOutcome::NotDelivered(id))
            }
        }
    }

    /// Checks a code sent to `phone` and, when right, exchanges it for a reset
    /// token. Wrong, expired, used and never-sent codes fail alike; the last
    /// allowed wrong entry burns the code.
    pub async fn verify_code(
        &self,
        phone: &PhoneNumber,
        typed: &str,
    ) -> Result<CodeAccepted, VerifyCodeError> {
        let secret = self.code_secret()?;
        let code = SmsCode::parse(typed).ok_or(VerifyCodeError::InvalidCode)?;
        let record = self
            .codes
            .find_code(phone)
            .await?
            .ok_or(VerifyCodeError::InvalidCode)?;
        let now = self.clock.now();
        if !record.is_live_at(now) {
            return Err(VerifyCodeError::InvalidCode);
        }
        if record.attempts_left == 0 {
            return Err(VerifyCodeError::TooManyAttempts);
        }
        let right = secret.mac(phone, &code) == record.mac;
        let Some(user_id) = record.user_id.clone().filter(|_| right) else {
            return match self.codes.record_wrong_attempt(&record).await? {
                WrongAttempt::Counted { attempts_left: 0 } => {
                    info!("code burned after too many wrong entries");
                    Err(VerifyCodeError::TooManyAttempts)
                }
                _ => Err(VerifyCodeError::InvalidCode),
            };
        };
        let token = ResetToken::generate(self.random.as_ref())?;
        let lifetime = self.settings.sms.code_token_lifetime_seconds;
        let token_record = ResetTokenRecord {
            digest: token.digest(),
            user_id: user_id.clone(),
            purpose: TokenPurpose::SmsCode,
            issued_at: now,
            expires_at: now.plus_seconds(lifetime),
        };
        // The store checks the account (still this number's, enabled, not
        // provider-only) in the same transaction that consumes the code.
        if !self
            .codes
            .exchange_code(&record, now, &token_record)
            .await?
        {
            return Err(VerifyCodeError::InvalidCode);
        }
        info!(user_id = %user_id, "code exchanged for a reset token");
        Ok(CodeAccepted {
            reset_token: token.expose_for_link(),
            expires_in: lifetime,
        })
    }

    /// Finds the live record and account behind a token, or `None`.
    async fn resolve(
        &self,
        token: &ResetToken,
    ) -> Result<Option<(ResetTokenRecord, UserAccount)>, DependencyError> {
        let digest = token.digest();
        let Some(record) = self.tokens.find(&digest).await? else {
            return Ok(None);
        };
        if !record.is_live_at(self.clock.now()) {
            return Ok(None);
        }
        let Some(account) = self.users.get(&record.user_id).await? else {
            return Ok(None);
        };
        let active = account.active_reset.as_ref() == Some(&digest);
        if !active || account.disabled || account.social_only().is_some() {
            return Ok(None);
        }
        Ok(Some((record, account)))
    }

    /// Whether the link with `token_text` still works. Read-only: mail
    /// scanners open links, and opening must not use them up.
    pub async fn token_status(&self, token_text: &str) -> Result<TokenStatus, DependencyError> {
        let Some(token) = ResetToken::parse(token_text) else {
            return Ok(TokenStatus::Invalid);
        };
        Ok(match self.resolve(&token).await? {
            Some((_, account)) => TokenStatus::Usable {
                login: account.login.as_str().to_owned(),
            },
            None => TokenStatus::Invalid,
        })
    }

    /// Sets a new password through a reset token. The token is consumed and
    /// the hash stored in one transaction; every other link of the account
    /// dies with it. The account is told by email; it is not signed in.
    pub async fn set_password(
        &self,
        change: PasswordChange,
    ) -> Result<PasswordChanged, SetPasswordError> {
        let token = ResetToken::parse(&change.token).ok_or(SetPasswordError::InvalidToken)?;
        let (record, account) = self
            .resolve(&token)
            .await?
            .ok_or(SetPasswordError::InvalidToken)?;
        if let Some(login) = change
            .login
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let names_account = AccountLookup::parse(login).is_ok_and(|l| l.matches(&account));
            if !names_account {
                return Err(SetPasswordError::InvalidToken);
            }
        }
        let password = Password::new(change.password.expose_secret());
        let confirmation = Password::new(change.confirmation.expose_secret());
        if password.expose() != confirmation.expose() {
            return Err(SetPasswordError::PasswordMismatch);
        }
        let violations = self
            .settings
            .password_policy
            .violations(&password, &account);
        if !violations.is_empty() {
            return Err(SetPasswordError::WeakPassword(violations));
        }
        let new_hash = self
            .hasher
            .hash_off_executor(password, self.random.clone())
            .await?;
        let mut outcome = RedeemOutcome::Rejected;
        let mut now = self.clock.now();
        for attempt in 1..=REDEEM_ATTEMPTS {
            now = self.clock.now();
            let redemption = Redemption {
                digest: &record.digest,
                user_id: &account.id,
                phone: account.phone.as_ref(),
                new_hash: &new_hash,
                now,
            };
            match self.tokens.redeem(redemption).await {
                Ok(done) => {
                    outcome = done;
                    break;
                }
                Err(err) if err.code == "TransactionConflict" && attempt < REDEEM_ATTEMPTS => {
                    warn!(user_id = %account.id, attempt, "reset transaction conflicted; retrying");
                }
                Err(err) => return Err(err.into()),
            }
        }
        if outcome == RedeemOutcome::Rejected {
            return Err(SetPasswordError::InvalidToken);
        }
        info!(user_id = %account.id, "password changed through a reset token");
        if let Some(to) = &account.email {
            let notice = email::password_changed(
                &self.settings.service_name,
                to,
                account.login.as_str(),
                now,
                false,
            );
            if let Err(err) = self.deliver_email(notice).await {
                // The password has changed; the answer says so even if the
                // notice could not go out.
                error!(user_id = %account.id, error = %err, "could not send the password-changed email");
            }
        }
        Ok(PasswordChanged {
            user_id: account.id,
            login_url: self.settings.login_url.clone(),
        })
    }
}

fn longest_window(windows: &[RateWindow]) -> i64 {
    windows.iter().map(|w| w.seconds).max().unwrap_or(0)
}

fn outcome_name(outcome: &ResetRequestOutcome) -> &'static str {
    match outcome {
        ResetRequestOutcome::LinkSent(_) => "link_sent",
        ResetRequestOutcome::CodeSent(_) => "code_sent",
        ResetRequestOutcome::UnknownNumber => "unknown_number",
        ResetRequestOutcome::ProviderNoticeSent(_) => "provider_notice_sent",
        ResetRequestOutcome::UnknownAccount => "unknown_account",
        ResetRequestOutcome::DisabledAccount(_) => "disabled_account",
        ResetRequestOutcome::NoEmailOnRecord(_) => "no_email_on_record",
        ResetRequestOutcome::NotDelivered(_) => "not_delivered",
    }
}
