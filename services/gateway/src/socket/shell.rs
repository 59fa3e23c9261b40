//! The async shell both sockets run in: it reads client frames, the
//! session's bus deliveries, the keepalive tick and the shutdown signal,
//! hands each to the session and performs the effects the session returns,
//! one input at a time. Processing strictly in turn is what lets a session
//! assume, e.g., that a transcript page arrives before any later event.
//!
//! The shell owns what is the same for every socket: pings every
//! [`PING_EVERY`], closing a client silent for [`SILENT_LIMIT`] (any frame
//! or pong counts as hearing from it), throttled configuration reloads,
//! closing with a reason on shutdown, the frame counters and the gauge of
//! open sockets. Generic over `Sink`/`Stream` (the axum `testing-websockets`
//! pattern), so it runs on channels in tests.
//!
//! Each input is handled in a span of its own: a client frame starts a trace
//! (one customer message is one trace, through every service it reaches and
//! back), and a bus delivery joins the trace its message carried.

use std::collections::VecDeque;
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use async_nats::HeaderMap;
use axum::extract::ws::{CloseFrame, Message};
use futures::{Sink, SinkExt, Stream, StreamExt};
use switchboard_bus::propagation;
use switchboard_runtime::metrics::{Counter, Gauge};
use switchboard_runtime::telemetry;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span};

use super::Now;
use super::intake::ClientSession;
use super::server_frame::OutgoingFrame;
use crate::state::Counters;

/// How often the server pings an idle client.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// A client silent for this long (no frame, no pong) is gone.
pub const SILENT_LIMIT: Duration = Duration::from_secs(75);
/// How often a socket picks up configuration changes from the cache.
pub const RELOAD_EVERY: Duration = Duration::from_secs(5);
/// The close code of the closes the server starts (RFC 6455)...
pub const GOING_AWAY: u16 = 1001;
/// ... except a refusal for good (a revoked sign-in): clients do not
/// reconnect after it.
pub const POLICY_VIOLATION: u16 = 1008;

/// The socket's sink went away, or the socket must close: stop.
#[derive(Debug)]
pub struct Closed;

/// Where frames go: axum's half of a split WebSocket, or a channel in tests.
pub trait FrameSink: Sink<Message> + Unpin + Send {}

impl<S: Sink<Message> + Unpin + Send> FrameSink for S {}

/// One socket's session, plugged into the shell: the [`ClientSession`]
/// deciding on client frames, what the socket listens to on the bus, and
/// how it performs effects (publishes, subscriptions, reads), sending
/// frames through the [`Outbox`].
pub trait SocketSession: Send {
    type Effect: Send;
    type Session: ClientSession<Effect = Self::Effect> + Send;
    type Delivery: Send;

    fn session(&mut self) -> &mut Self::Session;

    /// Picks up configuration changed while the socket is open; called
    /// before a text frame, at most every [`RELOAD_EVERY`].
    fn reload(&mut self);

    /// The next bus delivery for this socket; pending while there is
    /// nothing to listen to.
    fn next_delivery(&mut self) -> impl Future<Output = Traced<Self::Delivery>> + Send;

    /// What a delivery means; `Err(reason)` closes the socket with it.
    fn on_delivery(&mut self, delivery: Self::Delivery) -> Result<Vec<Self::Effect>, &'static str>;

    /// The span a client frame is handled in, with the conversation it
    /// concerns when known (the shell makes it a trace of its own).
    fn frame_span(&self) -> Span {
        Span::none()
    }

    /// The span a delivery is handled in, with its conversation (the shell
    /// puts it in the trace its bus message carried).
    fn delivery_span(&self, _delivery: &Self::Delivery) -> Span {
        Span::none()
    }

    /// Performs one effect; `Err` when the socket must stop.
    fn perform<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effect: Self::Effect,
    ) -> impl Future<Output = Result<FollowUp<Self::Effect>, Closed>> + Send;
}

