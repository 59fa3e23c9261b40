//! One agent's routing view over core request/reply: `AgentQuery` on
//! `sb.rpc.router.{tenant}` (queue group `router`) → `AgentView`: the agent's
//! status per space, its outstanding offers and its live conversations. The
//! gateway asks on every agent (re)connect.
//!
//! It reads the stored snapshot, not this instance's cache, so any instance
//! answers with the last committed state. An agent the router has not seen
//! yet but the configuration has is answered with every space unavailable
//! (where a new agent starts); an unknown agent is `not_found`.

use bytes::Bytes;
use prost::Message;
use switchboard_bus::rpc::{Lifecycle, Responder};
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{AgentQuery, AgentView, Availability, Offer, SpaceStatus};
use switchboard_runtime::shutdown::Shutdown;
use tracing::Instrument;

use super::Counters;
use super::messages::{availability, ms};
use crate::catalog::Catalog;
use crate::snapshot::Snapshot;
use crate::store::SnapshotStore;

/// Where the router responder listens; `concurrency` is set per instance.
fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_ROUTER_RPC,
        queue_group: queues::ROUTER_RPC,
        concurrency,
    }
}

/// Subscribes in the shared queue group and waits until the server has it.
pub async fn subscribe(bus: &Bus) -> Result<async_nats::Subscriber, BusError> {
    responder(1).subscribe(bus).await
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub bus: Bus,
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub counters: Counters,
    pub concurrency: usize,
}

impl RpcHandler {
    /// Answers until shutdown, then drains the subscription.
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

    async fn respond(&self, request: async_nats::Message) -> AgentView {
        let span = tracing::info_span!("router.rpc", subject = %request.subject);
        switchboard_bus::propagation::set_parent_from(&span, request.headers.as_ref());
        self.counters.rpc_requests.inc();
        self.answer(&request.subject, &request.payload)
            .instrument(span)
            .await
    }

    async fn answer(&self, subject: &str, payload: &Bytes) -> AgentView {
        let Ok(query) = AgentQuery::decode(payload.clone()) else {
            return failed(ErrorCode::Invalid);
        };
        let (Ok(tenant), Ok(agent)) = (
            query.tenant.parse::<TenantId>(),
            query.agent.parse::<AgentId>(),
        ) else {
            return failed(ErrorCode::Invalid);
        };
        if subject != subjects::router_rpc(tenant) {
            return failed(ErrorCode::Invalid);
        }
        match self.store.read(tenant).await {
            Ok((snapshot, _)) => view(&snapshot, &self.catalog, tenant, agent),
            Err(error) => {
                tracing::warn!(%error, "cannot read the routing state for an agent view");
                failed(ErrorCode::Unavailable)
            }
        }
    }
}

/// The agent's view in a committed snapshot.
pub fn view(snapshot: &Snapshot, catalog: &Catalog, tenant: TenantId, agent: AgentId) -> AgentView {
    let state = &snapshot.state;
    let Some(record) = state.agent(agent) else {
        let config = catalog.tenant(tenant);
        let Some(configured) = config.agents.get(&agent) else {
            return failed(ErrorCode::NotFound);
        };
        return AgentView {
            spaces: configured
                .spaces
                .iter()
                .map(|space| SpaceStatus {
                    space: space.to_string(),
                    status: Availability::Unavailable as i32,
                })
                .collect(),
            ..Default::default()
        };
    };
    let offers = record
        .offered()
        .iter()
        .filter_map(|conversation| {
            let held = state.conversation(*conversation)?;
            let offer = held.offer()?;
            let meta = snapshot.meta.get(conversation);
            Some(Offer {
                offer_id: offer.id.to_string(),
                conversation: conversation.to_string(),
                space: held.space().to_string(),
                customer: meta.map(|m| m.customer.to_proto()),
                summary: meta.map(|m| m.summary.clone()).unwrap_or_default(),
                expires_at_ms: ms(offer.expires_at),
                experience: meta.map(|m| m.experience.clone()).unwrap_or_default(),
            })
        })
        .collect();
    AgentView {
        spaces: record
            .spaces()
            .iter()
            .map(|(space, status)| SpaceStatus {
                space: space.to_string(),
                status: availability(*status) as i32,
            })
            .collect(),
        offers,
        live_conversations: record.live().iter().map(|c| c.to_string()).collect(),
        error: String::new(),
    }
}

fn failed(code: ErrorCode) -> AgentView {
    AgentView {
        error: code.as_str().to_owned(),
        ..Default::default()
    }
}
