//! Work-item requests over core request/reply: `WorkItemRequest` on
//! `sb.rpc.workitem.{tenant}` (queue group `work-item`, so instances share
//! the load) → `WorkItemPage` (see [`super::answer`] for what each request
//! gets). The service kit's responder subscribes, bounds the concurrency,
//! resubscribes after a NATS restart and drains on shutdown.

use switchboard_bus::Bus;
use switchboard_bus::rpc::Responder;
use switchboard_bus::service::Answer;
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::filter;
use switchboard_contracts::v1::WorkItemPage;

use super::answer::{Answerer, RequestError};

/// Room left in a reply for the headers.
const REPLY_MARGIN: usize = 16 * 1024;

/// Where the work-item responder listens; `concurrency` is set per instance.
pub fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_WORKITEM_RPC,
        queue_group: queues::WORKITEM_RPC,
        concurrency,
    }
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub answerer: Answerer,
    pub bus: Bus,
}

impl Answer for RpcHandler {
    type Reply = WorkItemPage;
    type Error = RequestError;

    async fn answer(&self, request: async_nats::Message) -> Result<WorkItemPage, RequestError> {
        self.answerer.counters.rpc_requests.inc();
        let budget = self.bus.client.max_payload().saturating_sub(REPLY_MARGIN);
        self.answerer
            .answer(&request.subject, request.payload, budget)
            .await
    }
}
