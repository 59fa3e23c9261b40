//! The agent socket's decisions: plain code that takes a client frame (or,
//! in [`super::session_events`], a bus event or a transcript page) and
//! returns the [`Effect`]s to perform, in order. Nothing here does I/O, so
//! every rule of CONTRACT.md §3 for agents is unit tested without a socket.
//!
//! `hello` runs as a chain the shell completes before any other input:
//! resolve the token → listen to the agent's events → read the router's view
//! → attach to and read each live conversation → `welcome`, then the pending
//! offers, a `status` for each space where the router set the agent
//! unavailable (so a console that was away learns why), and the console
//! counts as connected (presence). Listening comes before the read, so
//! nothing that happens in between is missed; what the view already shows and then arrives again as
//! an event is harmless (the last event is the latest state), and messages
//! are deduplicated by `seq`.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::{
    AgentView, ChatMessage, ConversationCommand, Offer, RoutingInput, TypingEvent,
};

use super::client_frame::{AgentClientFrame, Token};
use super::identity::AgentIdentity;
use super::revocation::Revoked;
use super::server_frame::{AgentRef, ConversationView, ServerFrame, SpaceView};
use super::{availability_name, session_events};
use crate::api::render::rfc3339_ms;
use crate::error::ApiError;
use crate::socket::error::WsError;
use crate::socket::intake::{ClientSession, Intake};

pub use crate::socket::Now;

/// What the shell must do, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(ServerFrame),
    /// Resolve the token; the answer goes to `on_authenticated`.
    Authenticate(Token),
    /// Subscribe to the agent's events; a failure goes to `on_listen_failed`.
    Listen,
    /// Read the router's view of the agent; the answer (or `None` when the
    /// router did not answer) goes to `on_view`.
    QueryRouter,
    /// Subscribe to a conversation's events and typing. Always before its
    /// transcript is read, so nothing committed in between is missed.
    Attach(ConversationId),
    Detach(ConversationId),
    /// Read a transcript; the answer goes to `on_page`.
    Fetch(Fetch),
    /// Publish durably on `sb.route.{tenant}` with `input_id` as the
    /// `Nats-Msg-Id`; a failure goes to `on_route_failed`.
    Route(RoutingInput),
    /// Publish durably on the conversation's command subject with the
    /// command id as `Nats-Msg-Id`; a failure goes to `on_publish_failed`.
    Publish(ConversationCommand),
    /// Publish on core NATS (never stored).
    Typing(TypingEvent),
    /// The console is welcomed: count it toward the agent's presence and
    /// tell the router a console of the agent connected (once per socket).
    Arrive,
    /// Close the socket for good (1008) with this reason: its sign-in was
    /// revoked.
    SignOut(&'static str),
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
    /// One of the live conversations listed in `welcome`.
    Welcome,
    /// The router assigned the conversation to this agent.
    Assigned,
    /// Messages were skipped before `pending` arrived.
    Gap { pending: ChatMessage },
    /// The console asked with `transcript {conversation}`.
    Transcript,
    /// Events may have been missed (see [`super::session_resync`]).
    Resync,
}

/// A conversation this agent holds (live, assigned to it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Held {
    /// Highest `seq` sent to the client.
    pub last_seq: u64,
}

/// The welcome being put together while its transcripts are read.
#[derive(Debug)]
pub(super) struct PendingWelcome {
    pub(super) spaces: Vec<SpaceView>,
    pub(super) offers: Vec<Offer>,
    pub(super) waiting: usize,
    pub(super) conversations: Vec<ConversationView>,
}

#[derive(Debug)]
pub struct AgentSession {
    /// `None` until a `hello` is accepted.
    pub(super) identity: Option<AgentIdentity>,
    pub(super) welcome: Option<PendingWelcome>,
    pub(super) held: BTreeMap<ConversationId, Held>,
    intake: Intake,
    pub(super) own_commands: VecDeque<String>,
}

pub(super) fn send(frame: impl Into<ServerFrame>) -> Vec<Effect> {
    vec![Effect::Send(frame.into())]
}

impl ClientSession for AgentSession {
    type Frame = AgentClientFrame;
    type Effect = Effect;

    fn intake(&mut self) -> &mut Intake {
        &mut self.intake
    }

    fn refuse(error: WsError) -> Effect {
        Effect::Send(error.into())
    }

    /// A well-formed client frame.
    fn on_client_frame(&mut self, frame: AgentClientFrame, now: Now) -> Vec<Effect> {
        let AgentClientFrame::Hello { token } = frame else {
            return match self.identity.clone() {
                Some(identity) => self.after_hello(&identity, frame, now),
                None => send(WsError::HelloRequired),
            };
        };
        if self.identity.is_some() {
            return send(WsError::invalid(
                "type: hello was already accepted on this socket",
            ));
        }
        match token {
            Some(token) => vec![Effect::Authenticate(token)],
            None => send(WsError::unauthorized("token: is required")),
        }
    }
}

impl AgentSession {
    pub fn new(frames_per_second: u32, now: Instant) -> Self {
        Self {
            identity: None,
            welcome: None,
            held: BTreeMap::new(),
            intake: Intake::new(frames_per_second, now),
            own_commands: VecDeque::new(),
        }
    }

