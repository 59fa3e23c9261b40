//! Reading the attached conversation again when its events may have been
//! missed: the socket fell behind the gateway's fan-out, or the bus
//! connection came back (core messages published meanwhile are gone). The
//! messages after `last_seq` are sent in order, and a state the socket did
//! not hear of is applied as the state change it missed.

use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{ConversationEvent, StateChanged, TranscriptPage};

use super::session::{CustomerSession, Effect, Fetch, FetchPurpose};
use super::session_events::{message_frames, sorted};

impl CustomerSession {
    /// Events of the attached conversation may have been missed.
    pub fn on_resync(&mut self) -> Vec<Effect> {
        let Some(attached) = &self.conversation else {
            return Vec::new();
        };
        vec![Effect::Fetch(Fetch {
            conversation: attached.id,
            after_seq: attached.last_seq,
            purpose: FetchPurpose::Resync,
        })]
    }

    /// The page read for a resync. A failed read changes nothing: the next
    /// event's gap check reads again.
    pub(super) fn on_resync_page(&mut self, page: Option<TranscriptPage>) -> Vec<Effect> {
        let Some(page) = page.filter(|p| p.error.is_empty()) else {
            return Vec::new();
        };
        let Some(info) = page.info else {
            return Vec::new();
        };
        let tenant = self.ctx.tenant.to_string();
        let Some(attached) = self.conversation.as_mut() else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        for message in sorted(page.messages) {
            if message.seq <= attached.last_seq {
                continue;
            }
            attached.last_seq = message.seq;
            effects.extend(message_frames(&message, &info.assignee_name));
        }
        if info.state() != attached.state {
            let missed = ConversationEvent {
                tenant,
                conversation: attached.id.to_string(),
                at_ms: 0,
                event: Some(Event::State(StateChanged {
                    from: attached.state as i32,
                    to: info.state,
                    reason: info.end_reason,
                })),
                info: Some(info),
            };
            effects.extend(self.on_event(missed));
        }
        effects
    }
}
