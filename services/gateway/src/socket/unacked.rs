//! The commands a socket sent and whose acks from the stream it has not
//! seen yet. A socket sends a command and goes on with its next frame; the
//! acks come back in the order the commands went out (one connection keeps
//! a socket's publishes in order) and are awaited beside the socket's other
//! inputs. A command the stream did not take is reported by id, for the
//! session to answer the client as it answers any failed publish. At most
//! [`UNACKED_LIMIT`] are outstanding: a socket sending faster waits for the
//! oldest before it sends the next.

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use switchboard_bus::publish::PendingAck;

/// Commands one socket may have sent and not seen acked.
pub const UNACKED_LIMIT: usize = 8;

/// A socket's commands awaiting their acks, oldest first.
#[derive(Default)]
pub struct Unacked {
    /// Each resolves to `Err(command id)` when the stream did not take it.
    acks: FuturesOrdered<BoxFuture<'static, Result<(), String>>>,
}

impl Unacked {
    /// Waits for `ack` of command `command_id` from now on.
    pub fn push(&mut self, command_id: String, ack: PendingAck) {
        self.acks.push_back(Box::pin(async move {
            ack.stored().await.map(drop).map_err(|error| {
                tracing::warn!(%error, command = %command_id, "a command was not stored");
                command_id
            })
        }));
    }

    /// Makes room for one more command: waits for the oldest acks while
    /// [`UNACKED_LIMIT`] are outstanding. Returns the ids of those that failed.
    pub async fn make_room(&mut self) -> Vec<String> {
        let mut failed = Vec::new();
        while self.acks.len() >= UNACKED_LIMIT {
            if let Some(Err(command_id)) = self.acks.next().await {
                failed.push(command_id);
            }
        }
        failed
    }

    /// The next command the stream did not take; pending while none failed
    /// (forever when nothing is outstanding). Cancel-safe: an ack is only
    /// taken when this returns or when it succeeded.
    pub async fn next_failure(&mut self) -> String {
        loop {
            match self.acks.next().await {
                Some(Err(command_id)) => return command_id,
                Some(Ok(())) => {}
                None => std::future::pending().await,
            }
        }
    }
}
