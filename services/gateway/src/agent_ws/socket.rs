//! The async shell of an agent socket: reads frames, the agent's router
//! events, the held conversations' events and typing, the keepalive tick and
//! the shutdown signal, hands them to the [`AgentSession`] and performs the
//! effects it returns, one input at a time. Processing strictly in turn is
//! what lets the session assume that a transcript page arrives before any
//! later event of its conversation.
//!
//! Generic over `Sink`/`Stream` (the axum `testing-websockets` pattern).
//! Leaving changes nothing: the agent's availability belongs to the router.

use std::fmt::Display;
use std::future::poll_fn;
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::Subscriber;
use axum::extract::ws::{CloseFrame, Message};
use futures::stream::Select;
use futures::{Sink, SinkExt, Stream, StreamExt};
use prost::Message as _;
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::{AgentEvent, ConversationEvent, TypingEvent};
use tokio::time::Instant;

use super::server_frame::ServerFrame;
use super::session::{AgentSession, Now};
use crate::state::AppState;

/// How often the server pings an idle client.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A client silent for this long (no frame, no pong) is gone.
const SILENT_LIMIT: Duration = Duration::from_secs(75);
/// How often a socket picks up changes to the agent's name and spaces.
const RELOAD_EVERY: Duration = Duration::from_secs(5);
/// WebSocket close codes (RFC 6455).
const GOING_AWAY: u16 = 1001;

/// One held conversation's two core subscriptions, merged.
pub(super) struct Watched {
    pub(super) id: ConversationId,
    pub(super) typing_subject: String,
    pub(super) messages: Select<Subscriber, Subscriber>,
}

/// The socket's sink went away, or the socket must close: stop.
pub(super) struct Closed;

pub(super) struct Shell<S> {
    pub(super) sink: S,
    pub(super) state: AppState,
    pub(super) session: AgentSession,
    /// `sb.agent.{tenant}.{agent}`, once `hello` is accepted.
    pub(super) agent_events: Option<Subscriber>,
    pub(super) watched: Vec<Watched>,
    /// Where the next poll of `watched` starts, so a busy conversation
    /// cannot starve the others.
    cursor: usize,
    last_reload: Instant,
}

/// What arrived from the bus.
enum Delivery {
    /// `None`: the subscription ended (the bus connection is gone for good).
    Agent(Option<async_nats::Message>),
    /// `(is_typing, message)`; `None` when the subscriptions ended.
    Conversation(ConversationId, Option<(bool, async_nats::Message)>),
}

/// Counts an open socket for as long as it lives, however it ends.
struct OpenSocket(switchboard_runtime::metrics::Handle);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.add(-1);
    }
}

pub(super) fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn now() -> Now {
    Now {
        instant: std::time::Instant::now(),
        epoch_ms: epoch_ms(),
    }
}

/// Runs one agent socket until the client leaves, stops answering, or the
/// server shuts down.
pub async fn run<S, R, E>(sink: S, mut stream: R, state: AppState)
where
    S: Sink<Message> + Unpin,
    S::Error: Display,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    let open = state
        .metrics
        .gauge("switchboard_gateway_agent_sockets", "Open agent WebSockets");
    open.inc();
    let _open = OpenSocket(open);
    let shutdown = state.shutdown.token();
    let session = AgentSession::new(state.settings.frames_per_second, std::time::Instant::now());
    let mut shell = Shell {
        sink,
        state,
        session,
        agent_events: None,
        watched: Vec::new(),
        cursor: 0,
        last_reload: Instant::now(),
    };
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    loop {
        let outcome = tokio::select! {
            () = shutdown.cancelled() => {
                shell.close("the server is shutting down").await;
                return;
            }
            frame = stream.next() => match frame {
                Some(Ok(message)) => {
                    last_heard = Instant::now();
                    shell.on_client_message(message).await
                }
                Some(Err(error)) => {
                    tracing::debug!(%error, "agent socket read failed");
                    return;
                }
                None => return,
            },
            delivery = next_delivery(&mut shell.agent_events, &mut shell.watched, &mut shell.cursor) => {
                shell.on_delivery(delivery).await
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENT_LIMIT {
                    shell.close("no answer to pings").await;
                    return;
                }
                shell.sink.send(Message::Ping(Default::default())).await.map_err(|_| Closed)
            }
        };
        if outcome.is_err() {
            return;
        }
    }
}

