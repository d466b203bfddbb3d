//! The phone branch of "forgot password": a code by SMS, within the
//! limits per number and per source address.

use tracing::{error, info};

use super::challenge::pressure;
use super::limits::{Round, counters_kept_moving, keys, request_limits, within};
use super::request::{Caller, FlowError, ResetRequestOutcome};
use super::{NOTICE_SEND_WITHIN_SECONDS, Recovery, SealError};
use crate::ports::Written;
use crate::ports::{OutboxItem, SmsHoldOn};
use recovery_domain::{
    AccountLookup, ChallengeRoute, CodeRecord, PhoneNumber, SmsCode, UserAccount,
};
use recovery_messages::{MessageKind, sms};

impl Recovery {
    /// The phone branch of [`Self::request_reset`]. Every number within the
    /// limits gets a stored code, so wrong entries count alike whether a code
    /// was sent or not; only an account that may recover gets it by SMS.
    pub(super) async fn request_code(
        &self,
        phone: &PhoneNumber,
        caller: Caller<'_>,
    ) -> Result<ResetRequestOutcome, FlowError> {
        if self.texts_held().await {
            info!(outcome = "sms_unavailable", "code requested");
            return Ok(ResetRequestOutcome::SmsUnavailable);
        }
        let sms_settings = &self.settings.sms;
        let lookup = AccountLookup::Phone(phone.clone());
        let limits = request_limits(&self.settings, &lookup, caller.source_ip);
        let (lookup, limits, keys) = (&lookup, &limits, &keys(&limits));
        let proven = self.proven(ChallengeRoute::Forgot, caller.proof).await?;
        let stored = self
            .in_rounds(move || async move {
                // The keys (read as the function started) beside the
                // counters and the number's account.
                let (read, state) = tokio::join!(
                    self.keys.get(),
                    self.codes.load_request(lookup, keys, &[])
                );
                let read = read?;
                let secret = read.code_secret()?;
                let state = state?;
                let now = self.clock.now();
                let updates = within(limits, &state.counters, now)?;
                let pressure = (pressure(limits, &state.counters, now), true);
                self.gate(ChallengeRoute::Forgot, pressure, proven, (caller.source_ip, lookup)).await?;
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
                    Some(account) => {
                        match self
                            .code_message(account, phone, &code, &record, caller)
                            .await
                        {
                            Ok(message) => message,
                            Err(err) => {
                                error!(user_id = %account.id, error = %err, "could not seal the SMS");
                                let id = account.id.clone();
                                return Ok(Round::Done(Err(ResetRequestOutcome::NotDelivered(id))));
                            }
                        }
                    }
                    None => None,
                };
                let written = self
                    .codes
                    .store_code(&record, &updates, message.as_ref())
                    .await?;
                Ok::<_, FlowError>(if written == Written::Done {
                    Round::Done(Ok(state.account))
                } else {
                    Round::Again
                })
            })
            .await?;
        // Other requests kept moving the counters: that is what a limit is
        // for.
        let account = match stored {
            None => return Err(counters_kept_moving()),
            Some(Err(not_delivered)) => return Ok(not_delivered),
            Some(Ok(account)) => account,
        };
        let Some(account) = account else {
            info!(outcome = "unknown_number", "code requested");
            return Ok(ResetRequestOutcome::UnknownNumber);
        };
        let id = account.id.clone();
        let outcome = if account.blocked() {
            ResetRequestOutcome::DisabledAccount(id.clone())
        } else if account.social_only().is_some() {
            ResetRequestOutcome::ProviderNoticeSent(id.clone())
        } else {
            ResetRequestOutcome::CodeSent(id.clone())
        };
        info!(outcome = outcome.name(), user_id = %id, "code requested");
        Ok(outcome)
    }

    /// Whether every text is held (a budget is reached). A hold that
    /// cannot be read holds nothing here: the deliver function counts each
    /// text against the budget all the same.
    async fn texts_held(&self) -> bool {
        let held = self.sms_guard.held(&[SmsHoldOn::Budget], self.clock.now()).await;
        held.unwrap_or_else(|err| {
            error!(error = %err, "could not read the holds on texts; asking for a code as usual");
            None
        })
        .is_some()
    }

    /// What a code request sends to `account`: nothing when it is disabled,
    /// the provider's name when it signs in only elsewhere, else the code
    /// (which may go out only while `record` lives).
    async fn code_message(
        &self,
        account: &UserAccount,
        phone: &PhoneNumber,
        code: &SmsCode,
        record: &CodeRecord,
        caller: Caller<'_>,
    ) -> Result<Option<OutboxItem>, SealError> {
        let brand = self.brand_for(account, caller.workspace).await;
        let context = self.context(account, caller.language, brand.as_ref());
        if account.blocked() {
            return Ok(None);
        }
        let item = if let Some(provider) = account.social_only() {
            let send_before = record.issued_at.plus_seconds(NOTICE_SEND_WITHIN_SECONDS);
            let notice = sms::provider_account(phone, &context, provider);
            self.seal_for(account, MessageKind::ProviderNotice, notice, send_before, brand.as_ref())
                .await?
        } else {
            let lifetime = self.settings.sms.code_lifetime_seconds;
            let text = sms::code(phone, &context, code, lifetime);
            let mut item = self
                .seal_for(account, MessageKind::Code, text, record.expires_at, brand.as_ref())
                .await?;
            item.carries = Some(crate::ports::Carried::Code(phone.clone(), record.mac.clone()));
            item
        };
        Ok(Some(item))
    }
}
