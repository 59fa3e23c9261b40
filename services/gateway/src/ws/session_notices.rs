//! The live-chat notices a customer sees (SPEC §6): the frames that go with
//! notice messages, the queue position, the inactivity warning, and when to
//! follow the queue.
//!
//! Notices that belong in the thread are stored as system messages with
//! `ChatMessage.notice` set, so reloads and the agent see them too; the
//! socket sends the `message` frame and then the notice's own frame
//! (`fallback {text}`, `agent_joined {agent}`, `sign_in_required {}`), so a
//! widget can show a prompt without reading message texts.

use switchboard_contracts::v1::{ChatMessage, ConversationState, QueuePosition, Role};

use super::server_frame::{AgentName, ServerFrame};
use super::session::{CustomerSession, Effect, send};
use crate::api::render::rfc3339_ms;

/// `ChatMessage.notice` values.
pub const NOTICE_FALLBACK: &str = "fallback";
pub const NOTICE_AGENT_JOINED: &str = "agent_joined";
pub const NOTICE_SIGN_IN_REQUIRED: &str = "sign_in_required";

/// Shown when an agent joined without a display name.
use switchboard_contracts::texts::DEFAULT_AGENT_NAME as UNNAMED_AGENT;

/// The frame that follows a notice message's `message` frame, if any.
/// `assignee_name` is the conversation's agent as its latest info names them.
pub fn notice_frame(message: &ChatMessage, assignee_name: &str) -> Option<ServerFrame> {
    match message.notice.as_str() {
        NOTICE_FALLBACK => Some(ServerFrame::Fallback {
            text: message.text.clone(),
        }),
        NOTICE_AGENT_JOINED => {
            let author = message.author.as_ref();
            let name = if !assignee_name.is_empty() {
                assignee_name.to_owned()
            } else if let Some(agent) = author.filter(|a| a.role() == Role::Agent) {
                agent.name.clone()
            } else {
                UNNAMED_AGENT.to_owned()
            };
            Some(ServerFrame::AgentJoined {
                agent: AgentName { name },
            })
        }
        NOTICE_SIGN_IN_REQUIRED => Some(ServerFrame::SignInRequired {}),
        _ => None,
    }
}

/// What a state change means for the queue subscription: follow it on
/// entering `queued`, drop it on leaving.
pub fn queue_effect(
    conversation: switchboard_contracts::ids::ConversationId,
    from: ConversationState,
    to: ConversationState,
) -> Option<Effect> {
    match (from, to) {
        (_, ConversationState::Queued) => Some(Effect::WatchQueue(conversation)),
        (ConversationState::Queued, _) => Some(Effect::UnwatchQueue),
        _ => None,
    }
}

impl CustomerSession {
    /// A position from `sb.queue.{tenant}.{conversation}`: shown while the
    /// attached conversation is queued; a late one after it left is dropped.
    pub fn on_queue_position(&mut self, position: QueuePosition) -> Vec<Effect> {
        let tenant = self.ctx.tenant.to_string();
        let Some(attached) = &mut self.conversation else {
            return Vec::new();
        };
        if position.conversation != attached.id.to_string() || position.tenant != tenant {
            return Vec::new();
        }
        if attached.state != ConversationState::Queued {
            // Positions are only published while queued: this one is ahead
            // of the state change on its way to us.
            attached.early_position = Some(position.position);
            return Vec::new();
        }
        send(ServerFrame::Queued {
            position: position.position,
        })
    }

    /// `InactivityWarning`: the conversation ends at `ends_at_ms` unless
    /// someone writes.
    pub(super) fn on_inactivity_warning(&self, ends_at_ms: i64) -> Vec<Effect> {
        send(ServerFrame::Inactive {
            ends_at: rfc3339_ms(ends_at_ms),
        })
    }
}
