//! One agent's routing view over core request/reply: `AgentQuery` on
//! `sb.rpc.router.{tenant}` (queue group `router`) → `AgentView`: the agent's
//! status per space (with the router's reason when it set one), its
//! outstanding offers and its live conversations. The
//! gateway asks on every agent (re)connect.
//!
//! It reads the stored snapshot, not this instance's cache, so any instance
//! answers with the last committed state. An agent the router has not seen
//! yet but the configuration has is answered with every space unavailable
//! (where a new agent starts); an unknown agent is `not_found`.

use prost::Message;
use switchboard_bus::rpc::{Refuse, Responder};
use switchboard_bus::service::Answer;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{AgentQuery, AgentView, Availability, Offer, SpaceStatus};

use super::Counters;
use super::messages::{availability, ms, status_reason};
use crate::catalog::Catalog;
use crate::snapshot::Snapshot;
use crate::store::{ReadError, SnapshotStore};

/// Where the router responder listens; `concurrency` is set per instance.
pub fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_ROUTER_RPC,
        queue_group: queues::ROUTER_RPC,
        concurrency,
    }
}

/// Why a query (for an agent's view or a space's, see
/// [`super::space_view`]) got no view; the caller gets its code.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("undecodable query: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error("the query's ids are not valid or not the subject's tenant")]
    Misaddressed,
    #[error("cannot read the routing state for a view: {0}")]
    Unavailable(#[from] ReadError),
}

impl ViewError {
    /// The error code the caller gets.
    pub fn code(&self) -> ErrorCode {
        match self {
            ViewError::Unavailable(_) => ErrorCode::Unavailable,
            _ => ErrorCode::Invalid,
        }
    }
}

impl Classify for ViewError {
    fn disposition(&self) -> Disposition {
        match self {
            ViewError::Unavailable(_) => Disposition::Retry,
            _ => Disposition::Answered,
        }
    }
}

impl Refuse<AgentView> for ViewError {
    fn reply(&self) -> AgentView {
        failed(self.code())
    }
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub counters: Counters,
}

impl Answer for RpcHandler {
    type Reply = AgentView;
    type Error = ViewError;

    /// Answers one query.
    async fn answer(&self, request: async_nats::Message) -> Result<AgentView, ViewError> {
        self.counters.rpc_requests.inc();
        let query = AgentQuery::decode(request.payload)?;
        let (Ok(tenant), Ok(agent)) = (
            query.tenant.parse::<TenantId>(),
            query.agent.parse::<AgentId>(),
        ) else {
            return Err(ViewError::Misaddressed);
        };
        if request.subject.as_str() != subjects::router_rpc(tenant) {
            return Err(ViewError::Misaddressed);
        }
        let (snapshot, _) = self.store.read(tenant).await?;
        Ok(view(&snapshot, &self.catalog, tenant, agent))
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
                    reason: String::new(),
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
                reason: record
                    .reason_in(*space)
                    .map(status_reason)
                    .unwrap_or_default()
                    .to_owned(),
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
