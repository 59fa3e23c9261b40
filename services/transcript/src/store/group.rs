//! Group commit for posts. Every lane appends through [`Store::append`]; the
//! posts that arrive while a transaction is running wait, and the next
//! writer to get the turn stores all of them in ONE transaction: one
//! `BEGIN`/`COMMIT` (and on SQLite one turn at the write gate) for many
//! messages instead of one each.
//!
//! Nothing about a single post changes. Each still bumps its conversation's
//! `last_seq` by one before inserting (posts are stored in arrival order), a
//! duplicate or a refused post undoes its own writes through a savepoint,
//! and every caller gets its result only after the commit — so an event is
//! never published, nor a command acked, for a message that is not durable.
//! A database error aborts the whole group: the post that failed gets its
//! own error, the others a retryable one, and nothing of the group is kept.

use std::sync::Mutex;

use sqlx::Acquire;
use tokio::sync::oneshot;

use super::Store;
use super::append::{Appended, Step, append_within};
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
        let results = {
            let _writer = self.writes.enter().await;
            self.store_group(&posts).await
        };
        match results {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    // A caller that went away is redelivered and finds its post.
                    let _ = reply.send(result);
                }
            }
            Err((failed, error)) => {
                let mut error = Some(error);
                for (index, reply) in replies.into_iter().enumerate() {
                    let result = match failed {
                        Some(failed) if failed == index => {
                            error.take().map_or_else(|| Err(abandoned()), Err)
                        }
                        _ => Err(grouped_with_failure()),
                    };
                    let _ = reply.send(result);
                }
            }
        }
    }

    /// One transaction for all of `posts`. A lone post needs no savepoint:
    /// the transaction itself is kept or undone.
    async fn store_group(
        &self,
        posts: &[NewMessage],
    ) -> Result<Vec<Result<Appended, StoreError>>, (Option<usize>, StoreError)> {
        let whole = |e: sqlx::Error| (None, StoreError::from(e));
        let mut tx = self.pool.begin().await.map_err(whole)?;
        if let [post] = posts {
            return match append_within(&mut tx, post).await {
                Ok(Step::Keep(appended)) => {
                    tx.commit().await.map_err(whole)?;
                    Ok(vec![Ok(appended)])
                }
                Ok(Step::Undo(result)) => {
                    tx.rollback().await.map_err(whole)?;
                    Ok(vec![result])
                }
                Err(error) => Err((Some(0), error)),
            };
        }
        let mut results = Vec::with_capacity(posts.len());
        for (index, post) in posts.iter().enumerate() {
            let failed = |e: StoreError| (Some(index), e);
            let mut savepoint = tx.begin().await.map_err(|e| failed(StoreError::from(e)))?;
            match append_within(&mut savepoint, post).await.map_err(failed)? {
                Step::Keep(appended) => {
                    savepoint.commit().await.map_err(whole)?;
                    results.push(Ok(appended));
                }
                Step::Undo(result) => {
                    savepoint.rollback().await.map_err(whole)?;
                    results.push(result);
                }
            }
        }
        tx.commit().await.map_err(whole)?;
        Ok(results)
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
