//! "Forgot password": a link by email for a login or an email address, a
//! code by SMS for a phone number.

use tracing::{error, info};

use super::{NOTICE_SEND_WITHIN_SECONDS, Recovery, SealError};
use crate::domain::{
    AccountLookup, CodeRecord, PhoneNumber, RandomError, RateDecision, ResetToken,
    ResetTokenRecord, SmsCode, TokenPurpose, UserAccount, UserId, decide, longest_window,
};
use crate::messages::{MessageKind, email, sms};
use crate::ports::{CounterUpdate, DependencyError, OutboxItem};

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

impl ResetRequestOutcome {
    fn name(&self) -> &'static str {
        match self {
            Self::LinkSent(_) => "link_sent",
            Self::CodeSent(_) => "code_sent",
            Self::UnknownNumber => "unknown_number",
            Self::ProviderNoticeSent(_) => "provider_notice_sent",
            Self::UnknownAccount => "unknown_account",
            Self::DisabledAccount(_) => "disabled_account",
            Self::NoEmailOnRecord(_) => "no_email_on_record",
            Self::NotDelivered(_) => "not_delivered",
        }
    }
}

/// Why a message did not reach the outbox.
#[derive(Debug, thiserror::Error)]
enum SendFailure {
    #[error(transparent)]
    Seal(SealError),
    #[error(transparent)]
    Store(DependencyError),
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

impl Recovery {
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
        let Some(to) = account.email.as_ref() else {
            info!(outcome = "no_email_on_record", user_id = %id, "reset requested");
            return Ok(ResetRequestOutcome::NoEmailOnRecord(id));
        };
        let context = self.context(&account);
        let now = self.clock.now();
        let (written, outcome) = if let Some(provider) = account.social_only() {
            let notice = email::provider_account(to, &context, provider);
            let send_before = now.plus_seconds(NOTICE_SEND_WITHIN_SECONDS);
            let written =
                match self.seal(&account, MessageKind::ProviderNotice, notice, send_before) {
                    Ok(item) => self.outbox.enqueue(&item).await.map_err(SendFailure::Store),
                    Err(err) => Err(SendFailure::Seal(err)),
                };
            (written, ResetRequestOutcome::ProviderNoticeSent(id.clone()))
        } else {
            let lifetime = self.settings.reset_token_lifetime_seconds;
            let token = ResetToken::generate(self.random.as_ref())?;
            let record =
                ResetTokenRecord::issue(&token, &id, TokenPurpose::SelfService, now, lifetime);
            let link = self.settings.reset_link(&token.expose_for_link());
            let message = email::reset_link(to, &context, &link, lifetime);
            let written =
                match self.seal(&account, MessageKind::ResetLink, message, record.expires_at) {
                    Ok(item) => self
                        .issue(&account, &record, &item)
                        .await
                        .map_err(SendFailure::Store),
                    Err(err) => Err(SendFailure::Seal(err)),
                };
            (written, ResetRequestOutcome::LinkSent(id.clone()))
        };
        match written {
            Ok(()) => {
                info!(outcome = outcome.name(), user_id = %id, "reset requested");
                Ok(outcome)
            }
            Err(err) => {
                error!(user_id = %id, error = %err, "could not put the reset email in the outbox");
                Ok(ResetRequestOutcome::NotDelivered(id))
            }
        }
    }

    /// The phone branch of [`Self::request_reset`]. Every number within the
    /// limits gets a stored code, so wrong entries count alike whether a code
    /// was sent or not; only an account that may recover gets it by SMS.
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
                .filter(|a| a.may_recover())
                .map(|a| a.id.clone());
            let record = CodeRecord {
                phone: phone.clone(),
                user_id: recipient,
                mac: secret.mac(phone, &code),
                attempts_left: sms_settings.max_attempts,
                issued_at: now,
                expires_at: now.plus_seconds(sms_settings.code_lifetime_seconds),
            };
            let message = match state.account.as_ref() {
                Some(account) => match self.code_message(account, phone, &code, &record) {
                    Ok(message) => message,
                    Err(err) => {
                        error!(user_id = %account.id, error = %err, "could not seal the SMS");
                        return Ok(ResetRequestOutcome::NotDelivered(account.id.clone()));
                    }
                },
                None => None,
            };
            if self
                .codes
                .store_code(&record, &updates, message.as_ref())
                .await?
            {
                stored = Some(state.account);
                break;
            }
        }
        // Other requests kept moving the counters: that is what a limit is
        // for.
        let Some(account) = stored else {
            return Err(FlowError::RateLimited {
                retry_after_seconds: 1,
            });
        };
        let Some(account) = account else {
            info!(outcome = "unknown_number", "code requested");
            return Ok(ResetRequestOutcome::UnknownNumber);
        };
        let id = account.id.clone();
        let outcome = if account.disabled {
            ResetRequestOutcome::DisabledAccount(id.clone())
        } else if account.social_only().is_some() {
            ResetRequestOutcome::ProviderNoticeSent(id.clone())
        } else {
            ResetRequestOutcome::CodeSent(id.clone())
        };
        info!(outcome = outcome.name(), user_id = %id, "code requested");
        Ok(outcome)
    }

    /// What a code request sends to `account`: nothing when it is disabled,
    /// the provider's name when it signs in only elsewhere, else the code
    /// (which may go out only while `record` lives).
    fn code_message(
        &self,
        account: &UserAccount,
        phone: &PhoneNumber,
        code: &SmsCode,
        record: &CodeRecord,
    ) -> Result<Option<OutboxItem>, SealError> {
        let context = self.context(account);
        if account.disabled {
            return Ok(None);
        }
        let item = if let Some(provider) = account.social_only() {
            let send_before = record.issued_at.plus_seconds(NOTICE_SEND_WITHIN_SECONDS);
            let notice = sms::provider_account(phone, &context, provider);
            self.seal(account, MessageKind::ProviderNotice, notice, send_before)?
        } else {
            let lifetime = self.settings.sms.code_lifetime_seconds;
            let text = sms::code(phone, &context, code, lifetime);
            self.seal(account, MessageKind::Code, text, record.expires_at)?
        };
        Ok(Some(item))
    }
}
