//! The conversation store: conversations and their messages in SQL, one code
//! path for SQLite and PostgreSQL (`sqlx::Any`, `$n` placeholders, or
//! `switchboard_db::Placeholders` for a batch's many, portable migrations in
//! `migrations/`).
//!
//! Posts go through [`Store::append_batch`] (the consumer's batches) or
//! [`Store::append`] (one post, grouped with concurrent ones), both stored
//! set-wise by one writer; every other command through
//! [`Store::apply`], which applies a `domain::Plan` and keeps the command's
//! outcome so a redelivery republishes it. Every read is tenant-checked: a
//! conversation of another tenant is indistinguishable from one that does
//! not exist. [`Store::open_referencing`] finds the open conversations that
//! depend on a deleted record.

#[macro_use]
mod rows;
mod append;
mod apply;
mod batch;
mod group;
mod list;
mod orphans;
mod outcomes;
#[cfg(test)]
mod tests;

pub use append::{Appended, SUPPORT_TEAM_REASON};
pub use apply::{Applied, ApplyResult, Change, Decide, Facts, Target};
pub use batch::BatchResult;
pub use list::{Cursor, DEFAULT_LIST, ListFilter, ListPage, Listed, MAX_LIST};
pub use orphans::{ORPHAN_PAGE, Referencing};

use sqlx::AnyPool;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{ChatMessage, ConversationInfo};

use crate::error::StoreError;

/// The most messages one read returns, whatever the caller asked for, so a
/// long thread cannot exhaust memory; callers page on with `after_seq`.
pub const MAX_READ: u32 = 1000;

/// `values` without repeats, in the order each first appears.
fn distinct<T: Eq + std::hash::Hash + Copy>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .filter(|value| seen.insert(*value))
        .collect()
}

/// The conversation store. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where the batches' transactions run (see `switchboard_db::Writer`);
    /// the pool itself when built by [`Store::new`].
    writer: switchboard_db::Writer,
    /// Serialises writers on SQLite (see `switchboard_db::WriteGate`).
    writes: switchboard_db::WriteGate,
    /// Posts waiting to be stored together (see [`group`]).
    group: std::sync::Arc<group::Group>,
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and migrates.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut migrator = sqlx::migrate!();
        // Services may share one database (the default SQLite file, or one
        // PostgreSQL database in production). Another service's migrations
        // are not ours to judge, so versions we do not know are ignored.
        migrator.set_ignore_missing(true);
        let pool = switchboard_db::connect(url, &migrator).await?;
        let writer = switchboard_db::connect_writer(url).await?;
        Ok(Self {
            pool,
            writer,
            writes: switchboard_db::WriteGate::for_url(url),
            group: Default::default(),
        })
    }

    /// A store over an already migrated pool at `url`.
    pub fn new(pool: AnyPool, url: &str) -> Self {
        Self {
            writer: switchboard_db::Writer::pooled(pool.clone()),
            pool,
            writes: switchboard_db::WriteGate::for_url(url),
            group: Default::default(),
        }
    }

    /// Waits for connections in use to be returned, then closes them.
    /// Whether the database answers now (for `/readyz`).
    pub async fn answers(&self) -> Result<(), String> {
        switchboard_db::answers(&self.pool).await
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// The conversation, when it exists and belongs to `tenant`.
    pub async fn conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Option<ConversationInfo>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            conversation_columns!(),
            " FROM conversations WHERE id = $1 AND tenant = $2"
        ))
        .bind(id.to_string())
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::conversation).transpose()
    }

    /// Messages of a conversation in seq order: those after `after_seq`, at
    /// most `limit` of them (0 or more than [`MAX_READ`] means [`MAX_READ`]);
    /// with `tail`, the last `limit` of them instead of the first.
    pub async fn messages(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after_seq: u64,
        limit: u32,
        tail: bool,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        // A seq beyond i64 cannot exist: nothing comes after it.
        let Ok(after_seq) = i64::try_from(after_seq) else {
            return Ok(Vec::new());
        };
        let limit = if limit == 0 {
            MAX_READ
        } else {
            limit.min(MAX_READ)
        };
        let sql = if tail {
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation = $1 AND tenant = $2 AND seq > $3",
                " ORDER BY seq DESC LIMIT $4"
            )
        } else {
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation = $1 AND tenant = $2 AND seq > $3",
                " ORDER BY seq ASC LIMIT $4"
            )
        };
        let found = sqlx::query(sql)
            .bind(id.to_string())
            .bind(tenant.to_string())
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut messages = found
            .iter()
            .map(rows::message)
            .collect::<Result<Vec<_>, _>>()?;
        if tail {
            messages.reverse();
        }
        Ok(messages)
    }

    /// A page of a thread: the messages, then the conversation, read in that
    /// order so `info.last_seq` is never behind the messages returned (a
    /// reader that compares them sees no false gap). `None` when the
    /// conversation does not exist for `tenant`.
    pub async fn read(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after_seq: u64,
        limit: u32,
        tail: bool,
    ) -> Result<Option<(ConversationInfo, Vec<ChatMessage>)>, StoreError> {
        let messages = self.messages(tenant, id, after_seq, limit, tail).await?;
        Ok(self
            .conversation(tenant, id)
            .await?
            .map(|info| (info, messages)))
    }
}
