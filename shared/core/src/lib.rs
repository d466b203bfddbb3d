//! The heart of password recovery: the ports (traits the flows are written
//! against, implemented on AWS by `recovery-aws` and in memory by
//! `recovery-testing`), the flows over them, and the settings the flows
//! run with. Links no AWS SDK and no Lambda runtime.

pub mod flows;
pub mod ports;
pub mod settings;

pub use flows::{Administration, Recovery};
pub use settings::{BreachCheck, ChallengeSettings, RecoverySettings};
