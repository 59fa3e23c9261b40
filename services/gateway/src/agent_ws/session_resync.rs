//! Reading a held conversation again when its events may have been missed:
//! the socket fell behind the gateway's fan-out, or the bus connection came
//! back (core messages published meanwhile are gone). The messages after
//! `last_seq` are sent in order; a conversation that ended meanwhile is
//! released as its `ended` event would have.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::ConversationState;

use super::server_frame::ServerFrame;
use super::session::{AgentSession, Effect, Fetch, FetchPurpose};
use super::session_pages::Read;
use crate::api::render::message_object;

impl AgentSession {
    /// Events of a held conversation may have been missed.
    pub fn on_resync(&self, conversation: ConversationId) -> Vec<Effect> {
        let Some(held) = self.held.get(&conversation) else {
            return Vec::new();
        };
        vec![Effect::Fetch(Fetch {
            conversation,
            after_seq: held.last_seq,
            purpose: FetchPurpose::Resync,
        })]
    }

    /// The page read for a resync. A failed read changes nothing: the next
    /// event's gap check reads again.
    pub(super) fn on_resync_page(
        &mut self,
        conversation: ConversationId,
        read: Option<Read>,
    ) -> Vec<Effect> {
        let (Some(read), Some(held)) = (read, self.held.get_mut(&conversation)) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        for message in &read.messages {
            if message.seq <= held.last_seq {
                continue;
            }
            held.last_seq = message.seq;
            effects.push(Effect::Send(ServerFrame::Message {
                message: message_object(message),
            }));
        }
        if read.info.state() == ConversationState::Ended {
            effects.extend(self.release(conversation, read.info.end_reason().wire_name()));
        }
        effects
    }
}
