//! The service's entry points on the bus.
//!
//! | module | what |
//! |---|---|
//! | [`events`] | the `SB_EVENTS` consumer: create, assign, attach |
//! | [`thread`] | reading a whole thread from the transcript service |
//! | [`rpc`] | `sb.rpc.workitem.*`: the subscription and its serve loop |
//! | [`answer`] | what a work-item request gets back |
//! | [`changes`] | `WorkItemChanged` on `sb.workitem.*` after every change |

pub mod answer;
pub mod changes;
pub mod events;
pub mod rpc;
pub mod thread;

use switchboard_runtime::metrics::{Counter, Metrics};

/// The counters the handlers keep, registered once.
#[derive(Debug, Clone)]
pub struct Counters {
    pub events_handled: Counter,
    pub items_created: Counter,
    pub items_assigned: Counter,
    pub transcripts_attached: Counter,
    pub events_retried: Counter,
    pub events_parked: Counter,
    pub rpc_requests: Counter,
    pub rpc_failures: Counter,
    pub status_changes: Counter,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            events_handled: metrics.counter(
                "work_item_events_handled_total",
                "Conversation events handled (acked or parked), whether or not they touched an item.",
            ),
            items_created: metrics.counter(
                "work_item_items_created_total",
                "Work items created (one per conversation that reached the team).",
            ),
            items_assigned: metrics.counter(
                "work_item_items_assigned_total",
                "Assignments recorded when an agent accepted.",
            ),
            transcripts_attached: metrics.counter(
                "work_item_transcripts_attached_total",
                "Full transcripts attached when a conversation ended.",
            ),
            events_retried: metrics.counter(
                "work_item_events_retried_total",
                "Event deliveries that failed on the database or the transcript service and were retried.",
            ),
            events_parked: metrics.counter(
                "work_item_events_parked_total",
                "Events that could not be handled and were parked.",
            ),
            rpc_requests: metrics.counter(
                "work_item_rpc_requests_total",
                "Work-item requests answered.",
            ),
            rpc_failures: metrics.counter(
                "work_item_rpc_failures_total",
                "Work-item requests answered with `unavailable`.",
            ),
            status_changes: metrics.counter(
                "work_item_status_changes_total",
                "Status changes made by agents.",
            ),
        }
    }
}
