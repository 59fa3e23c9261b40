//! The agent session plugged into the socket kit's shell
//! ([`crate::socket::shell`]): what the agent socket listens to (the
//! agent's router events, then the held conversations' events and typing)
//! and how the agent's name and spaces are reloaded. How effects are
//! performed is in [`super::socket_effects`]. Leaving changes nothing at
//! once: the agent's availability belongs to the router, which sets it
//! unavailable only once no console of the agent has been connected for the
//! presence grace ([`crate::presence`]).

use std::fmt::Display;
use std::future::poll_fn;
use std::task::Poll;

use async_nats::Subscriber;
use axum::extract::ws::Message;
use futures::{Stream, StreamExt};
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::{AgentEvent, ConversationCommand, RoutingInput, agent_event};
use tracing::Span;

use super::revocation::{Revoked, Watch};
use super::session::{AgentSession, Effect};
use crate::presence::Lease;
use crate::socket::conversation::{ConversationFeed, FeedItem, receive};
use crate::socket::shell::{self, Closed, FollowUp, FrameSink, Meters, Outbox, Traced};
use crate::socket::unacked::Unacked;
use crate::state::AppState;

/// One held conversation's subscriptions.
pub(super) struct Watched {
    pub(super) id: ConversationId,
    pub(super) feed: ConversationFeed,
}

/// An agent socket's session and the I/O it holds.
pub struct AgentSocket {
    pub(super) state: AppState,
    pub(super) session: AgentSession,
    /// `sb.agent.{tenant}.{agent}`, once `hello` is accepted.
    pub(super) agent_events: Option<Subscriber>,
    pub(super) watched: Vec<Watched>,
    /// Where the next poll of `watched` starts, so a busy conversation
    /// cannot starve the others.
    cursor: usize,
    /// This console, counted toward its agent's presence once welcomed;
    /// dropped with the socket, which writes the leave.
    pub(super) presence: Option<Lease>,
    /// Fires when the sign-in stops holding, once `hello` is accepted.
    pub(super) revocation: Option<Watch>,
    /// The socket's own span (`agent_socket`), which learns the tenant and
    /// agent at `hello`; each input runs in a span of its own inside it.
    pub(super) span: Span,
    /// Commands and routing inputs sent whose acks are awaited beside the
    /// other inputs.
    pub(super) unacked: Unacked<Sent>,
}

/// What the agent socket sends without waiting for the ack, handed back
/// when the stream did not take it.
pub enum Sent {
    Command(ConversationCommand),
    Route(RoutingInput),
}

/// What arrived from the bus.
pub enum Delivery {
    /// The sign-in stopped holding: the socket closes.
    Revoked(Revoked),
    Agent(AgentEvent),
    Conversation(FeedItem),
    /// A message that could not be decoded (logged).
    Skipped,
    /// The agent's events ended: the bus connection is gone for good.
    AgentEnded,
    /// A conversation's subscriptions ended.
    ConversationEnded(ConversationId),
    /// A conversation's events may have been missed.
    Resync(ConversationId),
    /// The stream did not take what this socket sent.
    NotStored(Sent),
}

/// Runs one agent socket until the client leaves, stops answering, or the
/// server shuts down.
pub async fn run<S, R, E>(sink: S, stream: R, state: AppState)
where
    S: FrameSink,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    let meters = Meters::new(&state.counters, state.counters.sockets.with(["agent"]));
    let shutdown = state.shutdown.token();
    let session = AgentSession::new(state.settings.frames_per_second, std::time::Instant::now());
    let socket = AgentSocket {
        state,
        session,
        agent_events: None,
        watched: Vec::new(),
        cursor: 0,
        presence: None,
        revocation: None,
        span: Span::current(),
        unacked: Unacked::default(),
    };
    shell::run(sink, stream, socket, meters, shutdown).await;
}

impl shell::SocketSession for AgentSocket {
    type Effect = Effect;
    type Session = AgentSession;
    type Delivery = Delivery;

    fn session(&mut self) -> &mut AgentSession {
        &mut self.session
    }

    /// Picks up a change of the agent's name or spaces made while the
    /// socket is open.
    fn reload(&mut self) {
        let reloaded = self
            .session
            .identity()
            .and_then(|identity| identity.reload_cached(&self.state.config_cache));
        if let Some(identity) = reloaded {
            self.session.set_identity(identity);
        }
    }

