//! A service's batch writer: where its transactions of many rows run.
//!
//! On SQLite it is one connection the writer owns outright, never shared
//! with readers and never handed back to a pool: SQLite runs one writer at
//! a time anyway, every statement is a round trip to the connection's
//! worker thread, and a pool adds round trips of its own to each use (it
//! pings a connection whenever one is handed back, to flush a rollback left
//! pending), so under load the next transaction's `BEGIN` waited on the
//! last one's hand-back. A transaction dropped without commit still rolls
//! back: the connection's worker runs the rollback before its next
//! statement. On PostgreSQL a small pool, for writers working side by side.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

/// Where a writer's transactions run. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Writer(Kind);

#[derive(Debug, Clone)]
enum Kind {
    /// The one connection, taken in turn; `None` once closed.
    Owned(Arc<Mutex<Option<AnyConnection>>>),
    Pooled(AnyPool),
}

/// The writer's connection while one writer holds it: a transaction begins
/// on it (`sqlx::Connection::begin`).
pub enum WriterConnection {
    Owned(OwnedMappedMutexGuard<Option<AnyConnection>, AnyConnection>),
    Pooled(PoolConnection<Any>),
}

impl Writer {
    /// A writer owning `connection`.
    pub fn owning(connection: AnyConnection) -> Self {
        Self(Kind::Owned(Arc::new(Mutex::new(Some(connection)))))
    }

    /// A writer taking connections from `pool` (PostgreSQL, or a store
    /// built over a pool it was given).
    pub fn pooled(pool: AnyPool) -> Self {
        Self(Kind::Pooled(pool))
    }

    /// Waits for the connection (the owned one: until the writer before has
    /// let go of it).
    pub async fn acquire(&self) -> Result<WriterConnection, sqlx::Error> {
        match &self.0 {
            Kind::Owned(connection) => {
                let held = Arc::clone(connection).lock_owned().await;
                OwnedMutexGuard::try_map(held, Option::as_mut)
                    .map(WriterConnection::Owned)
                    .map_err(|_| sqlx::Error::PoolClosed)
            }
            Kind::Pooled(pool) => pool.acquire().await.map(WriterConnection::Pooled),
        }
    }

    /// Waits for the writer in hand to finish, then closes the connection(s);
    /// later writers get `PoolClosed`.
    pub async fn close(&self) {
        match &self.0 {
            Kind::Owned(connection) => {
                if let Some(connection) = connection.lock().await.take() {
                    // At shutdown nothing is left to do about a failed close:
                    // every transaction was committed or rolled back.
                    let _ = connection.close().await;
                }
            }
            Kind::Pooled(pool) => pool.close().await,
        }
    }
}

impl Deref for WriterConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriterConnection::Owned(connection) => connection,
            WriterConnection::Pooled(connection) => connection,
        }
    }
}

impl DerefMut for WriterConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriterConnection::Owned(connection) => connection,
            WriterConnection::Pooled(connection) => connection,
        }
    }
}
