//! The single-table layout: the only code that names DynamoDB attributes.
//! Keys, attribute names, the item of each record and back, and the
//! condition and update expressions over them.
//!
//! Key lookups only (no Scan, no Query on the hot paths):
//!
//! | item         | `pk`               | `sk`    | other attributes |
//! |--------------|--------------------|---------|------------------|
//! | account      | `USER#<user id>`   | `USER`  | `user_id`, `login`, `email`, `phone`, `password_hash`, `social_provider`, `disabled`, `locale`, `password_changed_at`, `active_reset`, `created_at`, `email_trouble` (`bounced`, `complained`), `email_trouble_address`, `email_trouble_at`, `locked_at` (its owner locked it: "This was not me") |
//! | login lookup | `LOGIN#<login>`    | `LOGIN` | `user_id` |
//! | login look-alike | `LOOKALIKE#<TR39 skeleton of the login>` | `LOOKALIKE` | `user_id` |
//! | email lookup | `EMAIL#<email>`    | `EMAIL` | `user_id` |
//! | phone lookup | `PHONE#<e164>`     | `PHONE` | `user_id` |
//! | reset token  | `RESET#<sha256 hex>` | `RESET` | `user_id`, `purpose`, `issued_at`, `expires_at` |
//! | SMS code     | `CODE#<e164>`      | `CODE`  | `user_id` (absent for a stand-in), `mac`, `attempts_left`, `issued_at`, `expires_at` |
//! | rate counter | `RATE#<kind>#<key>` | `RATE` | `b<window seconds>_<interval index>` (hits in each sixtieth of each window still inside it), `hit_count` (hits in the longest window), `last_hit` (epoch seconds), `version` (moved only when the tally is replaced, not when a hit is added), `expires_at` |
//! | audit record | `AUDIT#<login>`    | `<millis>#<request id>` | `target`, `action`, `caller` (verified), `on_behalf_of` (as written; a record made before callers were verified has `requested_by` instead, read as an `unverified` caller on behalf of it), `outcome`, `detail`, `user_id`, `at_millis`, `request_id`, `expires_at` |
//! | outbox message | `OUTBOX#<user id>` | `<millis>#<16 hex>` | `user_id`, `channel`, `message_kind`, `created_at`, `send_before`, `payload` (sealed, until sent or given up), `delivery` (`pending`, `sent`, `failed`, `expired`), `attempts`, `claimed_until`, `last_error`, `sent_at`, `provider_id`, `feedback` (`delivered`, `soft_bounced`, `rejected`, `bounced`, `complained`), `feedback_rank`, `feedback_at`, `feedback_detail`, `updated_at`, `expires_at` |
//!
//! Shared counters' shards, holds on texts and notices given once:
//! `layout/shared.rs`; workspaces, memberships and grants:
//! `layout/workspaces.rs`.
//!
//! Every item also has `kind`. `expires_at` (epoch seconds) is the table's
//! TTL attribute. The table's stream (new images) feeds the deliver
//! function with the outbox messages as they are written. The lookup items are written in the same transaction as
//! the account, with `attribute_not_exists` conditions, which is what keeps
//! logins (and their look-alikes), emails and phone numbers unique.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use recovery_core::ports::{AuditRecord, CounterKey, DependencyError};
use recovery_domain::{EmailAddress, LoginName, PhoneNumber, TokenDigest, UserId};

mod counters;
mod items;
mod outbox;
mod shared;
#[cfg(test)]
mod tests;
mod workspaces;

pub(super) use counters::*;
pub(super) use items::*;
pub(super) use outbox::*;
pub use outbox::{OUTBOX_PREFIX, OUTBOX_RETENTION_SECONDS, outbox_from_item};
pub(super) use shared::*;
pub(super) use workspaces::*;

/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// TTL attribute, epoch seconds.
pub const EXPIRES_AT: &str = "expires_at";

