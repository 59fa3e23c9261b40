//! One space's live view over core request/reply: `SpaceQuery` on
//! `sb.rpc.router.{tenant}.spaces` (queue group `router`) → `SpaceView`:
//! whether live chat is on, the site's limit, the waiting conversations in
//! queue order (with the agent each is offered to right now) and every
//! agent of the space with its status there and its load. The admin
//! console's live view asks every few seconds (SPEC §10).
//!
//! Like the agent view ([`super::rpc`]) it reads the stored snapshot, not
//! this instance's cache, so any instance answers with the last committed
//! state. The configuration fills in what the router has not routed for
//! yet: a space it has not heard of (live chat as configured, nobody
//! waiting) and agents of the space it has not seen (unavailable, no load,
//! where a new agent starts). A space neither knows is `not_found`.

use prost::Message;
use switchboard_bus::rpc::{Refuse, Responder};
use switchboard_bus::service::Answer;
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{SpaceId, TenantId};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{
    Availability, SpaceAgent, SpaceQuery, SpaceView, WaitingConversation,
};

use super::Counters;
use super::messages::{availability, ms};
use super::rpc::ViewError;
use crate::catalog::{Catalog, TenantConfig};
use crate::domain::Status;
use crate::snapshot::Snapshot;
use crate::store::SnapshotStore;

/// Where the space-view responder listens; `concurrency` is set per instance.
pub fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_SPACE_VIEW_RPC,
        queue_group: queues::ROUTER_RPC,
        concurrency,
    }
}

impl Refuse<SpaceView> for ViewError {
    fn reply(&self) -> SpaceView {
        failed(self.code())
    }
}

#[derive(Debug, Clone)]
pub struct SpaceViewHandler {
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub counters: Counters,
}

impl Answer for SpaceViewHandler {
    type Reply = SpaceView;
    type Error = ViewError;

    /// Answers one query.
    async fn answer(&self, request: async_nats::Message) -> Result<SpaceView, ViewError> {
        self.counters.rpc_requests.inc();
        let query = SpaceQuery::decode(request.payload)?;
        let (Ok(tenant), Ok(space)) = (
            query.tenant.parse::<TenantId>(),
            query.space.parse::<SpaceId>(),
        ) else {
            return Err(ViewError::Misaddressed);
        };
        if request.subject.as_str() != subjects::space_view_rpc(tenant) {
            return Err(ViewError::Misaddressed);
        }
        let (snapshot, _) = self.store.read(tenant).await?;
        Ok(view(&snapshot, &self.catalog.tenant(tenant), space))
    }
}

/// The space's view in a committed snapshot, with `config` (the tenant's
/// configuration) for what the snapshot does not know yet.
pub fn view(snapshot: &Snapshot, config: &TenantConfig, space: SpaceId) -> SpaceView {
    let state = &snapshot.state;
    let routed = state.space(space);
    let Some(live_chat) = routed
        .map(|s| s.live_chat())
        .or_else(|| config.spaces.get(&space).copied())
    else {
        return failed(ErrorCode::NotFound);
    };
    let waiting = routed
        .into_iter()
        .flat_map(|s| s.queue())
        .enumerate()
        .filter_map(|(index, conversation)| {
            let held = state.conversation(conversation)?;
            let offer = held.offer();
            let meta = snapshot.meta.get(&conversation);
            Some(WaitingConversation {
                conversation: conversation.to_string(),
                customer: meta.map(|m| m.customer.to_proto()),
                experience: meta.map(|m| m.experience.clone()).unwrap_or_default(),
                queued_at_ms: ms(held.queued_at()),
                position: u32::try_from(index + 1).unwrap_or(u32::MAX),
                offered_to: offer.map(|o| o.agent.to_string()).unwrap_or_default(),
                offer_expires_at_ms: offer.map_or(0, |o| ms(o.expires_at)),
            })
        })
        .collect();
    let members = routed.into_iter().flat_map(|s| s.members().iter().copied());
    // Configured here but never seen by the router: where a new agent starts.
    let unseen = config
        .agents
        .iter()
        .filter(|(id, record)| record.spaces.contains(&space) && state.agent(**id).is_none())
        .map(|(id, _)| *id);
    let mut agents: Vec<SpaceAgent> = members
        .filter_map(|id| {
            let record = state.agent(id)?;
            let status = record.status_in(space).unwrap_or(Status::Unavailable);
            Some(SpaceAgent {
                agent: id.to_string(),
                status: availability(status) as i32,
                load: record.load(),
            })
        })
        .chain(unseen.map(|id| SpaceAgent {
            agent: id.to_string(),
            status: Availability::Unavailable as i32,
            load: 0,
        }))
        .collect();
    agents.sort_by(|a, b| a.agent.cmp(&b.agent));
    SpaceView {
        live_chat,
        limit: state.limit().get(),
        waiting,
        agents,
        error: String::new(),
    }
}

fn failed(code: ErrorCode) -> SpaceView {
    SpaceView {
        error: code.as_str().to_owned(),
        ..Default::default()
    }
}
