//! The bus operations effects are made of, for [`Performer`]: an agent's
//! event, customers' queue positions, and a routing timer (scheduled with
//! the input it fires as its `Nats-Msg-Id`).

use std::collections::HashSet;

use prost::Message;
use switchboard_bus::{BusError, propagation};
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{QueuePosition, RoutingInput, Timer};
use switchboard_runtime::clock;

use super::messages;
use super::perform::Performer;
use crate::domain::State;

impl Performer {
    /// Tells the customers of `listed` conversations still queued in `space`
    /// their place in it as it stands now, front of the queue first.
    pub(super) async fn positions(
        &self,
        tenant: TenantId,
        state: &State,
        space: SpaceId,
        listed: HashSet<ConversationId>,
    ) -> Result<(), BusError> {
        let Some(queue) = state.space(space) else {
            return Ok(());
        };
        for (conversation, position) in queue.queue().zip(1u32..) {
            if listed.contains(&conversation) {
                let update = QueuePosition {
                    tenant: tenant.to_string(),
                    conversation: conversation.to_string(),
                    position,
                };
                self.bus
                    .publish_core(subjects::queue_position(tenant, conversation), &update)
                    .await?;
            }
        }
        Ok(())
    }

    pub(super) async fn notify(
        &self,
        tenant: TenantId,
        agent: AgentId,
        event: Event,
    ) -> Result<(), BusError> {
        let message = messages::agent_event(tenant, agent, event);
        self.bus
            .publish_core(subjects::agent_events(tenant, agent), &message)
            .await
    }

    /// Schedules (or re-arms) a timer that publishes `fire` to the tenant's
    /// routing subject, with the input's id as its `Nats-Msg-Id`.
    pub(super) async fn schedule(
        &self,
        id: String,
        due: u64,
        tenant: TenantId,
        fire: RoutingInput,
    ) -> Result<(), BusError> {
        let mut trace = async_nats::HeaderMap::new();
        propagation::inject_current(&mut trace);
        let headers = trace
            .iter()
            .filter_map(|(name, values)| {
                Some((name.to_string(), values.first()?.as_str().to_owned()))
            })
            .collect();
        let timer = Timer {
            id,
            due_ms: due.max(1),
            subject: subjects::route(tenant),
            payload: fire.encode_to_vec(),
            msg_id: fire.input_id.clone(),
            scheduled_at_ms: clock::now_ms_unsigned(),
            headers,
        };
        self.timers.schedule(&timer).await.map(|_| ())
    }
}
