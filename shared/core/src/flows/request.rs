//! "Forgot password": a link by email for a login or an email address, a
//! code by SMS for a phone number.

use tracing::{error, info};

use super::brand::in_workspace;
use super::challenge::pressure;
use super::limits::{Round, counters_kept_moving, hit, keys, request_limits, within};
use super::{NOTICE_SEND_WITHIN_SECONDS, Recovery, SealError};
use crate::ports::EMAILS_COUNTER as EMAILS;
use crate::ports::Written;
use crate::ports::{CounterKey, CounterUpdate, DependencyError, IssueOutcome, RateCounter};
use recovery_domain::{
    AccountLookup, ChallengeRoute, Language, Measure, RandomError, ResetToken, ResetTokenRecord,
    Step, Timestamp, TokenPurpose, UserAccount, UserId, Way, WorkspaceId,
};
use recovery_messages::{MessageKind, email};

/// What became of a reset request. The HTTP answer is the same for all of
/// them; this is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ResetRequestOutcome {
    LinkSent(UserId),
    CodeSent(UserId),
    ProviderNoticeSent(UserId),
    UnknownAccount,
    DisabledAccount(UserId),
    NoEmailOnRecord(UserId),
    /// Nothing was sent to a number with no account.
    UnknownNumber,
    /// The account had as many emails as its limit allows: nothing sent.
    AccountLimited(UserId),
    /// A link emailed less than a minute ago is still live: nothing sent,
    /// and that link keeps working.
    RecentLinkLive(UserId),
    /// "Forgot your login?": the login went to the address or number.
    ReminderSent(UserId),
    /// A dependency failed after the account was found; logged.
    NotDelivered(UserId),
    /// Texts are held (the SMS budget is reached): nothing was looked up,
    /// stored or sent, whatever the number, and the person is asked to
    /// reset by email instead.
    SmsUnavailable,
}

impl ResetRequestOutcome {
    pub(super) fn name(&self) -> &'static str {
        self.into()
    }

    /// The account the request was about, when there was one.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Self::UnknownAccount | Self::UnknownNumber | Self::SmsUnavailable => None,
            Self::LinkSent(id)
            | Self::CodeSent(id)
            | Self::ProviderNoticeSent(id)
            | Self::DisabledAccount(id)
            | Self::NoEmailOnRecord(id)
            | Self::AccountLimited(id)
            | Self::RecentLinkLive(id)
            | Self::ReminderSent(id)
            | Self::NotDelivered(id) => Some(id),
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
    #[error(transparent)]
    Random(RandomError),
}

/// Who asks: from where (the caller's address as API Gateway saw it; it
/// keys the per-address limits, an IPv6 address by its /64) and in which
/// language (the page's: what is sent speaks it unless the account has a
/// language of its own). A bare address asks in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'a> {
    pub source_ip: &'a str,
    pub language: Language,
    /// The workspace the request came from (`?workspace=<id>`), if any:
    /// what is sent speaks for it when the account belongs to it.
    pub workspace: Option<&'a WorkspaceId>,
    /// A solved challenge, if the request carries one.
    pub proof: Option<super::challenge::Proof<'a>>,
}

impl<'a> From<&'a String> for Caller<'a> {
    fn from(source_ip: &'a String) -> Self {
        Caller::from(source_ip.as_str())
    }
}

