//! "Forgot your login?": the login of the account an email address or a
//! phone number names, and how it signs in, sent to that address or number.
//! The limits are a reset request's: per source address and per address or
//! number as typed (the same counters), and, silently, the account's emails.

use tracing::{error, info};

use super::challenge::pressure;
use super::limits::{Round, counters_kept_moving, hit, keys, request_limits, within};
use super::request::{Caller, FlowError, ResetRequestOutcome, email_counter};
use super::{NOTICE_SEND_WITHIN_SECONDS, Recovery, SealError};
use crate::ports::EMAILS_COUNTER as EMAILS;
use crate::ports::OutboxItem;
use crate::ports::Written;
use recovery_domain::{AccountLookup, ChallengeRoute, UserAccount};
use recovery_messages::{MessageKind, email, sms};

impl Recovery {
    /// Sends the account that `contact` (an email address or a phone
    /// number) names its login, to that address or number. Nothing is sent
    /// for an unknown or disabled account, or for a login, which names no
    /// address (the HTTP layer refuses one first); the caller cannot tell
    /// which happened. Fails only where the failure is alike for every
    /// address (a limit on what was sent or where from, the lookup).
    pub async fn remind_login(
        &self,
        contact: &AccountLookup,
        from: impl Into<Caller<'_>>,
    ) -> Result<ResetRequestOutcome, FlowError> {
        let caller = from.into();
        let account_counters: &[&str] = match contact {
            AccountLookup::Login(_) => return Ok(ResetRequestOutcome::UnknownAccount),
            AccountLookup::Email(_) => &[EMAILS],
            AccountLookup::Phone(_) => &[],
        };
        let email_windows = &self.settings.limits.email;
        let limits = request_limits(&self.settings, contact, caller.source_ip);
        let (limits, keys) = (&limits, &keys(&limits));
        let proven = self.proven(ChallengeRoute::ForgotLogin, caller.proof).await?;
        let sms = matches!(contact, AccountLookup::Phone(_));
        let outcome = self
            .in_rounds(move || async move {
                let state = self
                    .codes
                    .load_request(contact, keys, account_counters)
                    .await?;
                let now = self.clock.now();
                let mut updates = within(limits, &state.counters, now)?;
                let pressure = (pressure(limits, &state.counters, now), sms);
                self.gate(ChallengeRoute::ForgotLogin, pressure, proven, (caller.source_ip, contact)).await?;
                let (outcome, message) = match &state.account {
                    None => (ResetRequestOutcome::UnknownAccount, None),
                    Some(account) if account.blocked() => (
                        ResetRequestOutcome::DisabledAccount(account.id.clone()),
                        None,
                    ),
                    Some(account) => {
                        let counter = email_counter(account, &state.account_counters);
                        match counter.map(|c| hit(c, email_windows, now)) {
                            Some(Err(_)) => (
                                ResetRequestOutcome::AccountLimited(account.id.clone()),
                                None,
                            ),
                            hit => {
                                updates.extend(hit.and_then(Result::ok));
                                let id = account.id.clone();
                                match self.reminder(account, contact, caller).await {
                                    Ok(item) => {
                                        (ResetRequestOutcome::ReminderSent(id), Some(item))
                                    }
                                    Err(err) => {
                                        error!(user_id = %id, error = %err, "could not seal the reminder");
                                        let outcome = ResetRequestOutcome::NotDelivered(id);
                                        return Ok(Round::Done(outcome));
                                    }
                                }
                            }
                        }
                    }
                };
                if self.codes.record_hits(&updates, message.as_ref()).await? == Written::Stale {
                    return Ok(Round::Again);
                }
                match outcome.user_id() {
                    Some(id) => info!(outcome = outcome.name(), user_id = %id, "login reminder"),
                    None => info!(outcome = outcome.name(), "login reminder"),
                }
                Ok::<_, FlowError>(Round::Done(outcome))
            })
            .await?;
        // Other requests kept moving the counters: that is what a limit is
        // for.
        outcome.ok_or_else(counters_kept_moving)
    }

    /// The reminder to `account`, by the channel `contact` came in on.
    async fn reminder(
        &self,
        account: &UserAccount,
        contact: &AccountLookup,
        caller: Caller<'_>,
    ) -> Result<OutboxItem, SealError> {
        let brand = self.brand_for(account, caller.workspace).await;
        let context = self.context(account, caller.language, brand.as_ref());
        let provider = account.social_only();
        let send_before = self.clock.now().plus_seconds(NOTICE_SEND_WITHIN_SECONDS);
        let kind = MessageKind::LoginReminder;
        match contact {
            AccountLookup::Phone(phone) => {
                let text = sms::login_reminder(phone, &context, provider);
                self.seal_for(account, kind, text, send_before, brand.as_ref()).await
            }
            AccountLookup::Email(to) => {
                let mail = email::login_reminder(to, &context, provider);
                self.seal_for(account, kind, mail, send_before, brand.as_ref()).await
            }
            AccountLookup::Login(_) => Err(SealError::NoAddress),
        }
    }
}
