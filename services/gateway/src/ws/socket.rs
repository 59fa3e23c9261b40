//! The customer session plugged into the socket kit's shell
//! ([`crate::socket::shell`]): what the customer socket listens to (the
//! attached conversation's events, typing and queue position) and how its
//! configuration is reloaded. How effects are performed is in
//! [`super::socket_effects`].

use std::fmt::Display;

use async_nats::Subscriber;
use axum::extract::ws::Message;
use futures::{Stream, StreamExt};
use switchboard_contracts::v1::QueuePosition;

use super::context::WidgetContext;
use super::session::{CustomerSession, Effect};
use crate::socket::conversation::{ConversationFeed, FeedItem, decode};
use crate::socket::shell::{self, Closed, FollowUp, FrameSink, Meters, Outbox};
use crate::state::AppState;

/// The attached conversation's core subscriptions: its events and typing,
/// and its queue position while it is queued.
pub(super) struct Subscriptions {
    pub(super) feed: ConversationFeed,
    pub(super) queue: Option<Subscriber>,
}

/// One message of the attached conversation, by what it carries.
pub enum Delivery {
    Feed(FeedItem),
    Queue(QueuePosition),
    /// A message that could not be decoded (logged).
    Skipped,
    /// The subscriptions ended: the bus connection was lost for good.
    Ended,
}

/// A customer socket's session and the I/O it holds.
pub struct CustomerSocket {
    pub(super) state: AppState,
    pub(super) session: CustomerSession,
    pub(super) attached: Option<Subscriptions>,
}

/// Runs one customer socket until the client leaves, stops answering, or
/// the server shuts down.
pub async fn run<S, R, E>(sink: S, stream: R, state: AppState, ctx: WidgetContext)
where
    S: FrameSink,
    R: Stream<Item = Result<Message, E>> + Unpin,
    E: Display,
{
    let meters = Meters::new(&state.counters, state.counters.customer_sockets.clone());
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
        if let Some(ctx) = self.session.ctx.reload_cached(&self.state.config_cache) {
            self.session.set_context(ctx);
        }
    }

    /// The next message of the attached conversation; pending while unattached.
    async fn next_delivery(&mut self) -> Delivery {
        let Some(Subscriptions { feed, queue }) = &mut self.attached else {
            return std::future::pending().await;
        };
        let next_position = async {
            match queue {
                Some(queue) => queue.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            item = feed.next() => match item {
                Some(Some(item)) => Delivery::Feed(item),
                Some(None) => Delivery::Skipped,
                None => Delivery::Ended,
            },
            // A queue subscription that ended only loses positions; the
            // conversation itself goes on.
            Some(message) = next_position => match decode(message, "queue position") {
                Some(position) => Delivery::Queue(position),
                None => Delivery::Skipped,
            },
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
            Delivery::Skipped => Vec::new(),
        })
    }

    async fn perform<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        effect: Effect,
    ) -> Result<FollowUp<Effect>, Closed> {
        self.perform_effect(out, effect).await
    }
}