/// A bus delivery and the headers of the message that brought it: the
/// trace context its span joins.
pub struct Traced<D> {
    pub delivery: D,
    pub headers: Option<HeaderMap>,
}

impl<D> Traced<D> {
    /// A delivery no bus message brought (the subscriptions ended).
    pub fn untraced(delivery: D) -> Self {
        Self {
            delivery,
            headers: None,
        }
    }

    pub fn map<E>(self, f: impl FnOnce(D) -> E) -> Traced<E> {
        Traced {
            delivery: f(self.delivery),
            headers: self.headers,
        }
    }
}

/// What performing an effect leads to: the session's decision on its
/// answer (a transcript page, a failure), performed before the rest.
pub struct FollowUp<E> {
    effects: Vec<E>,
    /// Whether what was queued behind the effect must not happen any more
    /// (it depended on a subscription that failed).
    drop_queued: bool,
}

impl<E> FollowUp<E> {
    /// Nothing more to do for this effect.
    pub fn done() -> Self {
        Self::then(Vec::new())
    }

    /// `effects` next, then the rest of the queue.
    pub fn then(effects: Vec<E>) -> Self {
        Self {
            effects,
            drop_queued: false,
        }
    }

    /// `effects` instead of the rest of the queue.
    pub fn instead(effects: Vec<E>) -> Self {
        Self {
            effects,
            drop_queued: true,
        }
    }
}

/// [`perform_all`] on the heap, and only when there is something to do: the
/// socket's own future, which every idle socket keeps for its whole life,
/// then holds none of an effect's state (a publish, a transcript read).
async fn perform<S: FrameSink, T: SocketSession>(
    socket: &mut T,
    out: &mut Outbox<S>,
    effects: Vec<T::Effect>,
) -> Result<(), Closed> {
    if effects.is_empty() {
        return Ok(());
    }
    Box::pin(perform_all(socket, out, effects)).await
}

/// Performs effects in order; an effect's follow-ups go before the rest of
/// the queue, so a chain such as `hello` → `welcome` runs as one input.
async fn perform_all<S: FrameSink, T: SocketSession>(
    socket: &mut T,
    out: &mut Outbox<S>,
    effects: Vec<T::Effect>,
) -> Result<(), Closed> {
    let mut queue = VecDeque::from(effects);
    while let Some(effect) = queue.pop_front() {
        let follow_up = socket.perform(out, effect).await?;
        if follow_up.drop_queued {
            queue.clear();
        }
        for effect in follow_up.effects.into_iter().rev() {
            queue.push_front(effect);
        }
    }
    Ok(())
}

/// The gateway's meters a socket moves.
#[derive(Debug, Clone)]
pub struct Meters {
    /// The gauge of open sockets of this kind.
    pub open: Gauge,
    pub frames_in: Counter,
    pub frame_errors: Counter,
}

impl Meters {
    pub fn new(counters: &Counters, open: Gauge) -> Self {
        Self {
            open,
            frames_in: counters.frames_in.clone(),
            frame_errors: counters.frame_errors.clone(),
        }
    }
}

/// The sending half of a socket. Frames are queued in the socket's write
/// buffer and written together when the socket has nothing else ready (see
/// [`run`]): the frames of a burst of deliveries share a write.
pub struct Outbox<S> {
    sink: S,
    frame_errors: Counter,
    /// Frames queued and not written yet.
    unflushed: bool,
}

impl<S: FrameSink> Outbox<S> {
    /// Sends one frame as JSON text.
    pub async fn send(&mut self, frame: &impl OutgoingFrame) -> Result<(), Closed> {
        if frame.is_error() {
            self.frame_errors.inc();
        }
        let text = Message::Text(frame.to_json().into());
        self.unflushed = true;
        self.sink.feed(text).await.map_err(|_| Closed)
    }