impl<'a> From<&'a str> for Caller<'a> {
    fn from(source_ip: &'a str) -> Self {
        Caller { source_ip, language: Language::English, workspace: None, proof: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("too many requests; retry after {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: i64 },
    /// Only the caller's address is over its limit: decided before any
    /// account is looked at, so the answer needs no floor to hide one.
    #[error("too many requests from this address; retry after {retry_after_seconds} s")]
    AddressLimited { retry_after_seconds: i64 },
    /// Pressure is high and no solved challenge came with the request:
    /// answer with this one.
    #[error("a proof of work is asked for")]
    ChallengeRequired(super::challenge::Issued),
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl Recovery {
    /// "Forgot password": sends a reset link (login or email) or a code (phone
    /// number), or a note naming the identity provider, or nothing. Fails only
    /// where the failure is alike for every identifier (a rate limit on what
    /// the caller sent or where from, the account lookup); later failures
    /// are logged and reported as [`ResetRequestOutcome::NotDelivered`].
    ///
    /// `from`: the [`Caller`] (or only its address).
    pub async fn request_reset(
        &self,
        lookup: &AccountLookup,
        from: impl Into<Caller<'_>>,
    ) -> Result<ResetRequestOutcome, FlowError> {
        let caller = from.into();
        let (way, outcome) = match lookup {
            AccountLookup::Phone(phone) => (Way::SmsCode, self.request_code(phone, caller).await),
            AccountLookup::Login(_) | AccountLookup::Email(_) => {
                (Way::EmailLink, self.request_email(lookup, caller).await)
            }
        };
        let step = match &outcome {
            Ok(ResetRequestOutcome::LinkSent(_) | ResetRequestOutcome::CodeSent(_)) => {
                Some(Step::Requested)
            }
            Err(FlowError::RateLimited { .. } | FlowError::AddressLimited { .. }) => {
                Some(Step::Limited)
            }
            Err(FlowError::ChallengeRequired(_)) => Some(Step::Challenged),
            _ => None,
        };
        if let Some(step) = step {
            self.funnel.count(&[Measure::Step(step, way)]).await;
        }
        outcome
    }

    /// The email branch of [`Self::request_reset`]: limited per source
    /// address and per identifier as typed (before the account is known, so
    /// an unknown identifier meets its limit exactly when a known one
    /// does), then per account, where a refusal is silent: a 429 there would
    /// tell that two identifiers name one account.
    async fn request_email(
        &self,
        lookup: &AccountLookup,
        caller: Caller<'_>,
    ) -> Result<ResetRequestOutcome, FlowError> {
        let limits = request_limits(&self.settings, lookup, caller.source_ip);
        let (limits, keys) = (&limits, &keys(&limits));
        let proven = self.proven(ChallengeRoute::Forgot, caller.proof).await?;
        let outcome = self
            .in_rounds(move || async move {
                let state = self.codes.load_request(lookup, keys, &[EMAILS]).await?;
                let now = self.clock.now();
                let mut updates = within(limits, &state.counters, now)?;
                let pressure = (pressure(limits, &state.counters, now), false);
                self.gate(ChallengeRoute::Forgot, pressure, proven, (caller.source_ip, lookup))
                    .await?;
                let quiet = match &state.account {
                    None => ResetRequestOutcome::UnknownAccount,
                    Some(account) => {
                        match self.email_step(account, &state.account_counters, now)? {
                            Err(quiet) => quiet,
                            Ok(update) => {
                                updates.push(update);
                                let sent = self.email_account(account, &updates, now, caller).await;
                                return Ok(sent.map_or(Round::Again, Round::Done));
                            }
                        }
                    }
                };
                if self.codes.record_hits(&updates, None).await? == Written::Stale {
                    return Ok(Round::Again);
                }
                match quiet.user_id() {
                    Some(id) => info!(outcome = quiet.name(), user_id = %id, "reset requested"),
                    None => info!(outcome = quiet.name(), "reset requested"),
                }
                Ok::<_, FlowError>(Round::Done(quiet))
            })
            .await?;
        // Other requests kept moving the counters: that is what a limit is
        // for.
        outcome.ok_or_else(counters_kept_moving)
    }

    /// Whether `account` gets an email now: the hit on its counter when it
    /// does, else what the request quietly became.
    fn email_step<'c>(
        &self,
        account: &UserAccount,
        counters: &'c [RateCounter],
        now: Timestamp,
    ) -> Result<Result<CounterUpdate<'c>, ResetRequestOutcome>, FlowError> {
        let id = account.id.clone();
        if account.blocked() {
            return Ok(Err(ResetRequestOutcome::DisabledAccount(id)));
        }
        if account.email.is_none() {
            return Ok(Err(ResetRequestOutcome::NoEmailOnRecord(id)));
        }
        let Some(counter) = email_counter(account, counters) else {
            return Err(DependencyError::new("load_request", "MissingCounter").into());
        };
        let windows = &self.settings.limits;
        let recent = counter
            .hits
            .last
            .is_some_and(|t| now.epoch_seconds() - t < windows.resend_after_seconds);
        if recent && (account.active_reset.is_some() || account.social_only().is_some()) {
            return Ok(Err(ResetRequestOutcome::RecentLinkLive(id)));
        }
        Ok(hit(counter, &windows.email, now).map_err(|_| ResetRequestOutcome::AccountLimited(id)))
    }

    /// Emails `account` its link (or the provider's name), writing
    /// `counters` with it. `None` when a counter or the account moved
    /// meanwhile: nothing was written, and the request decides again.
    async fn email_account(
        &self,
        account: &UserAccount,
        counters: &[CounterUpdate<'_>],
        now: Timestamp,
        caller: Caller<'_>,
    ) -> Option<ResetRequestOutcome> {
        let id = account.id.clone();
        let written = match self.write_email(account, counters, now, caller).await {
            Ok(Some(outcome)) => Ok(outcome),
            Ok(None) => return None,
            Err(err) => Err(err),
        };
        Some(match written {
            Ok(outcome) => {
                info!(outcome = outcome.name(), user_id = %id, "reset requested");
                outcome
            }
            Err(err) => {
                error!(user_id = %id, error = %err, "could not put the reset email in the outbox");
                ResetRequestOutcome::NotDelivered(id)
            }
        })
    }

    /// The write of [`Self::email_account`]; `Ok(None)` when a counter or
    /// the account moved.
    async fn write_email(
        &self,
        account: &UserAccount,
        counters: &[CounterUpdate<'_>],
        now: Timestamp,
        caller: Caller<'_>,
    ) -> Result<Option<ResetRequestOutcome>, SendFailure> {
        let id = account.id.clone();
        let Some(to) = account.email.as_ref() else {
            return Ok(Some(ResetRequestOutcome::NoEmailOnRecord(id)));
        };
        let brand = self.brand_for(account, caller.workspace).await;
        let context = self.context(account, caller.language, brand.as_ref());
        if let Some(provider) = account.social_only() {
            let notice = email::provider_account(to, &context, provider);
            let send_before = now.plus_seconds(NOTICE_SEND_WITHIN_SECONDS);
            let item = self
                .seal_for(account, MessageKind::ProviderNotice, notice, send_before, brand.as_ref())
                .await
                .map_err(SendFailure::Seal)?;
            let stored =
                self.codes.record_hits(counters, Some(&item)).await.map_err(SendFailure::Store)?;
            return Ok(
                (stored == Written::Done).then_some(ResetRequestOutcome::ProviderNoticeSent(id))
            );
        }
        let lifetime = self.settings.reset_token_lifetime_seconds;
        let token = ResetToken::generate(self.random.as_ref()).map_err(SendFailure::Random)?;
        let record = ResetTokenRecord::issue(&token, &id, TokenPurpose::SelfService, now, lifetime);
        let link = in_workspace(self.settings.reset_link(&token.expose_for_link()), brand.as_ref());
        let message = email::reset_link(to, &context, &link, lifetime);
        let mut item = self
            .seal_for(account, MessageKind::ResetLink, message, record.expires_at, brand.as_ref())
            .await
            .map_err(SendFailure::Seal)?;
        item.carries = Some(crate::ports::Carried::Link(record.digest.clone()));
        match self
            .tokens
            .issue_counted(account, &record, &item, counters)
            .await
            .map_err(SendFailure::Store)?
        {
            IssueOutcome::Issued => Ok(Some(ResetRequestOutcome::LinkSent(id))),
            // Read again: the account as it is now decides (an email changed
            // meanwhile gets the link at the new address, if any).
            IssueOutcome::CountersMoved | IssueOutcome::AccountChanged => Ok(None),
        }
    }
}

/// The account's own email counter among `counters` (read with
/// `load_request`'s account prefixes), when it is there.
pub(super) fn email_counter<'c>(
    account: &UserAccount,
    counters: &'c [RateCounter],
) -> Option<&'c RateCounter> {
    counters.first().filter(|c| c.key == CounterKey::account(EMAILS, &account.id))
}
