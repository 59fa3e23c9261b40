//! The customer's commands: posting a message (opening a conversation when
//! none is attached), typing and ending (asking for a person is in
//! [`super::session_handoff`]). Every command published carries an id derived
//! from what it is (`post:{conversation}:{client_id}`, `end:{conversation}`),
//! so a retry is stored once.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{
    Access, Author, ConversationCommand, ConversationStart, ConversationState, Customer,
    EndConversation, EndReason, PostMessage, SupportMode, TypingEvent,
};

use super::client_frame::{ClientId, MessageText};
use super::server_frame::{ServerFrame, WsError};
use super::session::{Attached, CustomerSession, Effect, Now, customer_author, send};

/// How many of its own command ids a socket remembers, to recognise the
/// owner's rejections of them.
const REMEMBERED_COMMANDS: usize = 64;

impl CustomerSession {
    pub(super) fn on_message(
        &mut self,
        customer: &Customer,
        client_id: ClientId,
        text: MessageText,
        now: Now,
    ) -> Vec<Effect> {
        if self.ctx.access == Access::SignedIn && !customer.signed_in {
            return send(ServerFrame::SignInRequired {});
        }
        // SPEC §4: in `support_team` mode the first message already goes to
        // a person, and only signed-in customers reach one. Nothing is stored:
        // the widget sends the message again once the customer has signed in.
        if self.conversation.is_none()
            && self.ctx.support_mode == SupportMode::SupportTeam
            && !customer.signed_in
        {
            return send(ServerFrame::SignInRequired {});
        }
        let mut effects = Vec::new();
        let conversation = match &self.conversation {
            Some(attached) => attached.id,
            None => {
                let id = ConversationId::new();
                let state = self.ctx.initial_state();
                self.conversation = Some(Attached {
                    id,
                    state,
                    last_seq: 0,
                    early_position: None,
                });
                effects.push(Effect::Attach(id));
                if state == ConversationState::Queued {
                    // Before the post, so no position the router pushes is missed.
                    effects.push(Effect::WatchQueue(id));
                }
                effects.extend(self.conversation_frame().map(Effect::Send));
                id
            }
        };
        let author = customer_author(customer);
        let command = self.post(conversation, author, text.as_str(), client_id.as_str(), now);
        effects.push(Effect::Publish(command));
        effects
    }

    pub(super) fn on_typing(&self, customer: &Customer, on: bool) -> Vec<Effect> {
        // Typing before the first message has nobody to tell: ignored.
        let Some(attached) = &self.conversation else {
            return Vec::new();
        };
        vec![Effect::Typing(TypingEvent {
            tenant: self.ctx.tenant.to_string(),
            conversation: attached.id.to_string(),
            author: Some(customer_author(customer)),
            on,
        })]
    }

    pub(super) fn on_end(&mut self, customer: &Customer, now: Now) -> Vec<Effect> {
        let Some(attached) = &self.conversation else {
            return send(WsError::NotInConversation);
        };
        let conversation = attached.id;
        let command_id = format!("end:{conversation}");
        self.remember(command_id.clone());
        // The socket stays attached until the owner's StateChanged arrives:
        // that event, not this command, is what ends the conversation.
        vec![Effect::Publish(ConversationCommand {
            tenant: self.ctx.tenant.to_string(),
            conversation: conversation.to_string(),
            at_ms: now.epoch_ms,
            command_id,
            command: Some(Command::End(EndConversation {
                reason: EndReason::CustomerEnded as i32,
                by: Some(customer_author(customer)),
                ..Default::default()
            })),
        })]
    }

    /// A post command. `start` is always included: harmless when the
    /// conversation exists, and it lets a retried first post create it.
    pub(super) fn post(
        &mut self,
        conversation: ConversationId,
        author: Author,
        text: &str,
        client_id: &str,
        now: Now,
    ) -> ConversationCommand {
        let command_id = format!("post:{conversation}:{client_id}");
        self.remember(command_id.clone());
        ConversationCommand {
            tenant: self.ctx.tenant.to_string(),
            conversation: conversation.to_string(),
            at_ms: now.epoch_ms,
            command_id,
            command: Some(Command::Post(PostMessage {
                author: Some(author),
                text: text.to_owned(),
                client_id: client_id.to_owned(),
                start: Some(ConversationStart {
                    experience: self.ctx.experience.to_string(),
                    widget: self.ctx.widget.to_string(),
                    customer: self.customer.clone(),
                    initial_state: self.ctx.initial_state() as i32,
                    support_mode: self.ctx.support_mode as i32,
                    ai_agent: self
                        .ctx
                        .ai_agent
                        .as_ref()
                        .map(|a| a.id.clone())
                        .unwrap_or_default(),
                    routed_space: self.ctx.routed_space.clone(),
                }),
            })),
        }
    }

    pub(super) fn remember(&mut self, command_id: String) {
        if self.own_commands.len() == REMEMBERED_COMMANDS {
            self.own_commands.pop_front();
        }
        self.own_commands.push_back(command_id);
    }

    pub(super) fn is_own_command(&self, command_id: &str) -> bool {
        self.own_commands.iter().any(|c| c == command_id)
    }
}
