//! `request_human {}`: the customer asks for a person (SPEC §3, §4).
//!
//! | situation | answer |
//! |---|---|
//! | no conversation yet | `error not_in_conversation` ("send a message first"): there is nothing to hand over, and opening a thread without the customer's words would make one up |
//! | `ai_agent` mode | the AI agent's "next steps" message, posted as the AI; nothing is routed |
//! | already `queued` or `live` (always so in `support_team`) | `error invalid`: the conversation is already with the team; nothing changes |
//! | `standard` edition | `fallback {text}`; nothing changes (SPEC §2) |
//! | otherwise | `ConversationCommand{handoff}`; the owner applies the sign-in rule (an anonymous customer gets a stored `sign_in_required` notice) |

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    Author, ConversationCommand, ConversationState, RequestHandoff, Role, SupportMode,
};

use super::context::DEFAULT_NEXT_STEPS;
use super::server_frame::{ServerFrame, WsError};
use super::session::{CustomerSession, Effect, Now, send};

/// The handoff reason recorded when the customer asked.
pub const CUSTOMER_REQUEST: &str = "customer_request";

impl CustomerSession {
    pub(super) fn on_request_human(&mut self, now: Now) -> Vec<Effect> {
        let Some(attached) = &self.conversation else {
            return send(WsError::FirstMessageNeeded);
        };
        let (conversation, state) = (attached.id, attached.state);
        if self.ctx.support_mode == SupportMode::AiAgent {
            return self.next_steps(conversation, now);
        }
        if matches!(state, ConversationState::Queued | ConversationState::Live) {
            return send(WsError::invalid(
                "type: request_human: this conversation is already with the support team",
            ));
        }
        if !self.ctx.edition_allows_live_chat() {
            // SPEC §2: a downgraded tenant's customers get the fallback message.
            return send(ServerFrame::Fallback {
                text: self.ctx.fallback_text(),
            });
        }
        let command_id = format!("handoff:{conversation}:{}", uuid::Uuid::new_v4());
        self.remember(command_id.clone());
        vec![Effect::Publish(ConversationCommand {
            tenant: self.ctx.tenant.to_string(),
            conversation: conversation.to_string(),
            at_ms: now.epoch_ms,
            command_id,
            command: Some(Command::Handoff(RequestHandoff {
                reason: CUSTOMER_REQUEST.to_owned(),
                summary: String::new(),
                requested_by: Role::Customer as i32,
            })),
        })]
    }

    /// SPEC §3: in `ai_agent` mode nothing is routed; the AI agent answers
    /// with its configured next steps.
    fn next_steps(&mut self, conversation: ConversationId, now: Now) -> Vec<Effect> {
        let (author, text) = match &self.ctx.ai_agent {
            Some(agent) => (
                Author {
                    role: Role::Ai as i32,
                    id: agent.id.clone(),
                    name: agent.name.clone(),
                },
                agent.next_steps.clone(),
            ),
            None => (
                Author {
                    role: Role::Ai as i32,
                    id: String::new(),
                    name: "Assistant".into(),
                },
                String::new(),
            ),
        };
        let text = if text.trim().is_empty() {
            DEFAULT_NEXT_STEPS.to_owned()
        } else {
            text
        };
        let client_id = format!("next-steps:{}", uuid::Uuid::new_v4());
        vec![Effect::Publish(self.post(
            conversation,
            author,
            &text,
            &client_id,
            now,
        ))]
    }
}
