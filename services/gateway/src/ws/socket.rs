//! The customer session plugged into the socket kit's shell
//! ([`crate::socket::shell`]): what the customer socket listens to (the
//! attached conversation's events, typing and queue position) and how its
//! configuration is reloaded. How effects are performed is in
//! [`super::socket_effects`].

use std::fmt::Display;

use axum::extract::ws::Message;
use futures::{Stream, StreamExt};
use switchboard_contracts::v1::QueuePosition;
use tracing::Span;

use super::context::WidgetContext;
use super::session::{CustomerSession, Effect};
use crate::socket::conversation::{ConversationFeed, FeedItem, receive};
use crate::socket::fanout::{Fanned, Subscription};
use crate::socket::shell::{self, Closed, FollowUp, FrameSink, Meters, Outbox, Traced};
use crate::socket::unacked::Unacked;
use crate::state::AppState;

/// The attached conversation's core subscriptions: its events and typing,
/// and its queue position while it is queued.
pub(super) struct Subscriptions {
    pub(super) feed: ConversationFeed,
    pub(super) queue: Option<Subscription>,
}

/// One message of the attached conversation, by what it carries.
pub enum Delivery {
    Feed(FeedItem),
    Queue(QueuePosition),
    /// A message that could not be decoded (logged).
    Skipped,
    /// The stream did not take this socket's command (by id).
    NotStored(String),
    /// The subscriptions ended: the bus connection was lost for good.
    Ended,
}

/// A customer socket's session and the I/O it holds.
pub struct CustomerSocket {
    pub(super) state: AppState,
    pub(super) session: CustomerSession,
    pub(super) attached: Option<Subscriptions>,
    /// Commands sent whose acks are awaited beside the other inputs.
    pub(super) unacked: Unacked<String>,
}

/// Runs one customer socket until the client leaves, stops answering, or
/// the server shuts down.
pub async fn run<S, R, E>(sink: S, stream: R, state: AppState, ctx: WidgetContext)
where
    S: FrameSink,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    let meters = Meters::new(&state.counters, state.counters.sockets.with(["customer"]));
    let shutdown = state.shutdown.token();
    let session = CustomerSession::new(
        ctx,
        state.settings.frames_per_second,
        std::time::Instant::now(),
    );
    let socket = CustomerSocket {
        state,
        session,
        attached: None,
        unacked: Unacked::default(),
    };
    shell::run(sink, stream, socket, meters, shutdown).await;
}

impl shell::SocketSession for CustomerSocket {
    type Effect = Effect;
    type Session = CustomerSession;
    type Delivery = Delivery;

    fn session(&mut self) -> &mut CustomerSession {
        &mut self.session
    }

    /// Picks up configuration changes (support mode, access, secrets) made
    /// while the socket is open.
    fn reload(&mut self) {
        if let Some(ctx) = self
            .session
            .ctx
            .reload_cached(&self.state.config_cache, &self.state.settings.secret_keys)
        {
            self.session.set_context(ctx);
        }
    }

    /// The next message of the attached conversation, or the next command
    /// the stream did not take.
    async fn next_delivery(&mut self) -> Traced<Delivery> {
        let not_stored = self.unacked.next_failure();
        let Some(Subscriptions { feed, queue }) = &mut self.attached else {
            return Traced::untraced(Delivery::NotStored(not_stored.await));
        };
        let next_position = async {
            let Some(queue) = queue else {
                return std::future::pending().await;
            };
            loop {
                match queue.next().await {
                    Some(Fanned::Message(message)) => return Some(message),
                    // A missed position is followed by the next one:
                    // nothing to read again.
                    Some(Fanned::Resync) => {}
                    None => return None,
                }
            }
        };
        tokio::select! {
            item = feed.next() => match item {
                Some(item) => item.map(|item| item.map_or(Delivery::Skipped, Delivery::Feed)),
                None => Traced::untraced(Delivery::Ended),
            },
            // A queue subscription that ended only loses positions; the
            // conversation itself goes on.
            Some(message) = next_position => receive(&message, "queue position")
                .map(|position| position.map_or(Delivery::Skipped, Delivery::Queue)),
            command_id = not_stored => Traced::untraced(Delivery::NotStored(command_id)),
        }
    }

    fn on_delivery(&mut self, delivery: Delivery) -> Result<Vec<Effect>, &'static str> {
        Ok(match delivery {
            Delivery::Ended => {
                self.attached = None;
                self.session.on_attach_failed()
            }
            Delivery::Queue(position) => self.session.on_queue_position(position),
            Delivery::Feed(FeedItem::Event(event)) => self.session.on_event(event),
            Delivery::Feed(FeedItem::Typing(event)) => self.session.on_typing_event(event),
            Delivery::Feed(FeedItem::Resync) => self.session.on_resync(),
            Delivery::NotStored(command_id) => self.session.on_publish_failed(&command_id),
            Delivery::Skipped => Vec::new(),
        })
    }

    fn frame_span(&self) -> Span {
        let span = tracing::info_span!(
            "frame",
            otel.name = "customer frame",
            otel.kind = "server",
            conversation = tracing::field::Empty,
        );
        if let Some(attached) = self.session.attached() {
            span.record("conversation", tracing::field::display(attached.id));
        }
        span
    }

    fn delivery_span(&self, delivery: &Delivery) -> Span {
        let (name, conversation) = match delivery {
            Delivery::Feed(FeedItem::Event(event)) => {
                ("deliver sb.evt.* (customer socket)", &event.conversation)
            }
            Delivery::Feed(FeedItem::Typing(event)) => {
                ("deliver sb.typing.* (customer socket)", &event.conversation)
            }
            Delivery::Queue(position) => (
                "deliver sb.queue.* (customer socket)",
                &position.conversation,
            ),
            Delivery::Feed(FeedItem::Resync)
            | Delivery::Skipped
            | Delivery::NotStored(_)
            | Delivery::Ended => {
                return Span::none();
            }
        };
        tracing::info_span!(
            "deliver",
            otel.name = name,
            otel.kind = "consumer",
            conversation = %conversation,
        )
    }

    async fn perform<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effect: Effect,
    ) -> Result<FollowUp<Effect>, Closed> {
        self.perform_effect(out, effect).await
    }
}
