//! Password recovery: the flows of the service and everything they need,
//! in layers whose folders are the architecture (see `ARCHITECTURE.md`):
//!
//! - [`domain`]: values and rules, no I/O;
//! - [`messages`]: the emails and text messages, rendered from templates;
//! - [`ports`]: the traits the flows are written against;
//! - [`flows`]: the self-service flows and the administrator's actions;
//! - [`http`], [`admin_event`], [`credentials_event`] and
//!   [`delivery_event`]: the edges, API Gateway requests, the
//!   administrator's JSON event, the product's sign-in check and the
//!   table's stream records, in and out;
//! - [`aws`]: the ports on DynamoDB, SES and SNS, and the secrets;
//! - [`config`] and [`wiring`]: a function's settings from its environment,
//!   and the service built from them; [`logging`]: what reaches the log;
//! - `testing` (feature `test-support`): the ports in memory, a clock that
//!   tests move, fixtures, and the contract every store must keep.
//!
//! Each Lambda function only wires these parts together.

pub mod admin_event;
pub mod aws;
pub mod config;
pub mod credentials_event;
pub mod delivery_event;
pub mod domain;
pub mod flows;
pub mod http;
pub mod logging;
pub mod messages;
pub mod ports;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod wiring;

pub use config::{AppConfig, ConfigError, RecoverySettings};
pub use flows::Recovery;
