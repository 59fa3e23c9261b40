//! The customer socket's decisions on what comes back: committed events of
//! the attached conversation, typing, transcript pages and failed I/O (the
//! live-chat notices among them are rendered by [`super::session_notices`]).
//!
//! Every message reaches the client exactly once and in `seq` order: a
//! message at or below `last_seq` is a duplicate (a redelivered event, or one
//! already in a resumed transcript) and is dropped; one beyond `last_seq + 1`
//! means events were missed, and the gap is read from the transcript first.

use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    ChatMessage, ConversationEvent, ConversationState, Role, TranscriptPage, TypingEvent,
};

use super::server_frame::{ServerFrame, WsError};
use super::session::{CustomerSession, Effect, Fetch, FetchPurpose, send};
use super::session_notices::{notice_frame, queue_effect};
use crate::api::render::message_object;

/// The owner's code for a post into an ended conversation.
const CONVERSATION_ENDED: &str = "conversation_ended";

impl CustomerSession {
    /// An event from `sb.evt.{tenant}.{conversation}`.
    pub fn on_event(&mut self, event: ConversationEvent) -> Vec<Effect> {
        let Some(attached) = &mut self.conversation else {
            return Vec::new();
        };
        if event.conversation != attached.id.to_string()
            || event.tenant != self.ctx.tenant.to_string()
        {
            return Vec::new();
        }
        let assignee_name = event
            .info
            .as_ref()
            .map(|info| info.assignee_name.clone())
            .unwrap_or_default();
        match event.event {
            Some(Event::Message(added)) => match added.message {
                Some(message) => self.on_message_added(message, &assignee_name),
                None => Vec::new(),
            },
            Some(Event::State(changed)) => {
                let known = std::mem::replace(&mut attached.state, changed.to());
                // What this socket knew counts too: an event it missed may
                // have taken the conversation into the queue.
                let from = match known {
                    ConversationState::Queued => known,
                    _ => changed.from(),
                };
                // Follow the queue before telling the client it is queued,
                // so no position pushed after that is missed.
                let mut effects: Vec<Effect> = match changed.to() {
                    ConversationState::Ended => Vec::new(),
                    to => queue_effect(attached.id, from, to).into_iter().collect(),
                };
                effects.extend(self.conversation_frame().map(Effect::Send));
                if changed.to() == ConversationState::Queued
                    && let Some(attached) = &mut self.conversation
                    && let Some(position) = attached.early_position.take()
                {
                    effects.push(Effect::Send(ServerFrame::Queued { position }));
                }
                if changed.to() == ConversationState::Ended {
                    effects.push(Effect::Send(ServerFrame::Ended {
                        reason: changed.reason().wire_name(),
                    }));
                    effects.extend(self.detach());
                }
                effects
            }
            Some(Event::Rejected(rejected)) if self.is_own_command(&rejected.command_id) => {
                let mut effects = send(WsError::Rejected {
                    code: rejected.code.clone(),
                    message: rejected.message,
                });
                if rejected.code == CONVERSATION_ENDED {
                    // We missed the end; the client's retry starts anew.
                    effects.extend(self.detach());
                }
                effects
            }
            Some(Event::Inactive(warning)) => self.on_inactivity_warning(warning.ends_at_ms),
            // The customer's new identity already reached this socket with
            // its own `sign_in`; other sockets learn it on their next hello.
            Some(Event::Rejected(_) | Event::Identified(_)) | None => Vec::new(),
        }
    }

    fn on_message_added(&mut self, message: ChatMessage, assignee_name: &str) -> Vec<Effect> {
        let Some(attached) = &mut self.conversation else {
            return Vec::new();
        };
        if message.seq <= attached.last_seq {
            return Vec::new();
        }
        if message.seq == attached.last_seq + 1 {
            attached.last_seq = message.seq;
            return message_frames(&message, assignee_name);
        }
        vec![Effect::Fetch(Fetch {
            conversation: attached.id,
            after_seq: attached.last_seq,
            purpose: FetchPurpose::Gap { pending: message },
        })]
    }

    /// A typing event from `sb.typing.{tenant}.{conversation}`: the other
    /// side's typing is shown; the customer's own (other tabs) is not.
    pub fn on_typing_event(&self, event: TypingEvent) -> Vec<Effect> {
        let Some(attached) = &self.conversation else {
            return Vec::new();
        };
        let Some(author) = event.author else {
            return Vec::new();
        };
        if event.conversation != attached.id.to_string() || author.role() == Role::Customer {
            return Vec::new();
        }
        send(ServerFrame::Typing {
            role: author.role().wire_name(),
            name: author.name,
            on: event.on,
        })
    }

