//! Group commit for single posts: [`Store::append`] callers that arrive while
//! a transaction is running wait, and the next one to get the turn stores
//! all of them as one batch ([`Store::append_batch`]), in arrival order.
//! Every caller gets its result only after the commit — so an event is never
//! published, nor a command acked, for a message that is not durable. A
//! database error aborts the whole group: every post gets a retryable error
//! and nothing of the group is kept.

use std::sync::Mutex;

use tokio::sync::oneshot;

use super::Store;
use super::append::Appended;
use crate::domain::NewMessage;
use crate::error::StoreError;

/// The most posts one transaction stores: bounds how long the write lock is
/// held and how long the first post of a group waits for the last.
const MAX_GROUP: usize = 64;

type Reply = oneshot::Sender<Result<Appended, StoreError>>;

/// Posts waiting for a transaction, and the turn to run one.
#[derive(Debug, Default)]
pub(super) struct Group {
    waiting: Mutex<Vec<(NewMessage, Reply)>>,
    turn: tokio::sync::Mutex<()>,
}

impl Store {
    /// Stores `post` once, together with whatever other posts are waiting
    /// (see the module comment). Returns after the commit.
    pub async fn append(&self, post: &NewMessage) -> Result<Appended, StoreError> {
        let (reply, mut answer) = oneshot::channel();
        self.group.lock_waiting().push((post.clone(), reply));
        loop {
            let _turn = self.group.turn.lock().await;
            // The writer before us may have stored our post already.
            match answer.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => return Err(abandoned()),
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let group = {
                let mut waiting = self.group.lock_waiting();
                let take = waiting.len().min(MAX_GROUP);
                waiting.drain(..take).collect::<Vec<_>>()
            };
            self.commit_group(group).await;
            // Our post was in the group unless more than MAX_GROUP were
            // ahead of it; then the next turn takes it.
        }
    }

    async fn commit_group(&self, group: Vec<(NewMessage, Reply)>) {
        if group.is_empty() {
            return;
        }
        let (posts, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match self.append_batch(&posts).await {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    // A caller that went away is redelivered and finds its post.
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                let mut error = Some(error);
                for reply in replies {
                    let _ = reply.send(Err(error.take().unwrap_or_else(grouped_with_failure)));
                }
            }
        }
    }
}

impl Group {
    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<(NewMessage, Reply)>> {
        // The list stays consistent even if a holder panicked: push and drain
        // are single steps.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The writer that held our post went away before answering (shutdown).
fn abandoned() -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(
        "the transaction storing this post was abandoned",
    )))
}

/// Another post of the same transaction failed; this one was not stored.
fn grouped_with_failure() -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(
        "another post in the same transaction failed; nothing was stored",
    )))
}