    /// The next bus message for this socket; pending while there is nothing
    /// to listen to. A revoked sign-in goes first, then the agent's events;
    /// the conversations take turns.
    async fn next_delivery(&mut self) -> Traced<Delivery> {
        poll_fn(|cx| {
            if let Some(watch) = &mut self.revocation
                && let Poll::Ready(revoked) = watch.poll_revoked(cx)
            {
                return Poll::Ready(Traced::untraced(Delivery::Revoked(revoked)));
            }
            if let Poll::Ready(sent) = self.unacked.poll_failure(cx) {
                return Poll::Ready(Traced::untraced(Delivery::NotStored(sent)));
            }
            if let Some(events) = &mut self.agent_events
                && let Poll::Ready(message) = events.poll_next_unpin(cx)
            {
                return Poll::Ready(match message {
                    Some(message) => receive(&message, "agent event")
                        .map(|event| event.map_or(Delivery::Skipped, Delivery::Agent)),
                    None => Traced::untraced(Delivery::AgentEnded),
                });
            }
            let count = self.watched.len();
            for step in 0..count {
                let index = (self.cursor + step) % count;
                let conversation = &mut self.watched[index];
                if let Poll::Ready(item) = conversation.feed.poll_next(cx) {
                    self.cursor = index + 1;
                    return Poll::Ready(match item {
                        Some(Traced {
                            delivery: Some(FeedItem::Resync),
                            ..
                        }) => Traced::untraced(Delivery::Resync(conversation.id)),
                        Some(item) => {
                            item.map(|item| item.map_or(Delivery::Skipped, Delivery::Conversation))
                        }
                        None => Traced::untraced(Delivery::ConversationEnded(conversation.id)),
                    });
                }
            }
            Poll::Pending
        })
        .await
    }

    fn on_delivery(&mut self, delivery: Delivery) -> Result<Vec<Effect>, &'static str> {
        Ok(match delivery {
            // The console reconnects and is welcomed afresh.
            Delivery::AgentEnded => return Err("the connection to the bus was lost"),
            Delivery::Revoked(revoked) => {
                tracing::info!(reason = revoked.close_reason(), "agent console signed out");
                self.session.on_revoked(revoked)
            }
            Delivery::Agent(event) => self.session.on_agent_event(event),
            Delivery::ConversationEnded(id) => {
                tracing::warn!(conversation = %id, "a conversation's subscriptions ended");
                self.watched.retain(|w| w.id != id);
                Vec::new()
            }
            Delivery::Conversation(FeedItem::Typing(event)) => self.session.on_typing_event(event),
            Delivery::Conversation(FeedItem::Event(event)) => self.session.on_event(event),
            Delivery::Resync(id) => self.session.on_resync(id),
            // `next_delivery` names the conversation: `Resync(id)` above.
            Delivery::Conversation(FeedItem::Resync) => Vec::new(),
            Delivery::NotStored(sent) => self.answer_not_stored(&sent),
            Delivery::Skipped => Vec::new(),
        })
    }

    fn frame_span(&self) -> Span {
        tracing::info_span!(
            "frame",
            otel.name = "agent frame",
            otel.kind = "server",
            conversation = tracing::field::Empty,
        )
    }

    fn delivery_span(&self, delivery: &Delivery) -> Span {
        let (name, conversation) = match delivery {
            Delivery::Conversation(FeedItem::Event(event)) => (
                "deliver sb.evt.* (agent socket)",
                event.conversation.as_str(),
            ),
            Delivery::Conversation(FeedItem::Typing(event)) => (
                "deliver sb.typing.* (agent socket)",
                event.conversation.as_str(),
            ),
            Delivery::Agent(event) => {
                let conversation = match &event.event {
                    Some(agent_event::Event::Offer(offer)) => offer.conversation.as_str(),
                    Some(agent_event::Event::Assigned(assigned)) => assigned.conversation.as_str(),
                    _ => "",
                };
                ("deliver sb.agent.* (agent socket)", conversation)
            }
            Delivery::Conversation(FeedItem::Resync)
            | Delivery::Resync(_)
            | Delivery::Skipped
            | Delivery::AgentEnded
            | Delivery::ConversationEnded(_)
            | Delivery::NotStored(_)
            | Delivery::Revoked(_) => {
                return Span::none();
            }
        };
        let span = tracing::info_span!(
            "deliver",
            otel.name = name,
            otel.kind = "consumer",
            conversation = tracing::field::Empty,
        );
        if !conversation.is_empty() {
            span.record("conversation", conversation);
        }
        span
    }

    async fn perform<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effect: Effect,
    ) -> Result<FollowUp<Effect>, Closed> {
        self.perform_effect(out, effect).await
    }
}
