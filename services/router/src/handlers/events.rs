//! The `router-events` consumer: the conversation events that concern the
//! queue, turned into routing inputs on the tenant's subject. A conversation
//! entering `queued` is a handoff; one entering `ended` is closed. Nothing
//! else needs an input: `live` and the return to the AI are the router's own
//! doing.
//!
//! Input ids are derived from the event, so a redelivered event publishes an
//! input the stream already has (and the router has already applied). A
//! lane's waiting events are handled together: their inputs sent in order
//! without waiting, the acks awaited at once, then the events acked.

use futures::future::join_all;
use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::publish::PendingAck;
use switchboard_bus::service::BatchConsumer;
use switchboard_bus::{Bus, BusError, Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, EventKind, filter};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    ConversationEvent, ConversationState, RouteConversationClosed, RouteHandoff, RoutingInput,
};

use tracing::Instrument;

use super::Counters;

pub fn spec(lanes: usize) -> ConsumerSpec {
    // State changes are all the router turns into inputs.
    ConsumerSpec::filtered(
        streams::EVENTS,
        consumers::ROUTER_EVENTS,
        filter::events_of_kinds(&[EventKind::State]),
    )
    .lanes(lanes)
    .max_batch(MAX_BATCH)
}

#[derive(Debug, Clone)]
pub struct EventHandler {
    pub bus: Bus,
    pub counters: Counters,
}

/// Why an event was not turned into its routing input.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("undecodable ConversationEvent: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error("the subject names no tenant")]
    NoTenant,
    #[error("the event's tenant is not its subject's")]
    WrongTenant,
    #[error("could not publish a routing input: {0}")]
    Publish(#[from] BusError),
}

impl Classify for EventError {
    fn disposition(&self) -> Disposition {
        match self {
            EventError::Publish(_) => Disposition::Retry,
            _ => Disposition::Park,
        }
    }
}

/// The most events one lane hands over at once.
pub const MAX_BATCH: usize = 64;

impl BatchConsumer for EventHandler {
    type Error = EventError;

    /// The lane's waiting events, their inputs sent one after another
    /// without waiting (a conversation's inputs reach the stream in its
    /// events' order) and the acks awaited together.
    async fn consume_batch(&self, deliveries: Vec<Delivery>) -> Vec<Result<(), EventError>> {
        let mut sent = Vec::with_capacity(deliveries.len());
        for delivery in &deliveries {
            sent.push(self.send(delivery).await);
        }
        join_all(sent.into_iter().map(|sent| async move {
            let Some((ack, handoff)) = sent? else {
                return Ok(());
            };
            ack.stored().await?;
            if handoff {
                self.counters.handoffs.inc();
            }
            Ok(())
        }))
        .await
    }
}

impl EventHandler {
    /// Sends the event's routing input, if it calls for one: its pending
    /// ack and whether it is a handoff.
    async fn send(&self, delivery: &Delivery) -> Result<Option<(PendingAck, bool)>, EventError> {
        let event = ConversationEvent::decode(delivery.payload.clone())?;
        let Some(input) = routing_input(&event, delivery.stream_sequence) else {
            return Ok(None);
        };
        let tenant = subjects::tenant_of(&delivery.subject).ok_or(EventError::NoTenant)?;
        if input.tenant != tenant.to_string() {
            return Err(EventError::WrongTenant);
        }
        let ack = self
            .bus
            .send_durable(subjects::route(tenant), &input.input_id, &input)
            .instrument(delivery.span.clone())
            .await?;
        Ok(Some((ack, matches!(input.input, Some(Input::Handoff(_))))))
    }
}

/// The routing input an event calls for, if any. `sequence` is the event's
/// stream sequence: a conversation may be handed off more than once (after a
/// fallback to the AI), and each time is a new input.
pub fn routing_input(event: &ConversationEvent, sequence: u64) -> Option<RoutingInput> {
    let Some(Event::State(change)) = &event.event else {
        return None;
    };
    let conversation: ConversationId = event.conversation.parse().ok()?;
    let tenant: TenantId = event.tenant.parse().ok()?;
    let (input_id, input) = match change.to() {
        ConversationState::Queued => {
            let info = event.info.clone().unwrap_or_default();
            let handoff = RouteHandoff {
                conversation: conversation.to_string(),
                space: info.routed_space.clone(),
                experience: info.experience.clone(),
                customer: info.customer.clone(),
                summary: info.summary.clone(),
                support_mode: info.support_mode,
            };
            (
                format!("handoff:{conversation}:{sequence}"),
                Input::Handoff(handoff),
            )
        }
        // Only a conversation that was queued or live can be the router's:
        // an AI conversation's end costs the router nothing.
        ConversationState::Ended
            if matches!(
                change.from(),
                ConversationState::Queued | ConversationState::Live
            ) =>
        {
            (
                format!("closed:{conversation}"),
                Input::ConversationClosed(RouteConversationClosed {
                    conversation: conversation.to_string(),
                }),
            )
        }
        _ => return None,
    };
    Some(RoutingInput {
        tenant: tenant.to_string(),
        input_id,
        at_ms: event.at_ms,
        input: Some(input),
    })
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::{ConversationInfo, StateChanged};

    use super::*;

    fn changed(to: ConversationState) -> ConversationEvent {
        changed_from(ConversationState::Queued, to)
    }

    fn changed_from(from: ConversationState, to: ConversationState) -> ConversationEvent {
        ConversationEvent {
            tenant: TenantId::new().to_string(),
            conversation: ConversationId::new().to_string(),
            info: Some(ConversationInfo {
                routed_space: "space".into(),
                summary: "my order".into(),
                ..Default::default()
            }),
            event: Some(Event::State(StateChanged {
                from: from as i32,
                to: to as i32,
                ..Default::default()
            })),
            ..Default::default()
        }
    }

    #[test]
    fn entering_the_queue_is_a_handoff_named_by_the_events_sequence() {
        let event = changed(ConversationState::Queued);
        let input = routing_input(&event, 42).unwrap();
        assert_eq!(input.input_id, format!("handoff:{}:42", event.conversation));
        let Some(Input::Handoff(handoff)) = input.input else {
            panic!("a handoff");
        };
        assert_eq!(
            (handoff.space.as_str(), handoff.summary.as_str()),
            ("space", "my order")
        );
    }

    #[test]
    fn an_end_closes_and_other_changes_need_no_input() {
        let ended = routing_input(&changed(ConversationState::Ended), 1).unwrap();
        assert!(matches!(ended.input, Some(Input::ConversationClosed(_))));
        let from_ai = changed_from(ConversationState::Ai, ConversationState::Ended);
        assert!(routing_input(&from_ai, 1).is_none());
        assert!(routing_input(&changed(ConversationState::Live), 1).is_none());
        assert!(routing_input(&changed(ConversationState::Ai), 1).is_none());
    }
}
