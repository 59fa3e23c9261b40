//! The agent socket's decisions on what comes back: the router's events for
//! this agent, committed events and typing of the conversations it holds,
//! transcript pages, and failed I/O.
//!
//! Every message reaches the console once and in `seq` order per
//! conversation, as on the customer socket: at or below `last_seq` it is a
//! duplicate and dropped; beyond `last_seq + 1` the gap is read first.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::agent_event::Event as AgentEventKind;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    AgentEvent, ChatMessage, ConversationCommand, ConversationEvent, ConversationState, Customer,
    Offer, Role, RoutingInput, TypingEvent,
};

use super::availability_name;
use super::identity::AgentIdentity;
use super::server_frame::{CustomerView, ErrorFrame, ExperienceView, ServerFrame};
use super::session::{AgentSession, Effect, Fetch, FetchPurpose, Held, send};
use crate::api::render::{message_object, rfc3339_ms};
use crate::socket::error::WsError;

/// What the console shows when an accept lost (CONTRACT.md §3, SPEC §5).
pub use switchboard_contracts::texts::NO_LONGER_AVAILABLE;

pub(super) fn offer_frame(identity: &AgentIdentity, offer: Offer) -> ServerFrame {
    ServerFrame::Offer {
        space_name: identity
            .space_name(&offer.space)
            .unwrap_or_default()
            .to_owned(),
        offer_id: offer.offer_id,
        conversation: offer.conversation,
        space: offer.space,
        experience: ExperienceView {
            id: offer.experience,
            name: String::new(),
        },
        customer: customer_view(offer.customer),
        summary: offer.summary,
        expires_at: rfc3339_ms(offer.expires_at_ms),
    }
}

fn customer_view(customer: Option<Customer>) -> CustomerView {
    let customer = customer.unwrap_or_default();
    CustomerView {
        name: customer.name,
        email: customer.email,
    }
}

impl AgentSession {
    /// An event from `sb.agent.{tenant}.{agent}`.
    pub fn on_agent_event(&mut self, event: AgentEvent) -> Vec<Effect> {
        let Some(identity) = &self.identity else {
            return Vec::new();
        };
        if event.agent != identity.agent.to_string() || event.tenant != identity.tenant.to_string()
        {
            return Vec::new();
        }
        match event.event {
            Some(AgentEventKind::Offer(offer)) => send(offer_frame(identity, offer)),
            Some(AgentEventKind::Withdrawn(withdrawn)) => send(ServerFrame::OfferWithdrawn {
                offer_id: withdrawn.offer_id,
                reason: withdrawn.reason,
            }),
            Some(AgentEventKind::Assigned(assigned)) => {
                let Ok(conversation) = assigned.conversation.parse::<ConversationId>() else {
                    return Vec::new();
                };
                // Another socket's accept, or a repeat: already shown here.
                if self.held.contains_key(&conversation) {
                    return Vec::new();
                }
                self.held.insert(conversation, Held::default());
                vec![
                    Effect::Attach(conversation),
                    Effect::Fetch(Fetch {
                        conversation,
                        after_seq: 0,
                        purpose: FetchPurpose::Assigned,
                    }),
                ]
            }
            Some(AgentEventKind::Refused(refused)) => {
                send(ErrorFrame::new("conflict", NO_LONGER_AVAILABLE).offer(refused.offer_id))
            }
            Some(AgentEventKind::Status(changed)) => send(ServerFrame::Status {
                status: availability_name(changed.status()),
                space: changed.space,
                reason: Some(changed.reason).filter(|r| !r.is_empty()),
            }),
            None => Vec::new(),
        }
    }

