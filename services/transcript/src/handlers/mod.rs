//! The service's two entry points on the bus.
//!
//! | module | what |
//! |---|---|
//! | [`commands`] | the `SB_COMMANDS` consumer: store, publish the events, ack |
//! | [`inactivity`] | the `inactivity.{conversation}` timer: schedule, re-arm, cancel |
//! | [`rpc`] | `sb.rpc.transcript.*`: read a thread |
//! | [`list`] | `sb.rpc.transcript.*.conversations`: list conversations |
//! | [`orphans`] | ending open conversations whose configuration was deleted |

pub mod commands;
pub mod inactivity;
pub mod list;
pub mod orphans;
pub mod rpc;

use switchboard_runtime::metrics::{Counter, Metrics};

/// The counters the handlers keep, registered once.
#[derive(Debug, Clone)]
pub struct Counters {
    pub messages_stored: Counter,
    pub duplicates: Counter,
    pub conversations_opened: Counter,
    pub conversations_ended: Counter,
    pub handoffs: Counter,
    pub assignments: Counter,
    pub inactivity_warnings: Counter,
    pub commands_rejected: Counter,
    pub commands_parked: Counter,
    pub commands_retried: Counter,
    pub rpc_requests: Counter,
    pub rpc_failures: Counter,
    pub orphans_ended: Counter,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            messages_stored: metrics.counter(
                "transcript_messages_stored_total",
                "Messages stored with a new seq.",
            ),
            duplicates: metrics.counter(
                "transcript_duplicate_posts_total",
                "Posts and other commands found already applied (retries, redeliveries); their events are republished.",
            ),
            conversations_opened: metrics.counter(
                "transcript_conversations_opened_total",
                "Conversations created.",
            ),
            conversations_ended: metrics.counter(
                "transcript_conversations_ended_total",
                "Conversations ended.",
            ),
            handoffs: metrics.counter(
                "transcript_handoffs_total",
                "Conversations handed to the support team (ai -> queued).",
            ),
            assignments: metrics.counter(
                "transcript_assignments_total",
                "Conversations an agent accepted (queued -> live).",
            ),
            inactivity_warnings: metrics.counter(
                "transcript_inactivity_warnings_total",
                "Inactivity warnings sent.",
            ),
            commands_rejected: metrics.counter(
                "transcript_commands_rejected_total",
                "Commands refused with a CommandRejected event.",
            ),
            commands_parked: metrics.counter(
                "transcript_commands_parked_total",
                "Commands that could not be handled and were parked.",
            ),
            commands_retried: metrics.counter(
                "transcript_commands_retried_total",
                "Command deliveries that failed on the database or the bus and were retried.",
            ),
            rpc_requests: metrics.counter(
                "transcript_rpc_requests_total",
                "Transcript read requests answered.",
            ),
            rpc_failures: metrics.counter(
                "transcript_rpc_failures_total",
                "Transcript read requests answered with `unavailable`.",
            ),
            orphans_ended: metrics.counter(
                "transcript_orphans_ended_total",
                "End commands sent for open conversations whose experience, widget, AI agent, space or agent was deleted.",
            ),
        }
    }
}