    /// The answer to a [`Fetch`]: the page, or `None` when the read failed.
    pub fn on_page(&mut self, fetch: Fetch, page: Option<TranscriptPage>) -> Vec<Effect> {
        let attached_here = self
            .conversation
            .as_ref()
            .is_some_and(|a| a.id == fetch.conversation);
        match fetch.purpose {
            FetchPurpose::Transcript => match page {
                Some(page) => send(ServerFrame::Transcript {
                    messages: sorted(page.messages).iter().map(message_object).collect(),
                }),
                None => send(WsError::unavailable(
                    "the transcript could not be read; retry shortly",
                )),
            },
            FetchPurpose::Resume if !attached_here => Vec::new(),
            FetchPurpose::Resume => self.on_resume_page(page),
            FetchPurpose::Gap { .. } | FetchPurpose::Resync if !attached_here => Vec::new(),
            FetchPurpose::Resync => self.on_resync_page(page),
            FetchPurpose::Gap { pending } => {
                // If the read failed, show what we have rather than stall the
                // conversation; `transcript {}` still recovers the gap.
                let assignee_name = page
                    .as_ref()
                    .and_then(|p| p.info.as_ref())
                    .map(|info| info.assignee_name.clone())
                    .unwrap_or_default();
                let mut messages = page.map(|p| sorted(p.messages)).unwrap_or_default();
                if messages.last().is_none_or(|m| m.seq < pending.seq) {
                    messages.push(pending);
                }
                let attached = self.conversation.as_mut().expect("checked attached above");
                let mut effects = Vec::new();
                for message in &messages {
                    if message.seq <= attached.last_seq {
                        continue;
                    }
                    attached.last_seq = message.seq;
                    effects.extend(message_frames(message, &assignee_name));
                }
                effects
            }
        }
    }

    fn on_resume_page(&mut self, page: Option<TranscriptPage>) -> Vec<Effect> {
        let Some(page) = page else {
            let mut effects = self.detach();
            effects.extend(send(WsError::unavailable(
                "the conversation could not be resumed right now; the next message starts a new conversation",
            )));
            return effects;
        };
        let open = page
            .info
            .as_ref()
            .filter(|info| page.error.is_empty() && info.tenant == self.ctx.tenant.to_string());
        let experience = self.ctx.experience.to_string();
        let why = match open {
            None => Some("the conversation was not found"),
            // Tokens issued before they named the experience are checked here.
            Some(info) if info.experience != experience => {
                Some(super::session_identity::ANOTHER_EXPERIENCE)
            }
            Some(info) if info.state() == ConversationState::Ended => {
                Some("the conversation has ended")
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            let mut effects = self.detach();
            effects.extend(send(WsError::ResumeInvalid(why.into())));
            return effects;
        }
        let messages = sorted(page.messages);
        let attached = self
            .conversation
            .as_mut()
            .expect("resume pages arrive attached");
        attached.state = open.map(|info| info.state()).unwrap_or(attached.state);
        let (attached_id, state) = (attached.id, attached.state);
        let handoff_pending = open.is_some_and(|info| info.handoff_pending);
        attached.last_seq = messages
            .last()
            .map(|m| m.seq)
            .or_else(|| open.map(|info| info.last_seq))
            .unwrap_or(0);
        let mut effects: Vec<Effect> = self
            .conversation_frame()
            .map(Effect::Send)
            .into_iter()
            .collect();
        effects.push(Effect::Send(ServerFrame::Transcript {
            messages: messages.iter().map(message_object).collect(),
        }));
        // The transcript holds the notices already; what still needs the
        // customer is the queue to follow, or a handoff waiting for them to
        // sign in (a reload between the prompt and signing in).
        let id = attached_id;
        if state == ConversationState::Queued {
            effects.push(Effect::WatchQueue(id));
        }
        let anonymous = self.customer.as_ref().is_some_and(|c| !c.signed_in);
        if handoff_pending && anonymous {
            effects.push(Effect::Send(ServerFrame::SignInRequired {}));
        }
        effects
    }

    /// A publish failed: the client may retry the same frame (same
    /// `client_id`), which the command's dedupe id makes safe.
    pub fn on_publish_failed(&self, command_id: &str) -> Vec<Effect> {
        let what = match command_id.split(':').next() {
            Some("end") => "the conversation could not be ended",
            Some("handoff") => "the request for a person could not be sent",
            Some("identify") => "signing in could not be recorded on the conversation",
            _ => "the message could not be sent",
        };
        send(WsError::unavailable(format!(
            "{what}; retry shortly with the same frame"
        )))
    }

    /// Subscribing failed: nothing was published; forget the conversation.
    pub fn on_attach_failed(&mut self) -> Vec<Effect> {
        self.conversation = None;
        send(WsError::unavailable(
            "the service is temporarily unavailable; retry shortly",
        ))
    }

    fn detach(&mut self) -> Vec<Effect> {
        self.conversation = None;
        vec![Effect::Detach]
    }
}

/// A message's frame and, for a notice, the notice's own frame after it.
pub(super) fn message_frames(message: &ChatMessage, assignee_name: &str) -> Vec<Effect> {
    let mut effects = vec![Effect::Send(ServerFrame::Message {
        message: message_object(message),
    })];
    effects.extend(notice_frame(message, assignee_name).map(Effect::Send));
    effects
}

pub(super) fn sorted(mut messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
    messages.sort_by_key(|m| m.seq);
    messages
}
