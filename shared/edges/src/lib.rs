//! The edges of password recovery: what comes into a function and what goes
//! out, typed once and handed to the flows of `recovery-core`:
//!
//! - [`http`]: API Gateway requests in, JSON or pages out;
//! - [`admin_event`], [`credentials_event`] and [`delivery_event`]: the
//!   administrator's JSON event, the product's sign-in check and the
//!   table's stream records (or SES's reports), in and out;
//! - [`config`]: a function's settings from its environment;
//! - [`logging`]: what reaches the log;
//! - [`metrics`]: what the flows count, as CloudWatch's embedded metric
//!   format in the log.
//!
//! Links no AWS SDK: `recovery-wiring` puts the adapters under the flows.

pub mod admin_event;
pub mod config;
pub mod credentials_event;
pub mod delivery_event;
pub mod http;
pub mod logging;
pub mod metrics;

pub use config::{ConfigError, DeliveryConfig, FlowsConfig};
