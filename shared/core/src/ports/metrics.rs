//! Where what is counted goes as it happens ([`Metrics`]): in a function,
//! CloudWatch's embedded metric format in its own log (`recovery_edges`).

use recovery_domain::Measure;

pub trait Metrics: Send + Sync {
    /// Records `measure` now; never fails, never waits on the network.
    fn record(&self, measure: Measure);
}

/// Metrics that go nowhere.
pub struct NoMetrics;

impl Metrics for NoMetrics {
    fn record(&self, _: Measure) {}
}
