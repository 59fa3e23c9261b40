//! The customer socket's decisions: plain code that takes a client frame (or,
//! in [`super::session_events`], a bus event or a transcript page) and returns
//! the [`Effect`]s to perform, in order. The async shell in
//! [`super::socket`] performs them; nothing here does I/O, so every rule of
//! CONTRACT.md §3 is unit tested without a socket or a bus.

use std::collections::VecDeque;
use std::time::Instant;

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationCommand, ConversationState, Customer, Role, TypingEvent,
};

use super::client_frame::ClientFrame;
use super::context::WidgetContext;
use super::server_frame::{ServerFrame, WsError};
use crate::socket::intake::{ClientSession, Intake};

pub use crate::socket::Now;

/// What the shell must do, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(ServerFrame),
    /// Subscribe to the conversation's events and typing. Always comes
    /// before anything is published to the conversation, so no event of it
    /// can be missed.
    Attach(ConversationId),
    /// Drop the conversation's subscriptions.
    Detach,
    /// Also follow the attached conversation's queue position (core
    /// `sb.queue.{tenant}.{conversation}`), while it is queued. Repeating
    /// it while already following is harmless.
    WatchQueue(ConversationId),
    /// Stop following the queue position (the conversation left the queue).
    UnwatchQueue,
    /// Publish durably on the conversation's command subject, with the
    /// command id as `Nats-Msg-Id`; a failure goes to `on_publish_failed`.
    Publish(ConversationCommand),
    /// Publish on core NATS (never stored).
    Typing(TypingEvent),
    /// Read the transcript; the answer goes to `on_page`.
    Fetch(Fetch),
}

/// A transcript read and what its answer is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    pub conversation: ConversationId,
    pub after_seq: u64,
    pub purpose: FetchPurpose,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchPurpose {
    /// Reattaching after `hello {resume}`.
    Resume,
    /// Messages were skipped before `pending` arrived.
    Gap { pending: ChatMessage },
    /// The client asked with `transcript {}`.
    Transcript,
    /// Events may have been missed (see [`super::session_resync`]).
    Resync,
}

/// The open conversation this socket is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub id: ConversationId,
    pub state: ConversationState,
    /// Highest `seq` sent to the client: later events at or below it are
    /// duplicates, above `last_seq + 1` reveal a gap.
    pub last_seq: u64,
    /// A queue position that arrived before this socket saw the conversation
    /// enter the queue (the router and this socket hear of the handoff on
    /// different paths); shown as soon as it does.
    pub early_position: Option<u32>,
}

#[derive(Debug)]
pub struct CustomerSession {
    pub(super) ctx: WidgetContext,
    /// `None` until a `hello` is accepted.
    pub(super) customer: Option<Customer>,
    pub(super) conversation: Option<Attached>,
    intake: Intake,
    pub(super) own_commands: VecDeque<String>,
}

pub(super) fn send(frame: impl Into<ServerFrame>) -> Vec<Effect> {
    vec![Effect::Send(frame.into())]
}

impl ClientSession for CustomerSession {
    type Frame = ClientFrame;
    type Effect = Effect;

    fn intake(&mut self) -> &mut Intake {
        &mut self.intake
    }

    fn refuse(error: WsError) -> Effect {
        Effect::Send(error.into())
    }

    /// A well-formed client frame.
    fn on_client_frame(&mut self, frame: ClientFrame, now: Now) -> Vec<Effect> {
        match frame {
            ClientFrame::Hello { token, resume } => self.on_hello(token, resume, now),
            frame => match self.customer.clone() {
                Some(customer) => self.after_hello(&customer, frame, now),
                None => send(WsError::HelloRequired),
            },
        }
    }
}

impl CustomerSession {
    pub fn new(ctx: WidgetContext, frames_per_second: u32, now: Instant) -> Self {
        Self {
            ctx,
            customer: None,
            conversation: None,
            intake: Intake::new(frames_per_second, now),
            own_commands: VecDeque::new(),
        }
    }

    /// Replaces the configuration snapshot (an admin changed it).
    pub fn set_context(&mut self, ctx: WidgetContext) {
        self.ctx = ctx;
    }

    pub fn attached(&self) -> Option<&Attached> {
        self.conversation.as_ref()
    }

    fn after_hello(&mut self, customer: &Customer, frame: ClientFrame, now: Now) -> Vec<Effect> {
        match frame {
            ClientFrame::Hello { token, resume } => self.on_hello(token, resume, now),
            ClientFrame::Message { client_id, text } => {
                self.on_message(customer, client_id, text, now)
            }
            ClientFrame::Typing { on } => self.on_typing(customer, on),
            ClientFrame::RequestHuman => self.on_request_human(now),
            ClientFrame::SignIn { token } => self.on_sign_in(customer, &token, now),
            ClientFrame::End => self.on_end(customer, now),
            ClientFrame::Transcript => match &self.conversation {
                Some(attached) => vec![Effect::Fetch(Fetch {
                    conversation: attached.id,
                    after_seq: 0,
                    purpose: FetchPurpose::Transcript,
                })],
                None => send(ServerFrame::Transcript {
                    messages: Vec::new(),
                }),
            },
        }
    }

    pub(super) fn welcome(&self) -> ServerFrame {
        ServerFrame::Welcome {
            signed_in: self.customer.as_ref().is_some_and(|c| c.signed_in),
            support_mode: self.ctx.support_mode.wire_name(),
            sign_in_url: Some(self.ctx.sign_in_url.clone()).filter(|url| !url.is_empty()),
        }
    }

    /// `conversation {id, state, resume_token}` for the attached conversation.
    pub(super) fn conversation_frame(&self) -> Option<ServerFrame> {
        let attached = self.conversation.as_ref()?;
        let customer = self.customer.as_ref()?;
        Some(ServerFrame::Conversation {
            id: attached.id.to_string(),
            state: attached.state.wire_name(),
            resume_token: self.ctx.identity.sign_resume(crate::auth::ResumeSubject {
                tenant: &self.ctx.tenant.to_string(),
                experience: &self.ctx.experience.to_string(),
                conversation: &attached.id.to_string(),
                customer: &customer.key,
            }),
        })
    }
}

pub(super) fn customer_author(customer: &Customer) -> Author {
    Author {
        role: Role::Customer as i32,
        id: customer.key.clone(),
        name: customer.name.clone(),
    }
}
