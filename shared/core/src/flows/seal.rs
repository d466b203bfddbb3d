//! Messages and product events sealed under the outbox key, as outbox
//! items that go in with the change that causes them.

use super::{EVENT_SEND_WITHIN_SECONDS, Recovery};
use crate::ports::{DependencyError, OutboxItem};
use recovery_domain::{OutboxKey, RandomError, Timestamp, UserAccount};
use recovery_messages::{AccountEvent, Channel, EventKind, Message, MessageKind, RenderError};
use std::sync::Arc;

/// A message that could not be put in the outbox. Says what failed, never
/// what the message held.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("no outbox key is configured")]
    NoKey,
    /// The keys could not be read.
    #[error(transparent)]
    Keys(DependencyError),
    #[error("a login is no address to send to")]
    NoAddress,
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl Recovery {
    /// The outbox key, once read.
    pub(super) async fn outbox_key(&self) -> Result<Arc<OutboxKey>, SealError> {
        let keys = self.keys.get().await.map_err(SealError::Keys)?;
        keys.outbox_key().cloned().map_err(|_| SealError::NoKey)
    }

    /// `message` to `account` as an outbox item of `kind`, sealed under the
    /// outbox key, to be sent before `send_before` or never.
    pub(super) async fn seal(
        &self,
        account: &UserAccount,
        kind: MessageKind,
        message: Result<impl Into<Message>, RenderError>,
        send_before: Timestamp,
    ) -> Result<OutboxItem, SealError> {
        let message: Message = message?.into();
        let item =
            self.outbox_item(account, message.channel(), kind, self.clock.now(), send_before)?;
        self.sealed(item, &message).await
    }

    /// An event about `account` for the product's bus, as an outbox item
    /// to go with the change it reports (in its transaction).
    pub(super) async fn seal_event(
        &self,
        account: &UserAccount,
        kind: EventKind,
        through: &str,
        at: Timestamp,
    ) -> Result<OutboxItem, SealError> {
        let send_before = at.plus_seconds(EVENT_SEND_WITHIN_SECONDS);
        let item =
            self.outbox_item(account, Channel::Event, MessageKind::AccountEvent, at, send_before)?;
        let event = AccountEvent { kind, account, at, through };
        let message = Message::Event(event.render(&item.id())?);
        self.sealed(item, &message).await
    }

    /// An outbox item with a new key and nothing sealed in it yet.
    fn outbox_item(
        &self,
        account: &UserAccount,
        channel: Channel,
        kind: MessageKind,
        created_at: Timestamp,
        send_before: Timestamp,
    ) -> Result<OutboxItem, SealError> {
        let key = OutboxItem::new_key(self.clock.now_millis(), self.random.as_ref())?;
        let user_id = account.id.clone();
        let sealed = Vec::new();
        Ok(OutboxItem {
            user_id,
            key,
            channel,
            kind,
            created_at,
            send_before,
            sealed,
            carries: None,
            workspace: None,
        })
    }

    /// `item` with `message` sealed in it under the outbox key.
    async fn sealed(
        &self,
        mut item: OutboxItem,
        message: &Message,
    ) -> Result<OutboxItem, SealError> {
        let key = self.outbox_key().await?;
        item.sealed = key.seal(&item.id(), &message.encode(), self.random.as_ref())?;
        Ok(item)
    }
}
