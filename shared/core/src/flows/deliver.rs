//! Delivery: a message from the outbox, opened and sent through SES or SNS
//! (or, for an event, published on the product's EventBridge bus),
//! at most once however often it is handed over (the table's stream hands
//! each at least once), and never after its link or code has expired.

use std::sync::Arc;

use tracing::{error, info, warn};

use super::{CodeCount, Funnel, KeySet, Keys, SmsGuard, Spend};
use crate::ports::{
    Claim, DeliveryReport, DeliveryState, DependencyError, Feedback, Mailer, OutboxItem,
    OutboxStore, Publisher, Reported, Retry, SmsHoldOn, Standing, Texter,
};
use recovery_domain::{Clock, Measure, NotSent, OutboxKey, SmsPolicy, SmsSegments, Step};
use recovery_messages::{Channel, Message, MessageKind};

/// How long a delivery holds a message before another may try: longer than
/// the deliver function may run.
pub const LEASE_SECONDS: i64 = 120;

/// The parts delivery runs on.
#[derive(Clone)]
pub struct Delivery {
    pub outbox: Arc<dyn OutboxStore>,
    pub mailer: Arc<dyn Mailer>,
    pub texter: Arc<dyn Texter>,
    /// The product's EventBridge bus.
    pub publisher: Arc<dyn Publisher>,
    pub clock: Arc<dyn Clock>,
    /// The outbox key (at hand, or being read as the function starts).
    pub keys: Keys,
    /// Where texts may go, what each costs and what all may cost
    /// (`SMS_COUNTRIES`, `SMS_PRICES`, `SMS_DAILY_BUDGET_USD`,
    /// `SMS_MONTHLY_BUDGET_USD`).
    pub sms: SmsPolicy,
    /// The holds on texts and the budgets' counters.
    pub guard: SmsGuard,
    /// What is counted: messages sent and not, texts, reports.
    pub funnel: Funnel,
}

/// What became of a message handed over for delivery; each is final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Sent now; the provider's message id.
    Sent { provider_id: String },
    /// Sent (or given up) by an earlier delivery: nothing done.
    AlreadyDone,
    /// Its link or code expired before it could go out: not sent, and
    /// recorded so.
    Expired,
    /// No such message any more (its account was deleted).
    Gone,
    /// The link or code it carries was replaced (or used) before it went
    /// out: not sent, and recorded so.
    Superseded,
    /// It can never go out: its payload does not open, or SES or SNS
    /// refused it for good (`reason`, e.g. `MessageRejected`). Recorded
    /// failed with the reason and not handed back, so it delays nothing
    /// behind it.
    Refused { reason: String },
}

/// The message was not sent this time and should be handed over again.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// Another delivery holds it right now.
    #[error("another delivery holds the message")]
    Busy,
    /// SES or SNS refused or failed.
    #[error(transparent)]
    Send(DependencyError),
    /// The outbox could not be read or written.
    #[error(transparent)]
    Store(DependencyError),
    /// The payload does not open under the key it names or is not a
    /// message: it never will ([`Delivered::Refused`]).
    #[error("the sealed payload does not open under the outbox key")]
    Unsealable,
    /// The outbox key could not be read (or none is configured).
    #[error(transparent)]
    Keys(DependencyError),
}

impl DeliverError {
    /// The code the outbox records for it.
    fn code(&self) -> String {
        match self {
            Self::Busy => "Busy".into(),
            Self::Send(err) | Self::Store(err) | Self::Keys(err) => err.code.clone(),
            Self::Unsealable => "Unsealable".into(),
        }
    }
}