const KIND: &str = "kind";
const USER_ID: &str = "user_id";
const LOGIN: &str = "login";
const EMAIL: &str = "email";
const PHONE: &str = "phone";
const PASSWORD_HASH: &str = "password_hash";
const SOCIAL_PROVIDER: &str = "social_provider";
const DISABLED: &str = "disabled";
const LOCALE: &str = "locale";
const PASSWORD_CHANGED_AT: &str = "password_changed_at";
const ACTIVE_RESET: &str = "active_reset";
const LOCKED_AT: &str = "locked_at";
const CREATED_AT: &str = "created_at";
const PURPOSE: &str = "purpose";
const ISSUED_AT: &str = "issued_at";
const MAC: &str = "mac";
const ATTEMPTS_LEFT: &str = "attempts_left";
const WRONG_LOGINS: &str = "wrong_logins";
/// A counter's intervals are `b<window seconds>_<index>`: hits in it.
const BUCKET_PREFIX: &str = "b";
const HIT_COUNT: &str = "hit_count";
const LAST_HIT: &str = "last_hit";
const VERSION: &str = "version";
const TARGET: &str = "target";
const ACTION: &str = "action";
const CALLER: &str = "caller";
const ON_BEHALF_OF: &str = "on_behalf_of";
/// What a record made before callers were verified has instead of both.
const REQUESTED_BY: &str = "requested_by";
/// The caller read from such a record.
const UNVERIFIED_CALLER: &str = "unverified";
const OUTCOME: &str = "outcome";
const DETAIL: &str = "detail";
const AT_MILLIS: &str = "at_millis";
const REQUEST_ID: &str = "request_id";
const CHANNEL: &str = "channel";
const MESSAGE_KIND: &str = "message_kind";
const SEND_BEFORE: &str = "send_before";
const PAYLOAD: &str = "payload";
/// What a message carries, to tell whether a later one replaced it: its
/// link's token digest, or its code's number and MAC.
const FOR_LINK: &str = "for_link";
const FOR_PHONE: &str = "for_phone";
const FOR_MAC: &str = "for_mac";
const DELIVERY: &str = "delivery";
const SENT_AT: &str = "sent_at";
const ATTEMPTS: &str = "attempts";
const LAST_ERROR: &str = "last_error";
const PROVIDER_ID: &str = "provider_id";
const FEEDBACK: &str = "feedback";
const FEEDBACK_AT: &str = "feedback_at";
const FEEDBACK_DETAIL: &str = "feedback_detail";
const EMAIL_TROUBLE: &str = "email_trouble";
/// The workspace a message speaks for.
const WORKSPACE: &str = "workspace";
const EMAIL_TROUBLE_ADDRESS: &str = "email_trouble_address";
const EMAIL_TROUBLE_AT: &str = "email_trouble_at";

/// The conditions and updates the stores write with. Placeholders (`:now`)
/// are filled by the store that uses them.
pub(super) mod expr {
    /// The item is not there yet.
    pub const ABSENT: &str = "attribute_not_exists(pk)";
    /// The item is there.
    pub const PRESENT: &str = "attribute_exists(pk)";
    pub const POINT_AT_TOKEN: &str = "SET active_reset = :digest";
    pub const STORE_HASH: &str =
        "SET password_hash = :hash, password_changed_at = :now REMOVE active_reset";
    /// The same password in the current scheme: not a password change.
    pub const UPGRADE_HASH: &str = "SET password_hash = :new";
    pub const HOLDS_HASH: &str = "password_hash = :old";
    /// Disabled: no link works any more either.
    pub const DISABLE: &str = "SET disabled = :yes REMOVE active_reset";
    pub const ENABLE: &str = "SET disabled = :no";
    /// Locked by its owner: no password, no link (disabled or not).
    pub const LOCK: &str = "SET locked_at = :now REMOVE active_reset, password_hash";
    /// Still the password set at `:changed`, and not locked: of concurrent
    /// locks one lands.
    pub const LOCKABLE: &str = "attribute_exists(pk) AND password_changed_at = :changed \
         AND attribute_not_exists(locked_at)";
    /// The owner's lock cleared (for an administrator's recovery link).
    pub const UNLOCK: &str = "REMOVE locked_at";
    pub const LOCKED: &str = "attribute_exists(locked_at)";
    /// The keys of a Query, nothing else.
    pub const KEYS_ONLY: &str = "pk, sk";
    /// A token that is live at `:now` and belongs to `:user`.
    pub const TOKEN_REDEEMABLE: &str =
        "attribute_exists(pk) AND expires_at > :now AND user_id = :user";
    /// The account's one redeemable token is `:digest`.
    pub const TOKEN_IS_ACTIVE: &str = "active_reset = :digest";
    /// An account that still has the number `:phone` and may recover
    /// (`UserAccount::may_recover`: neither disabled nor locked, and a
    /// password or no provider; `:no` is false).
    pub const HAS_NUMBER_AND_MAY_RECOVER: &str = "attribute_exists(pk) AND phone = :phone \
         AND (attribute_not_exists(disabled) OR disabled = :no) \
         AND attribute_not_exists(locked_at) \
         AND (attribute_not_exists(social_provider) OR attribute_exists(password_hash))";
    /// A counter as read: at `:version`, holding `:count` hits (none
    /// counted, for one written before counters had intervals).
    pub const COUNTER_AS_READ: &str =
        "version = :version AND (hit_count = :count OR attribute_not_exists(hit_count))";
    /// One hit at `:hit` added to a counter's (`kind` is `:kind`; a counter
    /// never written starts at version 1); followed by the increment of an
    /// interval of each window.
    pub const ADD_HIT: &str = "SET kind = :kind, version = if_not_exists(version, :one), \
         expires_at = :expires, last_hit = :hit, \
         hit_count = if_not_exists(hit_count, :zero) + :one";
    /// A counter not replaced since it was read at `:version` (1 for one
    /// read as never written), or gone, holding at most `:most` hits.
    pub const COUNTER_HAS_ROOM: &str = "(attribute_not_exists(version) OR version = :version) \
         AND (attribute_not_exists(hit_count) OR hit_count <= :most)";
    /// One more wrong login entered with a reset token.
    pub const COUNT_WRONG_LOGIN: &str = "ADD wrong_logins :one";
    pub const TAKE_ATTEMPT: &str = "SET attempts_left = attempts_left - :one";
    /// Still the code with `:mac`, with attempts left (`:zero` is 0).
    pub const CODE_HAS_ATTEMPTS: &str = "mac = :mac AND attempts_left > :zero";
    /// Still the code with `:mac`, live at `:now` (the guess that found it
    /// right took its attempt before, perhaps the last).
    pub const CODE_USABLE: &str = "mac = :mac AND expires_at > :now";
    pub const SET_OUTCOME: &str = "SET outcome = :outcome";
    pub const SET_OUTCOME_AND_DETAIL: &str = "SET outcome = :outcome, detail = :detail";
    pub const PARTITION: &str = "pk = :pk";
    /// An outbox message not sent or given up, that no delivery holds at
    /// `:now` (`:expired` names the given-up state).
    pub const CLAIMABLE: &str = "attribute_exists(pk) AND attribute_not_exists(sent_at) \
         AND delivery <> :expired AND delivery <> :refused AND delivery <> :superseded \
         AND (attribute_not_exists(claimed_until) OR claimed_until < :now)";
    pub const CLAIM: &str = "SET claimed_until = :lease, delivery = :pending, \
         attempts = if_not_exists(attempts, :zero) + :one";
    /// An outbox message not sent yet.
    pub const UNSENT: &str = "attribute_exists(pk) AND attribute_not_exists(sent_at)";
    pub const MARK_SENT: &str = "SET delivery = :state, sent_at = :now, provider_id = :provider, \
         updated_at = :now REMOVE payload, claimed_until";
    pub const MARK_FAILED: &str =
        "SET delivery = :state, last_error = :error, updated_at = :now REMOVE claimed_until";
    pub const MARK_REFUSED: &str = "SET delivery = :state, last_error = :error, updated_at = :now \
         REMOVE payload, claimed_until";
    pub const MARK_EXPIRED: &str =
        "SET delivery = :state, updated_at = :now REMOVE payload, claimed_until";
    /// A message sent under the provider id `:provider` whose recorded
    /// feedback, if any, says no more than the new one (`:rank`).
    pub const FEEDBACK_APPLIES: &str = "attribute_exists(pk) AND provider_id = :provider \
         AND (attribute_not_exists(feedback_rank) OR feedback_rank <= :rank)";
    pub const SET_FEEDBACK: &str = "SET feedback = :feedback, feedback_rank = :rank, \
         feedback_at = :at, feedback_detail = :detail";
    pub const SET_EMAIL_TROUBLE: &str = "SET email_trouble = :trouble, \
         email_trouble_address = :address, email_trouble_at = :at";
}

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