    /// An event from `sb.evt.{tenant}.{conversation}` of a held conversation.
    pub fn on_event(&mut self, event: ConversationEvent) -> Vec<Effect> {
        let Ok(conversation) = event.conversation.parse::<ConversationId>() else {
            return Vec::new();
        };
        if !self.held.contains_key(&conversation) {
            return Vec::new();
        }
        match event.event {
            Some(Event::Message(added)) => match added.message {
                Some(message) => self.on_message_added(conversation, message),
                None => Vec::new(),
            },
            Some(Event::State(changed)) if changed.to() == ConversationState::Ended => {
                self.release(conversation, changed.reason().wire_name())
            }
            Some(Event::Inactive(warning)) => send(ServerFrame::Inactive {
                conversation: conversation.to_string(),
                ends_at: rfc3339_ms(warning.ends_at_ms),
            }),
            Some(Event::Rejected(rejected)) if self.is_own_command(&rejected.command_id) => {
                let refusal = WsError::Rejected {
                    code: rejected.code,
                    message: rejected.message,
                };
                send(
                    ErrorFrame::new(refusal.code(), refusal.message())
                        .conversation(conversation)
                        .client_id(rejected.client_id),
                )
            }
            Some(Event::State(_) | Event::Rejected(_) | Event::Identified(_)) | None => Vec::new(),
        }
    }

    fn on_message_added(
        &mut self,
        conversation: ConversationId,
        message: ChatMessage,
    ) -> Vec<Effect> {
        let Some(held) = self.held.get_mut(&conversation) else {
            return Vec::new();
        };
        if message.seq <= held.last_seq {
            return Vec::new();
        }
        if message.seq == held.last_seq + 1 {
            held.last_seq = message.seq;
            return send(ServerFrame::Message {
                message: message_object(&message),
            });
        }
        vec![Effect::Fetch(Fetch {
            conversation,
            after_seq: held.last_seq,
            purpose: FetchPurpose::Gap { pending: message },
        })]
    }

    /// A typing event of a held conversation: the other side's typing is
    /// shown; this agent's own (other tabs) is not.
    pub fn on_typing_event(&self, event: TypingEvent) -> Vec<Effect> {
        let (Some(identity), Some(author)) = (&self.identity, event.author) else {
            return Vec::new();
        };
        let Ok(conversation) = event.conversation.parse::<ConversationId>() else {
            return Vec::new();
        };
        let own = author.role() == Role::Agent && author.id == identity.agent.to_string();
        if own || !self.held.contains_key(&conversation) {
            return Vec::new();
        }
        send(ServerFrame::Typing {
            conversation: conversation.to_string(),
            role: author.role().wire_name(),
            name: author.name,
            on: event.on,
        })
    }

    /// The conversation ended (or turned out to be over): `ended`, then let
    /// it go.
    pub(super) fn release(
        &mut self,
        conversation: ConversationId,
        reason: &'static str,
    ) -> Vec<Effect> {
        self.held.remove(&conversation);
        vec![
            Effect::Send(ServerFrame::Ended {
                conversation: conversation.to_string(),
                reason,
            }),
            Effect::Detach(conversation),
        ]
    }

    /// A routing input could not be published: the console may do it again.
    pub fn on_route_failed(&self, input: &RoutingInput) -> Vec<Effect> {
        use switchboard_contracts::v1::routing_input::Input;
        let error = ErrorFrame::new(
            "unavailable",
            "the service is temporarily unavailable; retry shortly",
        );
        send(match &input.input {
            Some(Input::Accept(accept)) => error.offer(accept.offer_id.clone()),
            Some(Input::Decline(decline)) => error.offer(decline.offer_id.clone()),
            _ => error,
        })
    }

    /// A command could not be published: the console may retry the same
    /// frame (same `client_id`), which the command's id makes safe.
    pub fn on_publish_failed(&self, command: &ConversationCommand) -> Vec<Effect> {
        use switchboard_contracts::v1::conversation_command::Command;
        let (what, client_id) = match &command.command {
            Some(Command::Post(post)) => ("the message could not be sent", post.client_id.clone()),
            _ => ("the conversation could not be ended", String::new()),
        };
        send(
            ErrorFrame::new(
                "unavailable",
                format!("{what}; retry shortly with the same frame"),
            )
            .conversation(&command.conversation)
            .client_id(client_id),
        )
    }

    /// Subscribing to a held conversation failed: it stays held (the agent
    /// can still write and end it), but live updates may be missing.
    pub fn on_attach_failed(&self, conversation: ConversationId) -> Vec<Effect> {
        send(
            ErrorFrame::new(
                "unavailable",
                "live updates of this conversation are unavailable; reload shortly",
            )
            .conversation(conversation),
        )
    }
}
