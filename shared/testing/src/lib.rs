//! What tests need (a dev-dependency, never in a shipped function):
//! every store port in memory ([`InMemoryStore`], with its outbox), senders
//! that keep what they send, a clock that only moves when told, fixtures, and the contract
//! every store must keep ([`contract`]), run against the in-memory store
//! and against DynamoDB on the emulator.

pub mod accounts;
mod breaches;
mod clock;
pub mod contract;
mod fixtures;
mod senders;
mod store;
mod store_codes;
mod store_lifecycle;
mod store_outbox;
mod store_shared;
mod store_workspaces;

pub use breaches::RangeStandIn;
pub use clock::ManualClock;
pub use fixtures::{
    OUTBOX_SECRET, PAGE, SUPPORT, TestAccount, World, keys, outbox_key, settings, token_from,
};
pub use senders::{EventSink, MailSink, MetricSink, SmsSink};
pub use store::InMemoryStore;