impl Delivery {
    /// Sends `item` unless it was sent already, is being sent, or has
    /// expired.
    pub async fn deliver(&self, item: &OutboxItem) -> Result<Delivered, DeliverError> {
        let now = self.clock.now();
        if now >= item.send_before {
            return self.give_up(item).await;
        }
        let lease_until = now.plus_seconds(LEASE_SECONDS);
        // The keys (read as the function started) and whether the link or
        // code it carries is still the live one, beside the claim.
        let standing = async {
            match &item.carries {
                Some(carried) => self.outbox.standing(&item.user_id, carried).await.map(Some),
                None => Ok(None),
            }
        };
        let (keys, claim, standing) =
            tokio::join!(self.keys.get(), self.outbox.claim(item, now, lease_until), standing);
        match claim.map_err(DeliverError::Store)? {
            Claim::Claimed => {}
            Claim::Done => return Ok(Delivered::AlreadyDone),
            Claim::Gone => return Ok(Delivered::Gone),
            Claim::Busy => return Err(DeliverError::Busy),
        }
        match standing {
            Ok(None | Some(Standing::Live)) => {}
            Ok(Some(Standing::Superseded)) => return self.superseded(item).await,
            Err(err) => return Err(self.failed(item, DeliverError::Store(err)).await),
        }
        // The version it was sealed under: read for if not held (a sandbox
        // that started after a rotation sealed it).
        let version = OutboxKey::sealed_by(&item.sealed);
        let holds = |keys: &KeySet| keys.outbox.as_ref().is_some_and(|v| v.holds(version));
        let (keys, read_afresh) = match keys {
            Ok(keys) if holds(&keys) => (Ok(keys), false),
            Ok(_) => match self.keys.holding_after_read(holds).await {
                Ok((keys, read_afresh)) => (Ok(keys), read_afresh),
                Err(err) => (Err(err), false),
            },
            Err(err) => (Err(err), false),
        };
        // A version not held after a read of both that exist never will
        // be: refused. One not held otherwise (the read for it waits its
        // turn, or failed) is read for again on a later try.
        if read_afresh && keys.as_ref().is_ok_and(|keys| !holds(keys)) {
            return self.refused(item, "KeyVersionGone".into(), NotSent::Unopenable).await;
        }
        let keys = keys.and_then(|keys| match keys.outbox_keys()? {
            versions if versions.holds(version) => Ok(versions.clone()),
            _ => Err(DependencyError::new("outbox_key", "KeyVersionNotHeld")),
        });
        let keys = match keys {
            Ok(keys) => keys,
            Err(err) => {
                error!(message = %item.key, error = %err, "no outbox key to open the message; will retry");
                return Err(self.failed(item, DeliverError::Keys(err)).await);
            }
        };
        let sent = match open(keys.named(version), item) {
            Ok(Message::Email(email)) => self.mailer.send(email, &item.reference()).await,
            // A number outside the countries texts may go to gets none;
            // whoever asked was answered as anyone is.
            Ok(Message::Sms(sms))
                if self.sms.countries.as_ref().is_some_and(|c| !c.allows(&sms.to)) =>
            {
                return self
                    .refused(item, "CountryNotAllowed".into(), NotSent::CountryNotAllowed)
                    .await;
            }
            Ok(Message::Sms(sms)) => {
                let SmsSegments { encoding, segments, .. } = SmsSegments::of(&sms.text);
                let calling_code = sms.to.calling_code().unwrap_or_default();
                let cost_micro_usd = self.sms.prices.cost(&sms.to, segments);
                // Texts held for everyone (the budget) or to the country
                // (pumping) are not sent.
                let on = [SmsHoldOn::Budget, SmsHoldOn::Country(calling_code)];
                match self.guard.held(&on, self.clock.now()).await {
                    Ok(None) => {}
                    Ok(Some(hold)) => {
                        let (reason, why) = match hold.on {
                            SmsHoldOn::Budget => ("SmsBudgetReached", NotSent::SmsBudget),
                            SmsHoldOn::Country(_) => {
                                ("CountrySuspended", NotSent::CountrySuspended)
                            }
                        };
                        return self.refused(item, reason.into(), why).await;
                    }
                    Err(err) => return Err(self.failed(item, DeliverError::Store(err)).await),
                }
                let spent = match self.within_budget(cost_micro_usd).await {
                    Ok(Some(spent)) => spent,
                    Ok(None) => {
                        let reason = "SmsBudgetReached".into();
                        return self.refused(item, reason, NotSent::SmsBudget).await;
                    }
                    Err(err) => return Err(self.failed(item, DeliverError::Store(err)).await),
                };
                info!(
                    message = %item.key,
                    segments,
                    encoding = <&str>::from(encoding),
                    calling_code,
                    cost_micro_usd,
                    "text to send"
                );
                let sent = self.texter.send(sms).await;
                if sent.is_err() {
                    self.guard.give_back(spent).await;
                } else {
                    self.funnel.record(Measure::Text { calling_code, segments, cost_micro_usd });
                    if item.kind == MessageKind::Code {
                        let now = self.clock.now();
                        self.guard.count_code(CodeCount::Sent, calling_code, now).await;
                        let policy = &self.sms.pumping;
                        let read = self.guard.watch_country(calling_code, now, policy).await;
                        let percent =
                            read.and_then(|(sent, in_)| policy.entered_percent(sent, in_));
                        if let Some(percent) = percent {
                            self.funnel.record(Measure::EnteredShare { calling_code, percent });
                        }
                    }
                }
                sent
            }
            Ok(Message::Event(event)) => self.publisher.publish(event, &item.reference()).await,
            Err(err) => return self.refused(item, err.code(), NotSent::Unopenable).await,
        };
        match sent {
            Ok(provider_id) => {
                let state = match item.channel {
                    // The bus keeps it; the outbox need not.
                    Channel::Event => DeliveryState::Published,
                    _ => DeliveryState::Sent { provider_id: provider_id.clone() },
                };
                if let Err(err) = self.outbox.record(item, self.clock.now(), &state).await {
                    // It went out; the lease keeps a retry from sending it
                    // again while it lasts.
                    error!(message = %item.key, error = %err, "sent, but could not record it");
                }
                info!(
                    user_id = %item.user_id,
                    message = %item.key,
                    kind = item.kind.name(),
                    channel = item.channel.as_str(),
                    "message sent"
                );
                if let Some(way) = item.kind.way() {
                    self.funnel.count(&[Measure::Step(Step::Sent, way)]).await;
                }
                Ok(Delivered::Sent { provider_id })
            }
            Err(err) if err.retry == Retry::Never => {
                self.refused(item, err.code, NotSent::ProviderRefused).await
            }
            Err(err) => {
                warn!(user_id = %item.user_id, message = %item.key, error = %err, "message not sent; will retry");
                Err(self.failed(item, DeliverError::Send(err)).await)
            }
        }
    }