    pub fn identity(&self) -> Option<&AgentIdentity> {
        self.identity.as_ref()
    }

    /// Replaces the agent's name and spaces (an admin changed them).
    pub fn set_identity(&mut self, identity: AgentIdentity) {
        if self.identity.is_some() {
            self.identity = Some(identity);
        }
    }

    /// The conversations this socket holds.
    pub fn held(&self) -> impl Iterator<Item = &ConversationId> {
        self.held.keys()
    }

    /// The token resolved (or not). A refused `hello` leaves the socket
    /// waiting for a valid one.
    pub fn on_authenticated(&mut self, identity: Result<AgentIdentity, ApiError>) -> Vec<Effect> {
        match identity {
            Ok(identity) => {
                self.identity = Some(identity);
                vec![Effect::Listen, Effect::QueryRouter]
            }
            Err(error) => send(WsError::Api(error)),
        }
    }

    /// The console's sign-in stopped holding (token revoked, agent deleted
    /// or deactivated): say why, then close.
    pub fn on_revoked(&mut self, revoked: Revoked) -> Vec<Effect> {
        vec![
            Effect::Send(WsError::Api(revoked.error()).into()),
            Effect::SignOut(revoked.close_reason()),
        ]
    }

    /// Subscribing to the agent's events failed: nothing was shown yet, so
    /// the console may simply say `hello` again.
    pub fn on_listen_failed(&mut self) -> Vec<Effect> {
        self.identity = None;
        send(WsError::unavailable(
            "the service is temporarily unavailable; send hello again shortly",
        ))
    }

    /// The router's view of the agent; `None` when the router did not
    /// answer, in which case every space shows `unavailable` (where a new
    /// agent starts) and later events correct it.
    pub fn on_view(&mut self, view: Option<AgentView>, epoch_ms: i64) -> Vec<Effect> {
        let Some(identity) = &self.identity else {
            return Vec::new();
        };
        let view = view.unwrap_or_default();
        let spaces = identity
            .spaces
            .iter()
            .map(|space| {
                let id = space.id.to_string();
                let shown = view.spaces.iter().find(|s| s.space == id);
                SpaceView {
                    id,
                    name: space.name.clone(),
                    status: availability_name(shown.map(|s| s.status()).unwrap_or_default()),
                    reason: shown.map(|s| s.reason.clone()).filter(|r| !r.is_empty()),
                }
            })
            .collect();
        let live: Vec<ConversationId> = view
            .live_conversations
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect();
        self.welcome = Some(PendingWelcome {
            spaces,
            offers: view.offers,
            waiting: live.len(),
            conversations: Vec::new(),
        });
        if live.is_empty() {
            return self.finish_welcome(epoch_ms);
        }
        let mut effects = Vec::new();
        for conversation in live {
            self.held.insert(conversation, Held::default());
            effects.push(Effect::Attach(conversation));
            effects.push(Effect::Fetch(Fetch {
                conversation,
                after_seq: 0,
                purpose: FetchPurpose::Welcome,
            }));
        }
        effects
    }

    /// Sends `welcome` and then the pending offers, once every live
    /// conversation's transcript has been read.
    pub(super) fn finish_welcome(&mut self, epoch_ms: i64) -> Vec<Effect> {
        let (Some(identity), Some(welcome)) = (&self.identity, self.welcome.take()) else {
            return Vec::new();
        };
        // What the router set while the console was away, as it would
        // have been told had it been there.
        let explained: Vec<ServerFrame> = welcome
            .spaces
            .iter()
            .filter_map(|space| {
                Some(ServerFrame::Status {
                    space: space.id.clone(),
                    status: space.status,
                    reason: Some(space.reason.clone()?),
                })
            })
            .collect();
        let mut effects = vec![Effect::Send(ServerFrame::Welcome {
            tenant: identity.tenant.to_string(),
            agent: AgentRef {
                id: identity.agent.to_string(),
                name: identity.name.clone(),
            },
            spaces: welcome.spaces,
            conversations: welcome.conversations,
            server_time: rfc3339_ms(epoch_ms),
        })];
        effects.extend(explained.into_iter().map(Effect::Send));
        for offer in welcome.offers {
            effects.push(Effect::Send(session_events::offer_frame(identity, offer)));
        }
        effects.push(Effect::Arrive);
        effects
    }

    fn after_hello(
        &mut self,
        identity: &AgentIdentity,
        frame: AgentClientFrame,
        now: Now,
    ) -> Vec<Effect> {
        match frame {
            AgentClientFrame::Hello { .. } => Vec::new(),
            AgentClientFrame::SetStatus { status, space } => {
                self.on_set_status(identity, status, space, now)
            }
            AgentClientFrame::Accept { offer_id } => self.on_accept(identity, offer_id, now),
            AgentClientFrame::Decline { offer_id } => self.on_decline(identity, offer_id, now),
            AgentClientFrame::Message {
                conversation,
                client_id,
                text,
            } => self.on_message(identity, conversation, client_id, text, now),
            AgentClientFrame::Typing { conversation, on } => {
                self.on_typing(identity, conversation, on)
            }
            AgentClientFrame::End { conversation } => self.on_end(identity, conversation, now),
            AgentClientFrame::Transcript { conversation } => self.on_transcript(conversation),
        }
    }
}
