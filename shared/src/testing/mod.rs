//! What tests need (feature `test-support`, never in a shipped function):
//! every store port in memory ([`InMemoryStore`]), senders that keep what
//! they send, a clock that only moves when told, fixtures, and the contract
//! every store must keep ([`contract`]), run against the in-memory store
//! and against DynamoDB on the emulator.

mod clock;
pub mod contract;
mod fixtures;
mod outbox;
mod store;

pub use clock::ManualClock;
pub use fixtures::{PAGE, TestAccount, World, settings, token_from};
pub use outbox::{Outbox, SmsOutbox};
pub use store::InMemoryStore;
