//! The router's entry points on the bus and what they share.
//!
//! | module | what |
//! |---|---|
//! | [`inputs`] | the `SB_ROUTING` consumer: load, decide, compare-and-set, perform, ack |
//! | [`step`] | one input applied to a snapshot (parse, reconcile, decide), no I/O |
//! | [`perform`] | effects → commands, agent events, queue positions, timers |
//! | `delivery` | the bus operations effects are made of |
//! | [`messages`] | the bus messages and their deterministic ids |
//! | [`presence`] | agents' consoles: the presence timer, armed at connect, judged when it fires |
//! | [`queues`] | each space's queue length and longest wait, for `/metrics` |
//! | [`events`] | the `SB_EVENTS` consumer: queued → handoff, ended → closed |
//! | [`rpc`] | `sb.rpc.router.*`: one agent's view |
//! | [`space_view`] | `sb.rpc.router.*.spaces`: one space's live view |

mod batch;
mod delivery;
pub mod events;
pub mod inputs;
pub mod messages;
pub mod perform;
pub mod presence;
pub mod queues;
pub mod rpc;
pub mod space_view;
pub mod step;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod space_view_tests;
#[cfg(test)]
mod step_tests;

use switchboard_runtime::metrics::{Counter, CounterVec, Metrics};

/// The counters the handlers keep, registered once.
#[derive(Debug, Clone)]
pub struct Counters {
    pub inputs: Counter,
    pub inputs_replayed: Counter,
    pub inputs_retried: Counter,
    pub inputs_parked: Counter,
    pub cas_conflicts: Counter,
    pub offers_made: Counter,
    /// Offers that ended, by `outcome`: accepted, declined, timed_out,
    /// withdrawn, disconnected.
    pub offers: CounterVec<1>,
    pub assignments: Counter,
    pub fallbacks: Counter,
    pub handoffs: Counter,
    pub rpc_requests: Counter,
    pub queues: queues::QueueBoard,
}

impl Counters {
    pub fn new(metrics: &Metrics) -> Self {
        Self {
            inputs: metrics.counter(
                "router_inputs_total",
                "Routing inputs handled and acknowledged.",
            ),
            inputs_replayed: metrics.counter(
                "router_inputs_replayed_total",
                "Redelivered inputs found already applied; their effects were performed again.",
            ),
            inputs_retried: metrics.counter(
                "router_inputs_retried_total",
                "Input deliveries that failed on the bus and were retried.",
            ),
            inputs_parked: metrics.counter(
                "router_inputs_parked_total",
                "Inputs that could not be understood and were parked.",
            ),
            cas_conflicts: metrics.counter(
                "router_cas_conflicts_total",
                "Decisions thrown away because the tenant's state changed since it was read.",
            ),
            offers_made: metrics.counter("router_offers_made_total", "Offers made to agents."),
            offers: metrics.counters(
                "router_offers_total",
                "Offers that ended, by outcome (accepted, declined, timed_out, withdrawn, disconnected).",
                ["outcome"],
            ),
            assignments: metrics.counter(
                "router_assignments_total",
                "Accepts that won: conversations assigned.",
            ),
            fallbacks: metrics.counter(
                "router_fallbacks_total",
                "Conversations that got the fallback message (no agents, accept window).",
            ),
            handoffs: metrics.counter(
                "router_handoffs_total",
                "Conversations entering the queue, turned into routing inputs.",
            ),
            rpc_requests: metrics.counter(
                "router_rpc_requests_total",
                "Views answered: agents' and spaces'.",
            ),
            queues: queues::QueueBoard::new(metrics),
        }
    }
}
