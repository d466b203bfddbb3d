//! The outbox of [`InMemoryStore`]: messages with their delivery state, and
//! the stream of new ones that a test hands to the delivery, as the table's
//! stream does for the deliver function.

use async_trait::async_trait;

use super::InMemoryStore;
use recovery_core::ports::{
    Carried, Claim, DeliveryReport, DeliveryState, DependencyError, Feedback, MessageStatus,
    OutboxItem, OutboxStore, Reported, Standing,
};
use recovery_domain::{EmailTrouble, Timestamp, UserId};

/// One stored message.
#[derive(Debug, Clone)]
struct Stored {
    item: OutboxItem,
    holds_payload: bool,
    delivery: &'static str,
    sent: bool,
    claimed_until: Option<Timestamp>,
    attempts: u32,
    last_error: Option<String>,
    provider_id: Option<String>,
    feedback: Option<(Feedback, Timestamp, String)>,
}

/// The outbox and its stream.
#[derive(Debug, Default)]
pub(super) struct Messages {
    stored: Vec<Stored>,
    stream: Vec<OutboxItem>,
}

impl Messages {
    /// Puts new messages in the outbox (and on the stream), as part of the
    /// write that causes them.
    pub(super) fn put(&mut self, items: &[OutboxItem]) {
        for item in items {
            self.stored.push(Stored {
                item: item.clone(),
                holds_payload: true,
                delivery: "pending",
                sent: false,
                claimed_until: None,
                attempts: 0,
                last_error: None,
                provider_id: None,
                feedback: None,
            });
            self.stream.push(item.clone());
        }
    }

    /// Removes every message about `user_id`.
    pub(super) fn remove_all_of(&mut self, user_id: &recovery_domain::UserId) {
        self.stored.retain(|s| s.item.user_id != *user_id);
        self.stream.retain(|item| item.user_id != *user_id);
    }

    fn find(&mut self, item: &OutboxItem) -> Option<&mut Stored> {
        self.stored.iter_mut().find(|s| s.item.user_id == item.user_id && s.item.key == item.key)
    }
}

impl InMemoryStore {
    /// The messages written since the last call, oldest first: what the
    /// stream would hand to the deliver function.
    pub fn take_new_messages(&self) -> Vec<OutboxItem> {
        std::mem::take(&mut self.lock().messages.stream)
    }

    /// Every message in the outbox, oldest first, as stored.
    pub fn outbox_items(&self) -> Vec<OutboxItem> {
        let state = self.lock();
        state.messages.stored.iter().map(|s| s.item.clone()).collect()
    }
}

#[async_trait]
impl OutboxStore for InMemoryStore {
    async fn enqueue(&self, item: &OutboxItem) -> Result<(), DependencyError> {
        let mut state = self.guard("enqueue_message")?;
        if state.messages.find(item).is_some() {
            return Err(DependencyError::new("enqueue_message", "ConditionalCheckFailed"));
        }
        state.messages.put(std::slice::from_ref(item));
        Ok(())
    }

