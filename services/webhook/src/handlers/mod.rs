//! The service's entry points on the bus.
//!
//! | module | what |
//! |---|---|
//! | [`events`] | the `SB_EVENTS` consumer: records a delivery per event and subscription |
//! | [`work_items`] | the `SB_WORK_ITEMS` consumer: work-item changes, recorded the same way |
//! | [`rpc`] | `sb.rpc.webhook.*`: delivery states and logs for the gateway |

pub mod events;
pub mod rpc;
pub mod work_items;

use switchboard_runtime::metrics::{Counter, Metrics};

/// The counters the handlers and the worker keep, registered once.
#[derive(Debug, Clone)]
pub struct Counters {
    pub events_handled: Counter,
    pub deliveries_recorded: Counter,
    pub attempts: Counter,
    pub delivered: Counter,
    pub failures: Counter,
    pub paused: Counter,
    pub rpc_requests: Counter,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            events_handled: metrics.counter(
                "webhook_events_handled_total",
                "Conversation events and work-item changes handled (whether or not a subscription wanted them).",
            ),
            deliveries_recorded: metrics.counter(
                "webhook_deliveries_recorded_total",
                "Deliveries recorded: one per webhook event and subscription.",
            ),
            attempts: metrics.counter("webhook_attempts_total", "Delivery attempts (POSTs tried)."),
            delivered: metrics.counter(
                "webhook_delivered_total",
                "Deliveries the endpoint accepted with a 2xx.",
            ),
            failures: metrics.counter(
                "webhook_failures_total",
                "Failed attempts: another status, no answer in time, or a refused target.",
            ),
            paused: metrics.counter(
                "webhook_subscriptions_paused_total",
                "Subscriptions paused after consecutive failures.",
            ),
            rpc_requests: metrics.counter(
                "webhook_rpc_requests_total",
                "Delivery state and log requests answered.",
            ),
        }
    }
}
