//! The bus as the tests drive it: routing inputs and conversation events
//! published the way the gateway, the timer service and the transcript do,
//! and agents' events, queue positions and commands read back.

use futures::StreamExt;
use prost::Message;
use switchboard_bus::Bus;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::conversation_event::Event as ConversationChange;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    self, AgentEvent, ConversationCommand, ConversationEvent, ConversationInfo, ConversationState,
    Customer, QueuePosition, RoutingInput, StateChanged,
};

use super::{Cx, WAIT};

/// What the transcript says about a conversation entering the queue.
pub fn queued_info(tenant: TenantId, cx: &Cx, conversation: ConversationId) -> ConversationInfo {
    ConversationInfo {
        id: conversation.to_string(),
        tenant: tenant.to_string(),
        experience: cx.id.to_string(),
        customer: Some(Customer {
            key: "user:42".into(),
            name: "Casey".into(),
            email: "casey@example.com".into(),
            signed_in: true,
        }),
        state: ConversationState::Queued as i32,
        support_mode: cx.mode as i32,
        routed_space: cx.space.to_string(),
        summary: "Where is my order?".into(),
        ..Default::default()
    }
}

/// Plays the transcript: the conversation ended from `from`.
pub async fn end_conversation(
    bus: &Bus,
    tenant: TenantId,
    c: ConversationId,
    from: ConversationState,
) {
    let info = ConversationInfo {
        id: c.to_string(),
        tenant: tenant.to_string(),
        state: ConversationState::Ended as i32,
        ..Default::default()
    };
    publish_change(bus, tenant, c, info, from, ConversationState::Ended).await;
}

/// Publishes a routing input as the gateway or a timer would.
pub async fn publish_input(
    bus: &Bus,
    tenant: TenantId,
    input_id: &str,
    msg_id: &str,
    input: Input,
) {
    let message = RoutingInput {
        tenant: tenant.to_string(),
        input_id: input_id.to_owned(),
        at_ms: 1,
        input: Some(input),
    };
    bus.publish_durable(subjects::route(tenant), msg_id, &message)
        .await
        .expect("routing input stored");
}

/// Publishes a state change as the transcript would.
pub async fn publish_change(
    bus: &Bus,
    tenant: TenantId,
    c: ConversationId,
    info: ConversationInfo,
    from: ConversationState,
    to: ConversationState,
) {
    let event = ConversationEvent {
        tenant: tenant.to_string(),
        conversation: c.to_string(),
        at_ms: 1,
        info: Some(info),
        event: Some(ConversationChange::State(StateChanged {
            from: from as i32,
            to: to as i32,
            reason: 0,
        })),
    };
    let id = format!("test:{c}:{}", uuid_like());
    bus.publish_durable(subjects::event(tenant, c, EventKind::State), &id, &event)
        .await
        .expect("event stored");
}

pub async fn next_position(subscriber: &mut async_nats::Subscriber) -> u32 {
    let message = tokio::time::timeout(WAIT, subscriber.next())
        .await
        .expect("a queue position in time")
        .expect("subscribed");
    QueuePosition::decode(message.payload)
        .expect("a QueuePosition")
        .position
}

/// An agent's events.
pub struct Events(pub async_nats::Subscriber);

impl Events {
    pub async fn next(&mut self) -> Event {
        let message = tokio::time::timeout(WAIT, self.0.next())
            .await
            .expect("an agent event in time")
            .expect("subscribed");
        AgentEvent::decode(message.payload)
            .expect("an AgentEvent")
            .event
            .expect("an event")
    }

    /// The next event, however long it takes; `None` once unsubscribed.
    pub async fn recv(&mut self) -> Option<Event> {
        let message = self.0.next().await?;
        AgentEvent::decode(message.payload).ok()?.event
    }

    pub async fn offer(&mut self) -> v1::Offer {
        match self.next().await {
            Event::Offer(offer) => offer,
            other => panic!("expected an offer, got {other:?}"),
        }
    }

    pub async fn status(&mut self) -> v1::AgentStatusChanged {
        match self.next().await {
            Event::Status(status) => status,
            other => panic!("expected a status, got {other:?}"),
        }
    }
}

pub struct Commands(pub async_nats::jetstream::consumer::pull::Ordered);

impl Commands {
    pub async fn next(&mut self) -> ConversationCommand {
        let message = tokio::time::timeout(WAIT, self.0.next())
            .await
            .expect("a command in time")
            .expect("consuming")
            .expect("a message");
        ConversationCommand::decode(message.payload.clone()).expect("a ConversationCommand")
    }
}

pub fn uuid_like() -> String {
    ConversationId::new().to_string()
}
