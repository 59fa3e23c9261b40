//! The async shell of a customer socket: reads frames, bus messages, the
//! keepalive tick and the shutdown signal, hands them to the
//! [`CustomerSession`] and performs the effects it returns, one input at a
//! time. Processing inputs strictly in turn is what lets the session assume,
//! e.g., that a resume's transcript page arrives before any later event.
//!
//! Generic over `Sink`/`Stream` (the axum `testing-websockets` pattern) so
//! the loop runs on anything that speaks axum's `Message`.

use std::fmt::Display;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::Subscriber;
use axum::extract::ws::{CloseFrame, Message};
use futures::stream::Select;
use futures::{Sink, SinkExt, Stream, StreamExt};
use prost::Message as _;
use switchboard_contracts::v1::{ConversationEvent, QueuePosition, TypingEvent};
use tokio::time::Instant;

use super::context::WidgetContext;
use super::server_frame::ServerFrame;
use super::session::{CustomerSession, Now};
use crate::state::AppState;

/// How often the server pings an idle client.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A client silent for this long (no frame, no pong) is gone.
const SILENT_LIMIT: Duration = Duration::from_secs(75);
/// How often a socket picks up configuration changes from the cache.
const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// WebSocket close codes (RFC 6455).
const GOING_AWAY: u16 = 1001;

/// The attached conversation's core subscriptions: its events and typing,
/// merged, and its queue position while it is queued.
pub(super) struct Subscriptions {
    pub(super) typing_subject: String,
    pub(super) messages: Select<Subscriber, Subscriber>,
    pub(super) queue: Option<Subscriber>,
}

/// One message of the attached conversation, by what it carries.
pub(super) enum Delivery {
    Event(async_nats::Message),
    Typing(async_nats::Message),
    Queue(async_nats::Message),
}

/// The socket's sink went away: stop.
pub(super) struct Closed;

pub(super) struct Shell<S> {
    pub(super) sink: S,
    pub(super) state: AppState,
    pub(super) session: CustomerSession,
    pub(super) attached: Option<Subscriptions>,
    last_reload: Instant,
}

/// Counts an open socket for as long as it lives, however it ends.
struct OpenSocket(switchboard_runtime::metrics::Handle);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.add(-1);
    }
}

fn now() -> Now {
    let epoch_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Now {
        instant: std::time::Instant::now(),
        epoch_ms,
    }
}

/// Runs one customer socket until the client leaves, stops answering, or
/// the server shuts down.
pub async fn run<S, R, E>(sink: S, mut stream: R, state: AppState, ctx: WidgetContext)
where
    S: Sink<Message> + Unpin,
    S::Error: Display,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    state.counters.customer_sockets.inc();
    let _open = OpenSocket(state.counters.customer_sockets.clone());
    let shutdown = state.shutdown.token();
    let session = CustomerSession::new(
        ctx,
        state.settings.frames_per_second,
        std::time::Instant::now(),
    );
    let mut shell = Shell {
        sink,
        state,
        session,
        attached: None,
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
                    tracing::debug!(%error, "customer socket read failed");
                    return;
                }
                None => return,
            },
            delivery = next_delivery(&mut shell.attached) => shell.on_delivery(delivery).await,
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

/// The next message of the attached conversation; pending while unattached.
/// `None` when the subscriptions ended (the bus connection was lost for good).
async fn next_delivery(attached: &mut Option<Subscriptions>) -> Option<Delivery> {
    let Some(Subscriptions {
        typing_subject,
        messages,
        queue,
    }) = attached
    else {
        return std::future::pending().await;
    };
    let next_position = async {
        match queue {
            Some(queue) => queue.next().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        message = messages.next() => {
            let message = message?;
            if message.subject.as_str() == typing_subject.as_str() {
                Some(Delivery::Typing(message))
            } else {
                Some(Delivery::Event(message))
            }
        }
        // A queue subscription that ended only loses positions; the
        // conversation itself goes on.
        Some(message) = next_position => Some(Delivery::Queue(message)),
    }
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
                self.reload_context();
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

    async fn on_delivery(&mut self, delivery: Option<Delivery>) -> Result<(), Closed> {
        let effects = match delivery {
            None => {
                self.attached = None;
                self.session.on_attach_failed()
            }
            Some(Delivery::Queue(message)) => match QueuePosition::decode(message.payload) {
                Ok(position) => self.session.on_queue_position(position),
                Err(error) => {
                    tracing::warn!(%error, subject = %message.subject, "undecodable queue position skipped");
                    Vec::new()
                }
            },
            Some(Delivery::Typing(message)) => match TypingEvent::decode(message.payload) {
                Ok(event) => self.session.on_typing_event(event),
                Err(error) => {
                    tracing::warn!(%error, subject = %message.subject, "undecodable typing event skipped");
                    Vec::new()
                }
            },
            Some(Delivery::Event(message)) => match ConversationEvent::decode(message.payload) {
                Ok(event) => self.session.on_event(event),
                Err(error) => {
                    tracing::warn!(%error, subject = %message.subject, "undecodable conversation event skipped");
                    Vec::new()
                }
            },
        };
        self.perform(effects).await
    }

    /// Picks up configuration changes (support mode, access, secrets) made
    /// while the socket is open, at most every few seconds.
    fn reload_context(&mut self) {
        if self.last_reload.elapsed() < RELOAD_EVERY {
            return;
        }
        self.last_reload = Instant::now();
        if let Some(ctx) = self.session.ctx.reload_cached(&self.state.config_cache) {
            self.session.set_context(ctx);
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
