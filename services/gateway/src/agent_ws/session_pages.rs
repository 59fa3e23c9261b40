//! The agent socket's decisions on transcript pages: the live conversations
//! of `welcome`, the transcript of `assigned` (the whole thread, the AI part
//! included), gap fills and `transcript` answers.
//!
//! A page also tells whether the conversation is still this agent's: one
//! that ended before the socket attached never sends another event, so a
//! page saying `ended` is the only news of it.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{ChatMessage, ConversationInfo, ConversationState, TranscriptPage};

use super::server_frame::{ConversationView, CustomerView, ErrorFrame, ServerFrame};
use super::session::{AgentSession, Effect, Fetch, FetchPurpose, send};
use crate::api::render::message_object;

/// A page that answers: the conversation exists for this tenant.
pub(super) struct Read {
    pub(super) info: ConversationInfo,
    pub(super) messages: Vec<ChatMessage>,
}

impl AgentSession {
    /// The answer to a [`Fetch`]: the page, or `None` when the read failed.
    pub fn on_page(
        &mut self,
        fetch: Fetch,
        page: Option<TranscriptPage>,
        epoch_ms: i64,
    ) -> Vec<Effect> {
        let conversation = fetch.conversation;
        let read = self.check(page);
        match fetch.purpose {
            FetchPurpose::Welcome => self.on_welcome_page(conversation, read, epoch_ms),
            FetchPurpose::Assigned => self.on_assigned_page(conversation, read),
            FetchPurpose::Gap { pending } => self.on_gap_page(conversation, read, pending),
            FetchPurpose::Resync => self.on_resync_page(conversation, read),
            FetchPurpose::Transcript => match read {
                Some(read) => send(ServerFrame::Transcript {
                    conversation: conversation.to_string(),
                    messages: read.messages.iter().map(message_object).collect(),
                }),
                None => send(
                    ErrorFrame::new(
                        "unavailable",
                        "the transcript could not be read; retry shortly",
                    )
                    .conversation(conversation),
                ),
            },
        }
    }

    /// `None` for a failed read, another tenant's or an unknown conversation.
    fn check(&self, page: Option<TranscriptPage>) -> Option<Read> {
        let identity = self.identity.as_ref()?;
        let page = page.filter(|p| p.error.is_empty())?;
        let info = page
            .info
            .filter(|i| i.tenant == identity.tenant.to_string())?;
        let mut messages = page.messages;
        messages.sort_by_key(|m| m.seq);
        Some(Read { info, messages })
    }

    /// True when the page shows the conversation is no longer this agent's.
    fn gone(&self, read: &Read) -> bool {
        let mine = self.identity.as_ref().is_some_and(|i| {
            read.info.assignee.is_empty() || read.info.assignee == i.agent.to_string()
        });
        read.info.state() == ConversationState::Ended || !mine
    }

    fn note_seq(&mut self, conversation: ConversationId, read: &Read) {
        if let Some(held) = self.held.get_mut(&conversation) {
            let last = read.messages.last().map_or(read.info.last_seq, |m| m.seq);
            held.last_seq = held.last_seq.max(last);
        }
    }

    fn on_welcome_page(
        &mut self,
        conversation: ConversationId,
        read: Option<Read>,
        epoch_ms: i64,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let view = match read {
            Some(read) if self.gone(&read) => {
                self.held.remove(&conversation);
                effects.push(Effect::Detach(conversation));
                None
            }
            Some(read) => {
                self.note_seq(conversation, &read);
                Some(ConversationView {
                    id: conversation.to_string(),
                    state: read.info.state().wire_name(),
                    customer: customer_view(&read.info),
                    transcript: Some(read.messages.iter().map(message_object).collect()),
                })
            }
            // Listed without its transcript: the console asks for it.
            None => Some(ConversationView {
                id: conversation.to_string(),
                state: ConversationState::Live.wire_name(),
                customer: CustomerView {
                    name: String::new(),
                    email: String::new(),
                },
                transcript: None,
            }),
        };
        let Some(welcome) = self.welcome.as_mut() else {
            return effects;
        };
        welcome.conversations.extend(view);
        welcome.waiting = welcome.waiting.saturating_sub(1);
        if welcome.waiting == 0 {
            effects.extend(self.finish_welcome(epoch_ms));
        }
        effects
    }

    fn on_assigned_page(
        &mut self,
        conversation: ConversationId,
        read: Option<Read>,
    ) -> Vec<Effect> {
        if !self.held.contains_key(&conversation) {
            return Vec::new();
        }
        let Some(read) = read else {
            return send(ServerFrame::Assigned {
                conversation: conversation.to_string(),
                transcript: None,
                customer: None,
            });
        };
        self.note_seq(conversation, &read);
        let mut effects = send(ServerFrame::Assigned {
            conversation: conversation.to_string(),
            transcript: Some(read.messages.iter().map(message_object).collect()),
            customer: Some(customer_view(&read.info)),
        });
        if read.info.state() == ConversationState::Ended {
            effects.extend(self.release(conversation, read.info.end_reason().wire_name()));
        }
        effects
    }

    fn on_gap_page(
        &mut self,
        conversation: ConversationId,
        read: Option<Read>,
        pending: ChatMessage,
    ) -> Vec<Effect> {
        let Some(held) = self.held.get_mut(&conversation) else {
            return Vec::new();
        };
        // If the read failed, show what we have rather than stall the
        // conversation; `transcript` still recovers the gap.
        let mut messages = read.map(|r| r.messages).unwrap_or_default();
        if messages.last().is_none_or(|m| m.seq < pending.seq) {
            messages.push(pending);
        }
        let mut effects = Vec::new();
        for message in &messages {
            if message.seq <= held.last_seq {
                continue;
            }
            held.last_seq = message.seq;
            effects.push(Effect::Send(ServerFrame::Message {
                message: message_object(message),
            }));
        }
        effects
    }
}

fn customer_view(info: &ConversationInfo) -> CustomerView {
    let customer = info.customer.clone().unwrap_or_default();
    CustomerView {
        name: customer.name,
        email: customer.email,
    }
}
