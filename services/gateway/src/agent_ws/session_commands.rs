//! What the agent does. Availability, accept and decline go to the router
//! as `RoutingInput`s, each with a fresh `input_id` (its `Nats-Msg-Id`); the
//! router answers on the agent's event subject (`status`, `assigned`, a
//! refusal), so nothing is shown here until it has decided. Messages,
//! typing, end and transcript reads are only for conversations this agent
//! holds; commands carry ids derived from what they are
//! (`post:{conversation}:{client_id}`, `end:{conversation}`), so a retry is
//! stored once.

use switchboard_contracts::ids::{ConversationId, SpaceId};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    Author, Availability, ConversationCommand, EndConversation, EndReason, PostMessage, Role,
    RouteAccept, RouteDecline, RouteSetStatus, RoutingInput, TypingEvent,
};

use super::client_frame::{ClientId, MessageText, OfferRef};
use super::identity::AgentIdentity;
use super::server_frame::ErrorFrame;
use super::session::{AgentSession, Effect, Fetch, FetchPurpose, Now, send};
use crate::error::ApiError;
use crate::socket::error::WsError;

/// How many of its own command ids a socket remembers, to recognise the
/// owner's rejections of them.
const REMEMBERED_COMMANDS: usize = 64;

impl AgentSession {
    pub(super) fn on_set_status(
        &mut self,
        identity: &AgentIdentity,
        status: Availability,
        space: Option<SpaceId>,
        now: Now,
    ) -> Vec<Effect> {
        if let Some(space) = space
            && !identity.is_member_of(space)
        {
            return send(WsError::Api(ApiError::Forbidden(
                "space: you are not a member of this space".into(),
            )));
        }
        let input = Input::SetStatus(RouteSetStatus {
            agent: identity.agent.to_string(),
            space: space.map(|s| s.to_string()).unwrap_or_default(),
            status: status as i32,
        });
        vec![Effect::Route(routing_input(identity, input, now))]
    }

    pub(super) fn on_accept(
        &mut self,
        identity: &AgentIdentity,
        offer_id: OfferRef,
        now: Now,
    ) -> Vec<Effect> {
        let input = Input::Accept(RouteAccept {
            offer_id: offer_id.as_str().to_owned(),
            agent: identity.agent.to_string(),
        });
        vec![Effect::Route(routing_input(identity, input, now))]
    }

    pub(super) fn on_decline(
        &mut self,
        identity: &AgentIdentity,
        offer_id: OfferRef,
        now: Now,
    ) -> Vec<Effect> {
        let input = Input::Decline(RouteDecline {
            offer_id: offer_id.as_str().to_owned(),
            agent: identity.agent.to_string(),
        });
        vec![Effect::Route(routing_input(identity, input, now))]
    }

    pub(super) fn on_message(
        &mut self,
        identity: &AgentIdentity,
        conversation: ConversationId,
        client_id: ClientId,
        text: MessageText,
        now: Now,
    ) -> Vec<Effect> {
        if !self.held.contains_key(&conversation) {
            return send(not_held(conversation).client_id(client_id.as_str()));
        }
        let command_id = format!("post:{conversation}:{}", client_id.as_str());
        self.remember(command_id.clone());
        // No `start`: an agent never opens a conversation.
        let command = Command::Post(PostMessage {
            author: Some(agent_author(identity)),
            text: text.as_str().to_owned(),
            client_id: client_id.as_str().to_owned(),
            start: None,
        });
        vec![Effect::Publish(conversation_command(
            identity,
            conversation,
            command_id,
            command,
            now,
        ))]
    }

    pub(super) fn on_typing(
        &self,
        identity: &AgentIdentity,
        conversation: ConversationId,
        on: bool,
    ) -> Vec<Effect> {
        if !self.held.contains_key(&conversation) {
            return send(not_held(conversation));
        }
        vec![Effect::Typing(TypingEvent {
            tenant: identity.tenant.to_string(),
            conversation: conversation.to_string(),
            author: Some(agent_author(identity)),
            on,
        })]
    }

    pub(super) fn on_end(
        &mut self,
        identity: &AgentIdentity,
        conversation: ConversationId,
        now: Now,
    ) -> Vec<Effect> {
        if !self.held.contains_key(&conversation) {
            return send(not_held(conversation));
        }
        let command_id = format!("end:{conversation}");
        self.remember(command_id.clone());
        // The conversation stays held until the owner's StateChanged
        // arrives: that event, not this command, is what ends it.
        let command = Command::End(EndConversation {
            reason: EndReason::AgentEnded as i32,
            by: Some(agent_author(identity)),
            ..Default::default()
        });
        vec![Effect::Publish(conversation_command(
            identity,
            conversation,
            command_id,
            command,
            now,
        ))]
    }

    /// Only the agent holding a conversation reads its transcript here.
    pub(super) fn on_transcript(&self, conversation: ConversationId) -> Vec<Effect> {
        if !self.held.contains_key(&conversation) {
            return send(not_held(conversation));
        }
        vec![Effect::Fetch(Fetch {
            conversation,
            after_seq: 0,
            purpose: FetchPurpose::Transcript,
        })]
    }

    fn remember(&mut self, command_id: String) {
        if self.own_commands.len() == REMEMBERED_COMMANDS {
            self.own_commands.pop_front();
        }
        self.own_commands.push_back(command_id);
    }

    pub(super) fn is_own_command(&self, command_id: &str) -> bool {
        self.own_commands.iter().any(|c| c == command_id)
    }
}

fn not_held(conversation: ConversationId) -> ErrorFrame {
    ErrorFrame::from(WsError::Api(ApiError::Forbidden(
        "conversation: this conversation is not assigned to you".into(),
    )))
    .conversation(conversation)
}

pub(super) fn agent_author(identity: &AgentIdentity) -> Author {
    Author {
        role: Role::Agent as i32,
        id: identity.agent.to_string(),
        name: identity.name.clone(),
    }
}

fn routing_input(identity: &AgentIdentity, input: Input, now: Now) -> RoutingInput {
    RoutingInput {
        tenant: identity.tenant.to_string(),
        input_id: uuid::Uuid::new_v4().to_string(),
        at_ms: now.epoch_ms,
        input: Some(input),
    }
}

fn conversation_command(
    identity: &AgentIdentity,
    conversation: ConversationId,
    command_id: String,
    command: Command,
    now: Now,
) -> ConversationCommand {
    ConversationCommand {
        tenant: identity.tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: now.epoch_ms,
        command_id,
        command: Some(command),
    }
}
