//! One conversation as the test tells it: messages kept in the fake
//! transcript, and state changes published to `SB_EVENTS` exactly as the
//! transcript service publishes them (a `ConversationEvent` carrying the
//! conversation as it stands after the change).

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationEvent, ConversationInfo, ConversationState, Customer,
    EndReason, Role, StateChanged, SupportMode,
};

use super::Harness;

pub struct Chat {
    pub tenant: TenantId,
    pub conversation: ConversationId,
    pub space: SpaceId,
    pub info: ConversationInfo,
    pub messages: Vec<ChatMessage>,
}

impl Chat {
    /// A signed-in customer's conversation routed to a fresh space.
    pub fn new(tenant: TenantId, mode: SupportMode) -> Self {
        let (conversation, space) = (ConversationId::new(), SpaceId::new());
        let info = ConversationInfo {
            id: conversation.to_string(),
            tenant: tenant.to_string(),
            customer: Some(Customer {
                key: "user:ada".into(),
                name: "Ada".into(),
                email: "ada@example.com".into(),
                signed_in: true,
            }),
            support_mode: mode as i32,
            routed_space: space.to_string(),
            ..Default::default()
        };
        Self {
            tenant,
            conversation,
            space,
            info,
            messages: Vec::new(),
        }
    }

    /// Adds a message to the thread (the fake transcript sees it at the next
    /// state change).
    pub fn say(&mut self, role: Role, name: &str, text: &str) -> &mut Self {
        let seq = self.messages.len() as u64 + 1;
        self.messages.push(ChatMessage {
            id: format!("{}-{seq}", self.conversation),
            tenant: self.tenant.to_string(),
            conversation: self.conversation.to_string(),
            seq,
            author: Some(Author {
                role: role as i32,
                id: format!("{name}-id"),
                name: name.to_owned(),
            }),
            text: text.to_owned(),
            at_ms: 1_764_064_800_000 + seq as i64 * 1000,
            ..Default::default()
        });
        self
    }

    /// Publishes `from → to` under the dedupe id `msg_id`, after putting the
    /// thread in the fake transcript.
    pub async fn change(
        &mut self,
        harness: &Harness,
        from: ConversationState,
        to: ConversationState,
        msg_id: &str,
    ) {
        self.info.state = to as i32;
        self.info.last_seq = self.messages.last().map_or(0, |m| m.seq);
        harness.threads.set(&self.info, self.messages.clone());
        let event = ConversationEvent {
            tenant: self.tenant.to_string(),
            conversation: self.conversation.to_string(),
            at_ms: 1_764_064_900_000,
            info: Some(self.info.clone()),
            event: Some(Event::State(StateChanged {
                from: from as i32,
                to: to as i32,
                reason: self.info.end_reason,
            })),
        };
        harness
            .bus
            .publish_durable(
                subjects::event(self.tenant, self.conversation, EventKind::State),
                &format!("{msg_id}:{}", self.conversation),
                &event,
            )
            .await
            .expect("event stored");
    }

    /// The AI hands the conversation to the team.
    pub async fn hand_off(&mut self, harness: &Harness, summary: &str, reason: &str, id: &str) {
        self.info.summary = summary.to_owned();
        self.info.handoff_reason = reason.to_owned();
        use ConversationState::*;
        self.change(harness, Ai, Queued, id).await;
    }

    /// An agent accepts.
    pub async fn accept(&mut self, harness: &Harness, agent: AgentId, name: &str) {
        self.info.assignee = agent.to_string();
        self.info.assignee_name = name.to_owned();
        use ConversationState::*;
        self.change(harness, Queued, Live, "live").await;
    }

    /// The conversation ends from `from`.
    pub async fn end(&mut self, harness: &Harness, from: ConversationState, reason: EndReason) {
        self.info.end_reason = reason as i32;
        self.change(harness, from, ConversationState::Ended, "end")
            .await;
    }
}
