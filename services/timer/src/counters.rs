//! The service's metrics, registered once and updated where things happen.

use switchboard_runtime::metrics::{Counter, Gauge, Histogram, Metrics};

#[derive(Debug, Clone)]
pub struct Counters {
    pub pending: Gauge,
    pub fired: Counter,
    pub duplicate_fires: Counter,
    pub fire_retries: Counter,
    pub lateness: Histogram,
    pub partitions_owned: Gauge,
    pub leases_lost: Counter,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            pending: metrics.gauge(
                "timer_pending",
                "Timers held in memory by this instance (its partitions).",
            ),
            fired: metrics.counter(
                "timer_fired_total",
                "Timers published to their subject (first store of the message).",
            ),
            duplicate_fires: metrics.counter(
                "timer_duplicate_fires_total",
                "Fires the target stream dropped as duplicates (a refire after a crash or handover).",
            ),
            fire_retries: metrics.counter(
                "timer_fire_retries_total",
                "Fire attempts that failed and were rescheduled with backoff.",
            ),
            lateness: metrics.histogram(
                "timer_lateness_seconds",
                "How late timers fire: the fire's stream ack minus the due time.",
            ),
            partitions_owned: metrics.gauge(
                "timer_partitions_owned",
                "Partitions whose lease this instance holds.",
            ),
            leases_lost: metrics.counter(
                "timer_leases_lost_total",
                "Leases lost to a conflict or to renewals failing for the whole TTL.",
            ),
        }
    }

    pub fn record_lateness(&self, lateness_ms: u64) {
        self.lateness.observe(lateness_ms as f64 / 1000.0);
    }
}