    async fn claim(
        &self,
        item: &OutboxItem,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Claim, DependencyError> {
        let mut state = self.guard("claim_message")?;
        let Some(stored) = state.messages.find(item) else {
            return Ok(Claim::Gone);
        };
        if stored.sent || ["expired", "refused", "superseded"].contains(&stored.delivery) {
            return Ok(Claim::Done);
        }
        if stored.claimed_until.is_some_and(|until| until >= now) {
            return Ok(Claim::Busy);
        }
        stored.claimed_until = Some(lease_until);
        stored.delivery = "pending";
        stored.attempts += 1;
        Ok(Claim::Claimed)
    }

    async fn record(
        &self,
        item: &OutboxItem,
        _now: Timestamp,
        state: &DeliveryState,
    ) -> Result<(), DependencyError> {
        let mut guard = self.guard("record_delivery")?;
        if std::mem::take(&mut guard.fail_next_record) {
            return Err(DependencyError::new("record_delivery", "Unavailable"));
        }
        if *state == DeliveryState::Published {
            let messages = &mut guard.messages.stored;
            messages.retain(|s| !(s.item.user_id == item.user_id && s.item.key == item.key));
            return Ok(());
        }
        let Some(stored) = guard.messages.find(item) else {
            return Ok(());
        };
        match state {
            DeliveryState::Sent { provider_id } => {
                stored.sent = true;
                stored.delivery = "sent";
                stored.provider_id = Some(provider_id.clone());
                stored.holds_payload = false;
            }
            _ if stored.sent => return Ok(()),
            DeliveryState::Failed { error } => {
                stored.delivery = "failed";
                stored.last_error = Some(error.clone());
            }
            DeliveryState::Expired => {
                stored.delivery = "expired";
                stored.holds_payload = false;
            }
            DeliveryState::Superseded => {
                stored.delivery = "superseded";
                stored.holds_payload = false;
            }
            DeliveryState::Refused { reason } => {
                stored.delivery = "refused";
                stored.last_error = Some(reason.clone());
                stored.holds_payload = false;
            }
            DeliveryState::Published => {}
        }
        stored.claimed_until = None;
        Ok(())
    }

    async fn standing(
        &self,
        user_id: &UserId,
        carried: &Carried,
    ) -> Result<Standing, DependencyError> {
        let state = self.guard("standing")?;
        let live = match carried {
            Carried::Link(digest) => {
                state.users.get(user_id).and_then(|u| u.active_reset.as_ref()) == Some(digest)
            }
            Carried::Code(phone, mac) => state.codes.get(phone).is_some_and(|c| c.mac == *mac),
        };
        Ok(if live { Standing::Live } else { Standing::Superseded })
    }

    async fn report(&self, report: &DeliveryReport) -> Result<Reported, DependencyError> {
        let mut state = self.guard("record_feedback")?;
        let message = &report.message;
        let Some(stored) = state
            .messages
            .stored
            .iter_mut()
            .find(|s| s.item.user_id == message.user_id && s.item.key == message.key)
            .filter(|s| s.provider_id.as_deref() == Some(report.provider_id.as_str()))
        else {
            return Ok(Reported::Unknown);
        };
        if stored.feedback.as_ref().is_some_and(|(old, _, _)| old.rank() > report.feedback.rank()) {
            return Ok(Reported::Superseded);
        }
        stored.feedback = Some((report.feedback, report.at, report.detail.clone()));
        if let (Some(kind), Some(address)) = (report.feedback.trouble(), &report.recipient)
            && let Some(account) = state.users.get_mut(&message.user_id)
        {
            account.email_trouble =
                Some(EmailTrouble { kind, address: address.clone(), at: report.at });
        }
        Ok(Reported::Recorded)
    }

    async fn messages(
        &self,
        user_id: &UserId,
        limit: u32,
    ) -> Result<Vec<MessageStatus>, DependencyError> {
        let state = self.guard("list_messages")?;
        let mut found: Vec<MessageStatus> = state
            .messages
            .stored
            .iter()
            .filter(|s| &s.item.user_id == user_id)
            .map(|s| MessageStatus {
                key: s.item.key.clone(),
                kind: s.item.kind,
                channel: s.item.channel,
                created_at: s.item.created_at,
                delivery: s.delivery.to_owned(),
                attempts: s.attempts,
                last_error: s.last_error.clone(),
                provider_id: s.provider_id.clone(),
                holds_payload: s.holds_payload,
                feedback: s.feedback.as_ref().map(|f| f.0),
                feedback_at: s.feedback.as_ref().map(|f| f.1),
                feedback_detail: s.feedback.as_ref().map(|f| f.2.clone()),
                workspace: s.item.workspace.clone(),
            })
            .collect();
        found.sort_by(|a, b| b.key.cmp(&a.key));
        found.truncate(limit as usize);
        Ok(found)
    }
}