pub(super) fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

pub(super) fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn get_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

pub(super) fn corrupt(operation: &'static str) -> DependencyError {
    DependencyError::new(operation, "MalformedItem")
}

// ---------------------------------------------------------------- keys --

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

pub(super) fn user_key(id: &UserId) -> Item {
    key(format!("USER#{id}"), "USER")
}

pub(super) fn login_key(login: &LoginName) -> Item {
    key(format!("LOGIN#{}", login.as_str()), "LOGIN")
}

/// What keeps logins that look alike apart: one item per skeleton.
pub(super) fn login_skeleton_key(login: &LoginName) -> Item {
    key(format!("LOOKALIKE#{}", login.skeleton()), "LOOKALIKE")
}

pub(super) fn email_key(email: &EmailAddress) -> Item {
    key(format!("EMAIL#{}", email.as_str()), "EMAIL")
}

pub(super) fn phone_key(phone: &PhoneNumber) -> Item {
    key(format!("PHONE#{}", phone.as_e164()), "PHONE")
}

pub(super) fn code_key(phone: &PhoneNumber) -> Item {
    key(format!("CODE#{}", phone.as_e164()), "CODE")
}

pub(super) fn rate_key(name: &CounterKey) -> Item {
    key(format!("RATE#{name}"), "RATE")
}

pub(super) fn token_key(digest: &TokenDigest) -> Item {
    key(format!("RESET#{}", digest.to_hex()), "RESET")
}

pub(super) fn audit_key(record: &AuditRecord) -> Item {
    key(audit_partition(&record.target), &format!("{:013}#{}", record.at_millis, record.request_id))
}

/// The partition of `target`'s audit records.
pub(super) fn audit_partition(target: &str) -> String {
    format!("AUDIT#{target}")
}

/// The partition key of an item (or of a key).
pub(super) fn pk_of(item: &Item) -> Option<&str> {
    get_s(item, PK)
}