    /// Writes out the frames queued.
    async fn flush(&mut self) -> Result<(), Closed> {
        self.sink.flush().await.map_err(|_| Closed)?;
        self.unflushed = false;
        Ok(())
    }

    /// Closes the socket with `reason` (1001, going away).
    pub async fn close(&mut self, reason: &'static str) {
        self.close_with(GOING_AWAY, reason).await;
    }

    /// Closes the socket with `reason` and 1008: the client must not come
    /// back with what it signed in with.
    pub async fn refuse(&mut self, reason: &'static str) {
        self.close_with(POLICY_VIOLATION, reason).await;
    }

    async fn close_with(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = self.sink.send(Message::Close(Some(frame))).await;
    }

    async fn ping(&mut self) -> Result<(), Closed> {
        let ping = Message::Ping(Default::default());
        self.sink.send(ping).await.map_err(|_| Closed)
    }

    /// The client closed: flushes the close reply tungstenite queued.
    async fn finish(&mut self) {
        let _ = self.sink.close().await;
    }
}

/// Counts an open socket for as long as it lives, however it ends.
struct OpenSocket(Gauge);

impl OpenSocket {
    fn count(gauge: Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Runs one socket until the client leaves, stops answering, or the server
/// shuts down (`shutdown` is cancelled).
pub async fn run<S, R, E, T>(
    sink: S,
    mut stream: R,
    mut socket: T,
    meters: Meters,
    shutdown: CancellationToken,
) where
    S: FrameSink,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
    T: SocketSession,
{
    let _open = OpenSocket::count(meters.open);
    let mut out = Outbox {
        sink,
        frame_errors: meters.frame_errors,
        unflushed: false,
    };
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    let mut last_reload = Instant::now();
    loop {
        // Biased: the queued frames are written only once nothing else is
        // ready, so a burst of deliveries goes out in one write.
        let outcome = tokio::select! {
            biased;
            () = shutdown.cancelled() => {
                out.close("the server is shutting down").await;
                return;
            }
            frame = stream.next() => {
                let span = match &frame {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => frame_span(&socket),
                    _ => Span::none(),
                };
                let effects = match frame {
                    Some(Ok(Message::Text(text))) => {
                        meters.frames_in.inc();
                        if last_reload.elapsed() >= RELOAD_EVERY {
                            last_reload = Instant::now();
                            socket.reload();
                        }
                        let now = Now::current();
                        span.in_scope(|| socket.session().on_client_text(text.as_str(), now))
                    }
                    Some(Ok(Message::Binary(_))) => {
                        meters.frames_in.inc();
                        let now = Now::current();
                        span.in_scope(|| socket.session().on_binary_frame(now))
                    }
                    // axum answers pings itself; a pong only proves the
                    // client is there.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Vec::new(),
                    Some(Ok(Message::Close(_))) => {
                        out.finish().await;
                        return;
                    }
                    Some(Err(error)) => {
                        tracing::debug!(%error, "socket read failed");
                        return;
                    }
                    None => return,
                };
                last_heard = Instant::now();
                perform(&mut socket, &mut out, effects).instrument(span).await
            }
            traced = socket.next_delivery() => {
                let span = socket.delivery_span(&traced.delivery);
                propagation::set_parent_from(&span, traced.headers.as_ref());
                match span.in_scope(|| socket.on_delivery(traced.delivery)) {
                    Ok(effects) => perform(&mut socket, &mut out, effects).instrument(span).await,
                    Err(reason) => {
                        out.close(reason).await;
                        return;
                    }
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENT_LIMIT {
                    out.close("no answer to pings").await;
                    return;
                }
                out.ping().await
            }
            flushed = out.flush(), if out.unflushed => flushed,
        };
        if outcome.is_err() {
            return;
        }
    }
}

/// The socket's span for a client frame, as the root of a new trace.
fn frame_span<T: SocketSession>(socket: &T) -> Span {
    let span = socket.frame_span();
    telemetry::start_trace(&span);
    span
}
