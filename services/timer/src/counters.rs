//! The service's metrics, registered once and updated where things happen.

use switchboard_runtime::metrics::{Handle, Metrics};

#[derive(Debug, Clone)]
pub struct Counters {
    pub pending: Handle,
    pub fired: Handle,
    pub duplicate_fires: Handle,
    pub fire_retries: Handle,
    pub lateness_last_ms: Handle,
    pub lateness_max_ms: Handle,
    pub partitions_owned: Handle,
    pub leases_lost: Handle,
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
            lateness_last_ms: metrics.gauge(
                "timer_lateness_last_ms",
                "Due time to stream ack of the latest fire, in milliseconds.",
            ),
            lateness_max_ms: metrics.gauge(
                "timer_lateness_max_ms",
                "The largest due-to-ack lateness since start, in milliseconds.",
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

    pub fn record_lateness(&self, lateness_ms: i64) {
        self.lateness_last_ms.set(lateness_ms);
        if lateness_ms > self.lateness_max_ms.get() {
            self.lateness_max_ms.set(lateness_ms);
        }
    }
}