    /// `cost` counted against the budgets, unless it would pass one
    /// (`None`: it may not go out).
    async fn within_budget(&self, cost: u64) -> Result<Option<Spend>, DependencyError> {
        if self.sms.budget.periods().next().is_none() {
            return Ok(Some(Spend::Spent(Vec::new())));
        }
        let now = self.clock.now();
        match self.guard.spend(&self.sms.budget, cost, now).await? {
            Spend::Reached(_) => Ok(None),
            spent => Ok(Some(spent)),
        }
    }

    /// Records that `item` was superseded before its send.
    async fn superseded(&self, item: &OutboxItem) -> Result<Delivered, DeliverError> {
        info!(
            user_id = %item.user_id,
            message = %item.key,
            kind = item.kind.name(),
            "a later link or code replaced the message before it went out; not sent"
        );
        let state = DeliveryState::Superseded;
        self.outbox.record(item, self.clock.now(), &state).await.map_err(DeliverError::Store)?;
        self.funnel.record(Measure::NotSent(item.kind.way(), NotSent::Superseded));
        Ok(Delivered::Superseded)
    }

    /// Records that `item` can never go out, for `reason`; handed back only
    /// if that cannot be recorded.
    async fn refused(
        &self,
        item: &OutboxItem,
        reason: String,
        why: NotSent,
    ) -> Result<Delivered, DeliverError> {
        error!(
            user_id = %item.user_id,
            message = %item.key,
            kind = item.kind.name(),
            channel = item.channel.as_str(),
            reason,
            "message refused; recorded failed, not retried"
        );
        let state = DeliveryState::Refused { reason: reason.clone() };
        self.outbox.record(item, self.clock.now(), &state).await.map_err(DeliverError::Store)?;
        self.funnel.record(Measure::NotSent(item.kind.way(), why));
        Ok(Delivered::Refused { reason })
    }

    /// Records what the provider reported about a message it took: on the
    /// message, and a hard bounce or a complaint on the account too, for
    /// the administrator to see (`list_messages`).
    pub async fn report(&self, report: &DeliveryReport) -> Result<Reported, DependencyError> {
        let reported = self.outbox.report(report).await?;
        let message = &report.message;
        let step = match report.feedback {
            Feedback::Delivered => Some(Step::Delivered),
            Feedback::Bounced => Some(Step::Bounced),
            Feedback::Complained => Some(Step::Complained),
            Feedback::SoftBounced | Feedback::Rejected => None,
        };
        let way = message.kind.and_then(MessageKind::way);
        if let (Reported::Recorded, Some(step), Some(way)) = (reported, step, way) {
            self.funnel.count(&[Measure::Step(step, way)]).await;
        }
        match (reported, report.feedback.trouble()) {
            (Reported::Recorded, Some(trouble)) => warn!(
                user_id = %message.user_id,
                message = %message.key,
                trouble = trouble.name(),
                detail = %report.detail,
                "mail to the account's address does not reach it"
            ),
            (outcome, _) => info!(
                user_id = %message.user_id,
                message = %message.key,
                feedback = report.feedback.name(),
                ?outcome,
                "delivery report"
            ),
        }
        Ok(reported)
    }

    /// Records the failure (which ends the lease, so a retry may claim it)
    /// and hands it back.
    async fn failed(&self, item: &OutboxItem, err: DeliverError) -> DeliverError {
        self.funnel.record(Measure::NotSent(item.kind.way(), NotSent::WillRetry));
        let state = DeliveryState::Failed { error: err.code() };
        if let Err(store) = self.outbox.record(item, self.clock.now(), &state).await {
            error!(message = %item.key, error = %store, "could not record a failed delivery");
        }
        err
    }

    async fn give_up(&self, item: &OutboxItem) -> Result<Delivered, DeliverError> {
        info!(user_id = %item.user_id, message = %item.key, kind = item.kind.name(), "message expired before delivery");
        self.outbox
            .record(item, self.clock.now(), &DeliveryState::Expired)
            .await
            .map_err(DeliverError::Store)?;
        self.funnel.record(Measure::NotSent(item.kind.way(), NotSent::Expired));
        Ok(Delivered::Expired)
    }
}

/// `item`'s message, opened under the first of `keys` it opens under.
fn open<'k>(
    mut keys: impl Iterator<Item = &'k Arc<OutboxKey>>,
    item: &OutboxItem,
) -> Result<Message, DeliverError> {
    let plain = keys
        .find_map(|key| key.open(&item.id(), &item.sealed).ok())
        .ok_or(DeliverError::Unsealable)?;
    let message = Message::decode(&plain).map_err(|_| DeliverError::Unsealable)?;
    if message.channel() != item.channel {
        return Err(DeliverError::Unsealable);
    }
    Ok(message)
}
