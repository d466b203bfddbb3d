//! Password recovery: the flows of the service and everything they need.
//!
//! The flows ([`flows`]) are written against small ports ([`ports`]): a user
//! store, a reset-token store, a mailer, a clock and a random source. The AWS
//! adapters ([`aws`]) implement them on DynamoDB and SES; [`in_memory`]
//! implements them for fast tests. [`web`] turns API Gateway requests into flow
//! calls and flow results into HTTP answers, so each Lambda function only wires
//! these parts together.

pub mod account;
pub mod admin;
pub mod aws;
pub mod clock;
pub mod code;
pub mod config;
pub mod email;
pub mod flows;
pub mod in_memory;
pub mod password;
pub mod policy;
pub mod ports;
pub mod random;
pub mod rate_limit;
pub mod sms;
pub mod time_format;
pub mod token;
pub mod web;

pub use config::{AppConfig, ConfigError, RecoverySettings};
pub use flows::Recovery;
