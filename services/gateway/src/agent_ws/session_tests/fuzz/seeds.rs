//! The bus messages and frames the agent session's fuzz test starts from:
//! valid for the run's agent, its offers and its held conversations, before
//! the wire changes them.

use serde_json::{Value, json};
use switchboard_contracts::ids::{ConversationId, OfferId};
use switchboard_contracts::v1::agent_event::Event as AgentEventKind;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    AcceptRefused, AgentEvent, AgentStatusChanged, AgentView, Assigned, Author, ChatMessage,
    CommandRejected, ConversationEvent, ConversationInfo, ConversationState, InactivityWarning,
    MessageAdded, Offer, OfferWithdrawn, Role, SpaceStatus, StateChanged, TranscriptPage,
};

use super::super::AgentIdentity;
use super::Run;
use crate::agent_ws::session::Fetch;

impl Run {
    pub(super) fn view(&mut self, live: u8, offers: u8) -> AgentView {
        AgentView {
            spaces: self
                .me
                .spaces
                .iter()
                .map(|s| SpaceStatus {
                    space: s.id.to_string(),
                    status: 1,
                    reason: "away".into(),
                })
                .collect(),
            offers: (0..offers).map(|_| self.new_offer()).collect(),
            live_conversations: (0..live)
                .map(|_| ConversationId::new().to_string())
                .collect(),
            error: String::new(),
        }
    }

    pub(super) fn new_offer(&mut self) -> Offer {
        let conversation = ConversationId::new();
        let offer_id = OfferId {
            conversation,
            number: 1,
        }
        .to_string();
        self.offers.push(offer_id.clone());
        Offer {
            offer_id,
            conversation: conversation.to_string(),
            space: self.me.spaces[0].id.to_string(),
            summary: "my order".into(),
            expires_at_ms: 1_700_000_030_000,
            ..Default::default()
        }
    }

    /// Seed `n` of the router's events for this agent.
    pub(super) fn agent_event(&mut self, n: u8, i: usize) -> AgentEvent {
        let event = match n {
            0 => AgentEventKind::Offer(self.new_offer()),
            1 => AgentEventKind::Withdrawn(OfferWithdrawn {
                offer_id: self.offer(i),
                reason: "timed_out".into(),
            }),
            2 => AgentEventKind::Assigned(Assigned {
                conversation: ConversationId::new().to_string(),
                ..Default::default()
            }),
            3 => AgentEventKind::Assigned(Assigned {
                conversation: self.held(i).to_string(),
                ..Default::default()
            }),
            4 => AgentEventKind::Refused(AcceptRefused {
                offer_id: self.offer(i),
                ..Default::default()
            }),
            _ => AgentEventKind::Status(AgentStatusChanged {
                space: self.me.spaces[i % 2].id.to_string(),
                status: 2,
                reason: "no answer".into(),
            }),
        };
        AgentEvent {
            tenant: self.me.tenant.to_string(),
            agent: self.me.agent.to_string(),
            event: Some(event),
        }
    }

    /// Seed `n` of the events of held conversation `i`.
    pub(super) fn event(&self, n: u8, i: usize) -> ConversationEvent {
        let conversation = self.held(i);
        let last_seq = self
            .session
            .held
            .get(&conversation)
            .map_or(0, |h| h.last_seq);
        let message = |seq: u64| {
            Event::Message(MessageAdded {
                message: Some(ChatMessage {
                    conversation: conversation.to_string(),
                    seq,
                    author: Some(author(Role::Customer as i32)),
                    text: "hello".into(),
                    ..Default::default()
                }),
            })
        };
        let event = match n {
            0 => message(last_seq.saturating_add(1)),
            1 => message(last_seq.saturating_add(4)),
            2 => message(u64::MAX),
            3 => Event::State(StateChanged {
                from: ConversationState::Live as i32,
                to: ConversationState::Ended as i32,
                reason: 2,
            }),
            4 => Event::Inactive(InactivityWarning {
                ends_at_ms: i64::MAX,
            }),
            5 | 6 => Event::Rejected(CommandRejected {
                command_id: self
                    .last_command
                    .as_ref()
                    .map(|c| c.command_id.clone())
                    .unwrap_or_default(),
                client_id: "c1".into(),
                code: if n == 5 {
                    "invalid"
                } else {
                    "conversation_ended"
                }
                .into(),
                message: "refused".into(),
            }),
            _ => Event::State(StateChanged {
                from: ConversationState::Queued as i32,
                to: ConversationState::Live as i32,
                reason: 0,
            }),
        };
        ConversationEvent {
            tenant: self.me.tenant.to_string(),
            conversation: conversation.to_string(),
            info: Some(ConversationInfo::default()),
            event: Some(event),
            ..Default::default()
        }
    }

    /// A page of `n` messages of the fetched conversation, in `state`.
    pub(super) fn page(&self, fetch: &Fetch, n: u64, state: i32) -> TranscriptPage {
        let conversation = fetch.conversation.to_string();
        TranscriptPage {
            info: Some(ConversationInfo {
                id: conversation.clone(),
                tenant: self.me.tenant.to_string(),
                state,
                assignee: self.me.agent.to_string(),
                last_seq: fetch.after_seq.saturating_add(n),
                ..Default::default()
            }),
            messages: (1..=n)
                .map(|i| ChatMessage {
                    conversation: conversation.clone(),
                    seq: fetch.after_seq.saturating_add(i),
                    text: format!("m{i}"),
                    ..Default::default()
                })
                .collect(),
            error: String::new(),
        }
    }
}

pub(super) fn author(role: i32) -> Author {
    Author {
        role,
        id: "someone".into(),
        name: "Ada".into(),
    }
}

/// Frame kind `n` about `conversation` or `offer`.
pub(super) fn held_frame(
    n: u8,
    conversation: &ConversationId,
    offer: &str,
    me: &AgentIdentity,
) -> Value {
    let c = conversation.to_string();
    match n {
        0 => json!({"type": "message", "conversation": c, "client_id": "c1", "text": "Hi"}),
        1 => json!({"type": "typing", "conversation": c, "on": true}),
        2 => json!({"type": "end", "conversation": c}),
        3 => json!({"type": "transcript", "conversation": c}),
        4 => json!({"type": "accept", "offer_id": offer}),
        5 => json!({"type": "decline", "offer_id": offer}),
        _ => json!({"type": "set_status", "status": "available", "space": me.spaces[0].id}),
    }
}
