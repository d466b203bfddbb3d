//! Outbox items: one per message, under the account's partition, in the
//! order they were made; the sealed payload until the message is sent or
//! given up, then only its delivery status until the TTL takes it.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::*;
use recovery_core::ports::{Carried, Feedback, MessageStatus, OutboxItem, Standing};
use recovery_domain::{CodeMac, PhoneNumber, Timestamp, TokenDigest, UserId, WorkspaceId};
use recovery_messages::{Channel, MessageKind};

/// How long an outbox item (its delivery status, once sent) is kept.
pub const OUTBOX_RETENTION_SECONDS: i64 = 30 * 86_400;

/// The values of `delivery`.
pub(in crate::dynamodb) const PENDING: &str = "pending";
pub(in crate::dynamodb) const SENT: &str = "sent";
pub(in crate::dynamodb) const FAILED: &str = "failed";
pub(in crate::dynamodb) const EXPIRED: &str = "expired";
pub(in crate::dynamodb) const REFUSED: &str = "refused";
pub(in crate::dynamodb) const SUPERSEDED: &str = "superseded";

pub(in crate::dynamodb) fn outbox_key(user_id: &UserId, key: &str) -> Item {
    super::key(outbox_partition(user_id), key)
}

/// The partition of `user_id`'s messages.
pub(in crate::dynamodb) fn outbox_partition(user_id: &UserId) -> String {
    format!("{OUTBOX_PREFIX}{user_id}")
}

/// What every outbox item's partition key starts with (the stream filter of
/// the deliver function says the same, in `template.yaml`).
pub const OUTBOX_PREFIX: &str = "OUTBOX#";

pub(in crate::dynamodb) fn outbox_item(item: &OutboxItem) -> Item {
    let mut out = outbox_key(&item.user_id, &item.key);
    out.insert(KIND.into(), s("outbox"));
    out.insert(USER_ID.into(), s(item.user_id.as_str()));
    out.insert(CHANNEL.into(), s(item.channel.as_str()));
    out.insert(MESSAGE_KIND.into(), s(item.kind.name()));
    out.insert(CREATED_AT.into(), n(item.created_at.epoch_seconds()));
    out.insert(SEND_BEFORE.into(), n(item.send_before.epoch_seconds()));
    out.insert(PAYLOAD.into(), AttributeValue::B(Blob::new(item.sealed.clone())));
    out.insert(DELIVERY.into(), s(PENDING));
    match &item.carries {
        Some(Carried::Link(digest)) => {
            out.insert(FOR_LINK.into(), s(digest.to_hex()));
        }
        Some(Carried::Code(phone, mac)) => {
            out.insert(FOR_PHONE.into(), s(phone.as_e164()));
            out.insert(FOR_MAC.into(), s(mac.to_hex()));
        }
        None => {}
    }
    if let Some(workspace) = &item.workspace {
        out.insert(WORKSPACE.into(), s(workspace.as_str()));
    }
    out.insert(EXPIRES_AT.into(), n(item.created_at.epoch_seconds() + OUTBOX_RETENTION_SECONDS));
    out
}

/// The message an outbox item holds; `None` for any other item, or an
/// outbox item whose payload is gone (sent or given up).
pub fn outbox_from_item(item: &Item) -> Option<OutboxItem> {
    let pk = get_s(item, PK)?;
    let user_id = pk.strip_prefix(OUTBOX_PREFIX)?;
    Some(OutboxItem {
        user_id: UserId::from_stored(user_id),
        key: get_s(item, SK)?.to_owned(),
        channel: Channel::from_name(get_s(item, CHANNEL)?)?,
        kind: MessageKind::from_name(get_s(item, MESSAGE_KIND)?)?,
        created_at: Timestamp::from_epoch_seconds(get_n(item, CREATED_AT)?),
        send_before: Timestamp::from_epoch_seconds(get_n(item, SEND_BEFORE)?),
        sealed: item.get(PAYLOAD)?.as_b().ok()?.as_ref().to_vec(),
        carries: carried(item),
        workspace: workspace(item),
    })
}

/// The workspace a message speaks for.
fn workspace(item: &Item) -> Option<WorkspaceId> {
    get_s(item, WORKSPACE).and_then(|id| WorkspaceId::parse(id).ok())
}

fn carried(item: &Item) -> Option<Carried> {
    if let Some(digest) = get_s(item, FOR_LINK) {
        return TokenDigest::from_hex(digest).map(Carried::Link);
    }
    let phone = PhoneNumber::from_stored(get_s(item, FOR_PHONE)?)?;
    Some(Carried::Code(phone, CodeMac::from_hex(get_s(item, FOR_MAC)?)?))
}

/// The item that says whether `carried` is live: the account (its
/// `active_reset`) or the number's code.
pub(in crate::dynamodb) fn carried_in(user_id: &UserId, carried: &Carried) -> Item {
    match carried {
        Carried::Link(_) => user_key(user_id),
        Carried::Code(phone, _) => code_key(phone),
    }
}

/// Whether `carried` is live by `item` (what [`carried_in`] names, if
/// there).
pub(in crate::dynamodb) fn standing(carried: &Carried, item: Option<&Item>) -> Standing {
    let (name, wanted) = match carried {
        Carried::Link(digest) => (ACTIVE_RESET, digest.to_hex()),
        Carried::Code(_, mac) => (MAC, mac.to_hex()),
    };
    match item.and_then(|i| get_s(i, name)) == Some(wanted.as_str()) {
        true => Standing::Live,
        false => Standing::Superseded,
    }
}

/// Whether a claim found the message sent or given up already.
pub(in crate::dynamodb) fn outbox_done(item: &Item) -> bool {
    item.contains_key(SENT_AT)
        || matches!(get_s(item, DELIVERY), Some(EXPIRED | REFUSED | SUPERSEDED))
}

/// Whether an outbox item was sent under the provider id `provider_id`.
pub(in crate::dynamodb) fn sent_by(item: &Item, provider_id: &str) -> bool {
    get_s(item, PROVIDER_ID) == Some(provider_id)
}

/// An outbox item's delivery status.
pub(in crate::dynamodb) fn message_status(item: &Item) -> Option<MessageStatus> {
    Some(MessageStatus {
        key: get_s(item, SK)?.to_owned(),
        kind: MessageKind::from_name(get_s(item, MESSAGE_KIND)?)?,
        channel: Channel::from_name(get_s(item, CHANNEL)?)?,
        created_at: Timestamp::from_epoch_seconds(get_n(item, CREATED_AT)?),
        delivery: get_s(item, DELIVERY)?.to_owned(),
        attempts: get_n(item, ATTEMPTS).map_or(0, |a| u32::try_from(a).unwrap_or(0)),
        last_error: get_s(item, LAST_ERROR).map(str::to_owned),
        provider_id: get_s(item, PROVIDER_ID).map(str::to_owned),
        holds_payload: item.contains_key(PAYLOAD),
        feedback: get_s(item, FEEDBACK).and_then(Feedback::from_name),
        feedback_at: get_n(item, FEEDBACK_AT).map(Timestamp::from_epoch_seconds),
        feedback_detail: get_s(item, FEEDBACK_DETAIL).map(str::to_owned),
        workspace: workspace(item),
    })
}
