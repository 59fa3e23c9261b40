//! The commands and routing inputs a socket sent and whose acks from the
//! stream it has not seen yet. A socket sends and goes on with its next
//! input; the acks come back in the order the messages went out (one
//! connection keeps a socket's publishes in order) and are awaited beside
//! the socket's other inputs. A message the stream did not take is handed
//! back (as the `T` it was sent with) for the session to answer the client
//! as it answers any failed publish. At most [`UNACKED_LIMIT`] are
//! outstanding: a socket sending faster waits for the oldest first.

use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use switchboard_bus::publish::PendingAck;

/// Messages one socket may have sent and not seen acked.
pub const UNACKED_LIMIT: usize = 8;

/// A socket's sent messages awaiting their acks, oldest first; each carries
/// the `T` to hand back should the stream not take it.
pub struct Unacked<T> {
    /// Only ever reached through `&mut self` (`get_mut`, which takes no
    /// lock): the mutex only lets a socket holding it be shared by
    /// reference across an await, as its `&self` methods are.
    acks: Mutex<FuturesOrdered<BoxFuture<'static, Result<(), T>>>>,
}

impl<T> Default for Unacked<T> {
    fn default() -> Self {
        Self {
            acks: Mutex::new(FuturesOrdered::new()),
        }
    }
}

impl<T: Send + 'static> Unacked<T> {
    /// Waits for `ack` from now on; `sent` comes back if it fails.
    pub fn push(&mut self, sent: T, ack: PendingAck) {
        self.acks().push_back(Box::pin(async move {
            ack.stored().await.map(drop).map_err(|error| {
                tracing::warn!(%error, "a published message was not stored");
                sent
            })
        }));
    }

    /// Makes room for one more: waits for the oldest acks while
    /// [`UNACKED_LIMIT`] are outstanding. Returns those that failed.
    pub async fn make_room(&mut self) -> Vec<T> {
        let mut failed = Vec::new();
        while self.acks().len() >= UNACKED_LIMIT {
            if let Some(Err(sent)) = self.acks().next().await {
                failed.push(sent);
            }
        }
        failed
    }

    /// The next message the stream did not take; pending while none failed
    /// (and while nothing is outstanding: the socket polls again after it
    /// sends). An ack is only taken when it succeeded or is returned here.
    pub fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        loop {
            match self.acks().poll_next_unpin(cx) {
                Poll::Ready(Some(Err(sent))) => return Poll::Ready(sent),
                Poll::Ready(Some(Ok(()))) => {}
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn acks(&mut self) -> &mut FuturesOrdered<BoxFuture<'static, Result<(), T>>> {
        self.acks.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Self::poll_failure`] as a future.
    pub async fn next_failure(&mut self) -> T {
        std::future::poll_fn(|cx| self.poll_failure(cx)).await
    }
}
