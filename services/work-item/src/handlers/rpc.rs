//! Work-item requests over core request/reply: `WorkItemRequest` on
//! `sb.rpc.workitem.{tenant}` (queue group `work-item`, so instances share
//! the load) → `WorkItemPage` (see [`super::answer`] for what each request
//! gets).
//!
//! Requests are answered by [`switchboard_bus::rpc`]: concurrently, bounded
//! by a semaphore; after a NATS restart the client resubscribes by itself; on
//! shutdown the subscription is drained, so requests already delivered are
//! still answered.

use switchboard_bus::rpc::{Lifecycle, Responder};
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::filter;
use switchboard_contracts::v1::WorkItemPage;
use switchboard_runtime::shutdown::Shutdown;
use tracing::Instrument;

use super::answer::Answerer;

/// Room left in a reply for the headers.
const REPLY_MARGIN: usize = 16 * 1024;

/// Where the work-item responder listens; `concurrency` is set per instance.
fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_WORKITEM_RPC,
        queue_group: queues::WORKITEM_RPC,
        concurrency,
    }
}

/// Subscribes to every tenant's work-item subject in the shared queue
/// group, and waits until the server has the subscription.
pub async fn subscribe(bus: &Bus) -> Result<async_nats::Subscriber, BusError> {
    responder(1).subscribe(bus).await
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub answerer: Answerer,
    pub bus: Bus,
    /// Requests answered at once.
    pub concurrency: usize,
}

impl RpcHandler {
    /// Answers requests from `subscriber` until shutdown, then drains it.
    pub async fn serve(self, subscriber: async_nats::Subscriber, shutdown: Shutdown) {
        let lifecycle = Lifecycle {
            stop: shutdown.token(),
            tasks: shutdown.tracker().clone(),
        };
        let bus = self.bus.clone();
        responder(self.concurrency)
            .serve(
                bus,
                subscriber,
                move |request| {
                    let handler = self.clone();
                    async move { handler.respond(request).await }
                },
                lifecycle,
            )
            .await;
    }

    async fn respond(&self, request: async_nats::Message) -> WorkItemPage {
        let span = tracing::info_span!("workitem.rpc", subject = %request.subject);
        switchboard_bus::propagation::set_parent_from(&span, request.headers.as_ref());
        self.answerer.counters.rpc_requests.inc();
        let budget = self.bus.client.max_payload().saturating_sub(REPLY_MARGIN);
        self.answerer
            .answer(&request.subject, request.payload.clone(), budget)
            .instrument(span)
            .await
    }
}
