//! What the bus counts for every service: messages consumed (by consumer,
//! subject kind and how they were settled) and published (by subject kind),
//! each consumer's lag and redeliveries, parked messages and how long
//! handlers take.

use std::time::Duration;

use switchboard_runtime::metrics::{CounterVec, GaugeVec, HistogramVec, Metrics};

/// The bus's metrics, registered on the service's [`Metrics`] by
/// [`crate::Bus::with_metrics`] (a bus without one counts into a registry of
/// its own that nobody reads).
#[derive(Debug, Clone)]
pub struct BusMeters {
    consumed: CounterVec<3>,
    published: CounterVec<2>,
    pending: GaugeVec<1>,
    redeliveries: CounterVec<1>,
    parked: CounterVec<1>,
    handling: HistogramVec<1>,
}

impl Default for BusMeters {
    fn default() -> Self {
        Self::new(&Metrics::new())
    }
}

/// How a consumed message was settled.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Settled {
    Ack,
    Retry,
    Park,
}

impl BusMeters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            consumed: metrics.counters(
                "switchboard_messages_consumed_total",
                "Messages handled by a consumer, by subject kind and outcome (ack, retry, park).",
                ["consumer", "kind", "outcome"],
            ),
            published: metrics.counters(
                "switchboard_messages_published_total",
                "Messages published, by subject kind and mode (durable: JetStream, core: NATS).",
                ["kind", "mode"],
            ),
            pending: metrics.gauges(
                "switchboard_consumer_pending",
                "Messages in the stream not yet delivered to the consumer (its lag), as of its latest delivery.",
                ["consumer"],
            ),
            redeliveries: metrics.counters(
                "switchboard_consumer_redeliveries_total",
                "Deliveries after the first (retries, and messages whose handler did not answer within ack_wait).",
                ["consumer"],
            ),
            parked: metrics.counters(
                "switchboard_messages_parked_total",
                "Messages copied to the parked stream for an operator.",
                ["consumer"],
            ),
            handling: metrics.histograms(
                "switchboard_message_handling_seconds",
                "How long a consumer's handler took with one message.",
                ["consumer"],
            ),
        }
    }

    pub(crate) fn delivered(&self, consumer: &str, attempt: i64, pending: u64) {
        self.pending
            .with([consumer])
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
        if attempt > 1 {
            self.redeliveries.with([consumer]).inc();
        }
    }

    pub(crate) fn handled(&self, consumer: &str, subject: &str, took: Duration, how: Settled) {
        self.handling.with([consumer]).observe(took.as_secs_f64());
        let outcome = match how {
            Settled::Ack => "ack",
            Settled::Retry => "retry",
            Settled::Park => "park",
        };
        self.consumed
            .with([consumer, &subject_kind(subject), outcome])
            .inc();
    }

    pub(crate) fn parked(&self, consumer: &str) {
        self.parked.with([consumer]).inc();
    }

    /// A message published to `subject`, `mode` `durable` (JetStream) or
    /// `core`; the bus's own publishes count themselves.
    pub fn published(&self, subject: &str, mode: &'static str) {
        self.published.with([&subject_kind(subject), mode]).inc();
    }
}

/// A subject with what varies per tenant, conversation, agent or timer
/// written `*`: `sb.cmd.*.*`, `switchboard.ai.request.*.*`, `$KV.SB_TIMERS.*`.
/// Ids are the tokens with a digit in them (UUIDs, numbers).
pub fn subject_kind(subject: &str) -> String {
    if let Some(bucket) = subject.strip_prefix("$KV.") {
        let bucket = bucket.split('.').next().unwrap_or_default();
        return format!("$KV.{bucket}.*");
    }
    subject
        .split('.')
        .map(|token| {
            if token.bytes().any(|b| b.is_ascii_digit()) {
                "*"
            } else {
                token
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_kind_hides_ids_and_keys() {
        let t = "0192b1f4-7c1e-7a32-9d1c-2f1e3a4b5c6d";
        for (subject, kind) in [
            (format!("sb.cmd.{t}.{t}"), "sb.cmd.*.*"),
            (
                format!("sb.rpc.transcript.{t}.conversations"),
                "sb.rpc.transcript.*.conversations",
            ),
            ("$KV.SB_TIMERS.offer.abc".to_owned(), "$KV.SB_TIMERS.*"),
            (
                "sb.parked.SB_EVENTS.router".to_owned(),
                "sb.parked.SB_EVENTS.router",
            ),
        ] {
            assert_eq!(subject_kind(&subject), kind);
        }
    }
}
