//! One set of core subscriptions per gateway, fanned out in process to the
//! sockets that show a conversation: `sb.evt.>`, `sb.typing.>` and
//! `sb.queue.>` are subscribed once, and each message is handed to the
//! sockets registered for its conversation (a map conversation → local
//! routes). A socket costs a map entry and a small channel, not three NATS
//! subscriptions with a channel each (P4: idle sockets by the hundred
//! thousand).
//!
//! Every gateway receives every conversation's events this way, and drops
//! those of conversations it shows no socket of after a map lookup on the
//! subject (no decoding). That is the trade: one interest per gateway on the
//! server instead of one per socket.
//!
//! Nothing is dropped silently. A socket that falls behind (its channel
//! full) and every socket after the bus connection comes back (core
//! messages published meanwhile are lost) get [`Fanned::Resync`]: the
//! session reads what it missed from the transcript.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_nats::{Client, Message, SubscribeError};
use futures::StreamExt;
use futures::stream::select_all;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages a socket may have waiting before it is told to resync: a
/// conversation rarely has more than a few in flight.
const ROUTE_CAPACITY: usize = 16;

/// What a conversation's messages are about: one wildcard subscription each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Events,
    Typing,
    Queue,
}

impl Family {
    const ALL: [Family; 3] = [Family::Events, Family::Typing, Family::Queue];

    fn filter(self) -> &'static str {
        match self {
            Family::Events => subjects::filter::ALL_EVENTS,
            Family::Typing => "sb.typing.>",
            Family::Queue => "sb.queue.>",
        }
    }

    fn of(subject: &str) -> Option<Self> {
        let family = subject.strip_prefix("sb.")?.split('.').next()?;
        match family {
            "evt" => Some(Family::Events),
            "typing" => Some(Family::Typing),
            "queue" => Some(Family::Queue),
            _ => None,
        }
    }
}

type Key = (Family, TenantId, ConversationId);

/// One socket's registration: where its messages go, and whether it missed
/// some.
struct Route {
    id: u64,
    /// `None` only wakes the socket to look at `lagged`.
    tx: mpsc::Sender<Option<Arc<Message>>>,
    lagged: Arc<AtomicBool>,
}

#[derive(Default)]
struct Routes {
    by_key: HashMap<Key, Vec<Route>>,
}

/// The gateway's fan-out. Cheap to clone.
#[derive(Clone)]
pub struct Fanout {
    routes: Arc<Mutex<Routes>>,
    next_id: Arc<AtomicU64>,
}

/// What a [`Subscription`] yields.
#[derive(Debug)]
pub enum Fanned {
    Message(Arc<Message>),
    /// Messages may have been lost: read the conversation again.
    Resync,
}

impl Fanout {
    /// Subscribes to every family and routes until `shutdown`;
    /// `reconnected` fires each time the bus connection is established.
    pub async fn start(
        client: &Client,
        mut reconnected: tokio::sync::watch::Receiver<u64>,
        shutdown: CancellationToken,
    ) -> Result<Self, SubscribeError> {
        let mut subscriptions = Vec::new();
        for family in Family::ALL {
            subscriptions.push(client.subscribe(family.filter()).await?);
        }
        let fanout = Self {
            routes: Arc::default(),
            next_id: Arc::default(),
        };
        let routing = fanout.clone();
        reconnected.mark_unchanged();
        tokio::spawn(async move {
            let mut messages = select_all(subscriptions);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    changed = reconnected.changed() => match changed {
                        Ok(()) => routing.resync_all(),
                        Err(_) => break,
                    },
                    message = messages.next() => match message {
                        Some(message) => routing.route(message),
                        None => break,
                    },
                }
            }
        });
        Ok(fanout)
    }

    /// Registers for `families` of one conversation.
    pub fn subscribe(
        &self,
        families: &[Family],
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Subscription {
        let (tx, rx) = mpsc::channel(ROUTE_CAPACITY);
        let lagged = Arc::new(AtomicBool::new(false));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let keys: Vec<Key> = families
            .iter()
            .map(|family| (*family, tenant, conversation))
            .collect();
        let mut routes = self.routes.lock().expect("fan-out routes");
        for key in &keys {
            routes.by_key.entry(*key).or_default().push(Route {
                id,
                tx: tx.clone(),
                lagged: lagged.clone(),
            });
        }
        Subscription {
            fanout: self.clone(),
            id,
            keys,
            rx,
            lagged,
        }
    }

    fn route(&self, message: Message) {
        let subject = message.subject.as_str();
        let (Some(family), Some(tenant), Some(conversation)) = (
            Family::of(subject),
            subjects::tenant_of(subject),
            subjects::conversation_of(subject),
        ) else {
            return;
        };
        let routes = self.routes.lock().expect("fan-out routes");
        let Some(targets) = routes.by_key.get(&(family, tenant, conversation)) else {
            return;
        };
        let message = Arc::new(message);
        for route in targets {
            if let Err(mpsc::error::TrySendError::Full(_)) =
                route.tx.try_send(Some(message.clone()))
            {
                // The socket reads what it missed once it catches up.
                route.lagged.store(true, Ordering::Release);
            }
        }
    }

    /// After a reconnect: every socket reads its conversation again.
    fn resync_all(&self) {
        let routes = self.routes.lock().expect("fan-out routes");
        tracing::info!(
            conversations = routes.by_key.len(),
            "bus connection (re)established; sockets resync"
        );
        for route in routes.by_key.values().flatten() {
            route.lagged.store(true, Ordering::Release);
            // Wakes the socket; a full channel wakes it anyway.
            let _ = route.tx.try_send(None);
        }
    }

    fn unsubscribe(&self, id: u64, keys: &[Key]) {
        let mut routes = self.routes.lock().expect("fan-out routes");
        for key in keys {
            if let Some(list) = routes.by_key.get_mut(key) {
                list.retain(|route| route.id != id);
                if list.is_empty() {
                    routes.by_key.remove(key);
                }
            }
        }
    }

    /// The (family, conversation) pairs some socket is registered for.
    pub fn routed(&self) -> usize {
        self.routes.lock().expect("fan-out routes").by_key.len()
    }
}

/// One socket's messages of one conversation; unregisters when dropped.
pub struct Subscription {
    fanout: Fanout,
    id: u64,
    keys: Vec<Key>,
    rx: mpsc::Receiver<Option<Arc<Message>>>,
    lagged: Arc<AtomicBool>,
}

impl Subscription {
    /// The next message, or a resync once the waiting ones are read.
    /// `Ready(None)` only when the fan-out stopped (the server is shutting
    /// down).
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fanned>> {
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(Some(message))) => {
                    return Poll::Ready(Some(Fanned::Message(message)));
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(None)) | Poll::Pending
                    if self.lagged.swap(false, Ordering::AcqRel) =>
                {
                    return Poll::Ready(Some(Fanned::Resync));
                }
                // A wake-up whose resync was already given.
                Poll::Ready(Some(None)) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl futures::Stream for Subscription {
    type Item = Fanned;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fanned>> {
        Subscription::poll_next(self.get_mut(), cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.fanout.unsubscribe(self.id, &self.keys);
    }
}

#[cfg(test)]
#[path = "fanout_tests.rs"]
mod tests;