/// The next bus message for this socket; pending while there is nothing to
/// listen to. The agent's events go first; the conversations take turns.
async fn next_delivery(
    agent: &mut Option<Subscriber>,
    watched: &mut [Watched],
    cursor: &mut usize,
) -> Delivery {
    poll_fn(|cx| {
        if let Some(events) = agent
            && let Poll::Ready(message) = events.poll_next_unpin(cx)
        {
            return Poll::Ready(Delivery::Agent(message));
        }
        let count = watched.len();
        for step in 0..count {
            let index = (*cursor + step) % count;
            let conversation = &mut watched[index];
            if let Poll::Ready(message) = conversation.messages.poll_next_unpin(cx) {
                *cursor = index + 1;
                let typing = conversation.typing_subject.as_str();
                let message = message.map(|m| (m.subject.as_str() == typing, m));
                return Poll::Ready(Delivery::Conversation(conversation.id, message));
            }
        }
        Poll::Pending
    })
    .await
}

impl<S> Shell<S>
where
    S: Sink<Message> + Unpin,
    S::Error: Display,
{
    async fn on_client_message(&mut self, message: Message) -> Result<(), Closed> {
        let effects = match message {
            Message::Text(text) => {
                self.state.counters.frames_in.inc();
                self.reload_identity();
                self.session.on_client_text(text.as_str(), now())
            }
            Message::Binary(_) => {
                self.state.counters.frames_in.inc();
                self.session.on_binary_frame(now())
            }
            // axum answers pings itself; a pong only proves the client is there.
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
            Message::Close(_) => {
                // Flushes the close reply tungstenite queued for us.
                let _ = self.sink.close().await;
                return Err(Closed);
            }
        };
        self.perform(effects).await
    }

    async fn on_delivery(&mut self, delivery: Delivery) -> Result<(), Closed> {
        let effects = match delivery {
            Delivery::Agent(None) => {
                // The console reconnects and is welcomed afresh.
                self.close("the connection to the bus was lost").await;
                return Err(Closed);
            }
            Delivery::Agent(Some(message)) => match AgentEvent::decode(message.payload) {
                Ok(event) => self.session.on_agent_event(event),
                Err(error) => {
                    tracing::warn!(%error, subject = %message.subject, "undecodable agent event skipped");
                    Vec::new()
                }
            },
            Delivery::Conversation(id, None) => {
                tracing::warn!(conversation = %id, "a conversation's subscriptions ended");
                self.watched.retain(|w| w.id != id);
                Vec::new()
            }
            Delivery::Conversation(_, Some((true, message))) => {
                match TypingEvent::decode(message.payload) {
                    Ok(event) => self.session.on_typing_event(event),
                    Err(error) => {
                        tracing::warn!(%error, subject = %message.subject, "undecodable typing event skipped");
                        Vec::new()
                    }
                }
            }
            Delivery::Conversation(_, Some((false, message))) => {
                match ConversationEvent::decode(message.payload) {
                    Ok(event) => self.session.on_event(event),
                    Err(error) => {
                        tracing::warn!(%error, subject = %message.subject, "undecodable conversation event skipped");
                        Vec::new()
                    }
                }
            }
        };
        self.perform(effects).await
    }

    /// Picks up a change of the agent's name or spaces made while the
    /// socket is open, at most every few seconds.
    fn reload_identity(&mut self) {
        if self.last_reload.elapsed() < RELOAD_EVERY {
            return;
        }
        self.last_reload = Instant::now();
        let reloaded = self
            .session
            .identity()
            .and_then(|identity| identity.reload_cached(&self.state.config_cache));
        if let Some(identity) = reloaded {
            self.session.set_identity(identity);
        }
    }

    pub(super) async fn send(&mut self, frame: &ServerFrame) -> Result<(), Closed> {
        if frame.is_error() {
            self.state.counters.frame_errors.inc();
        }
        self.sink
            .send(Message::Text(frame.to_json().into()))
            .await
            .map_err(|_| Closed)
    }

    async fn close(&mut self, reason: &'static str) {
        let frame = CloseFrame {
            code: GOING_AWAY,
            reason: reason.into(),
        };
        let _ = self.sink.send(Message::Close(Some(frame))).await;
    }
}
