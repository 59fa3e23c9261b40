//! The work-item store: `work_items` and their status history in SQL, one
//! code path for SQLite and PostgreSQL (`sqlx::Any`, `$n` placeholders,
//! portable migrations in `migrations/`).
//!
//! Every read is tenant-checked: an item of another tenant is
//! indistinguishable from one that does not exist.

#[macro_use]
mod rows;
#[cfg(test)]
mod tests;
mod write;

pub use write::Created;

use sqlx::AnyPool;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::WorkItem;
use uuid::Uuid;

use crate::domain::ListFilter;
use crate::error::StoreError;

/// The most items one page of a list holds, newest first, so a tenant with
/// a long history cannot exhaust memory or the reply size; a caller pages on
/// with the last item's `(created_at, id)`.
pub const MAX_LIST: u32 = 500;

/// The work-item store. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Serialises writers on SQLite (see `switchboard_db::WriteGate`).
    writes: switchboard_db::WriteGate,
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
        Ok(Self {
            pool,
            writes: switchboard_db::WriteGate::for_url(url),
        })
    }

    /// Waits for connections in use to be returned, then closes them.
    /// Whether the database answers now (for `/readyz`).
    pub async fn answers(&self) -> Result<(), String> {
        switchboard_db::answers(&self.pool).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The item with this id, when it belongs to `tenant`.
    pub async fn get(&self, tenant: TenantId, id: Uuid) -> Result<Option<WorkItem>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM work_items WHERE id = $1 AND tenant = $2"
        ))
        .bind(id.hyphenated().to_string())
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::work_item).transpose()
    }

    /// The conversation's item, if it has one.
    pub async fn by_conversation(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
    ) -> Result<Option<WorkItem>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM work_items WHERE tenant = $1 AND conversation = $2"
        ))
        .bind(tenant.to_string())
        .bind(conversation.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::work_item).transpose()
    }

    /// A page of the tenant's items that pass `filter`, newest first by
    /// `(created_at, id)`: after `filter.after`, at most `filter.limit` (0 or
    /// more than [`MAX_LIST`] means [`MAX_LIST`]); and whether more follow.
    /// Keyset paging, so items created meanwhile (newer than the first page)
    /// never shift a page.
    pub async fn list(
        &self,
        tenant: TenantId,
        filter: &ListFilter,
    ) -> Result<(Vec<WorkItem>, bool), StoreError> {
        let limit = match filter.limit {
            0 => MAX_LIST,
            n => n.min(MAX_LIST),
        };
        let mut sql = concat!(
            "SELECT ",
            item_columns!(),
            " FROM work_items WHERE tenant = $1"
        )
        .to_owned();
        let mut binds = vec![tenant.to_string()];
        let mut condition = |sql: &mut String, column: &str, value: String| {
            binds.push(value);
            sql.push_str(&format!(" AND {column} = ${}", binds.len()));
        };
        if let Some(space) = filter.space {
            condition(&mut sql, "space", space.to_string());
        }
        if let Some(status) = filter.status {
            condition(&mut sql, "status", status.as_str().to_owned());
        }
        if let Some(assignee) = filter.assignee {
            condition(&mut sql, "assignee", assignee.to_string());
        }
        if !filter.spaces.is_empty() {
            let first = binds.len() + 1;
            binds.extend(filter.spaces.iter().map(ToString::to_string));
            let placeholders: Vec<String> =
                (first..=binds.len()).map(|n| format!("${n}")).collect();
            sql.push_str(&format!(" AND space IN ({})", placeholders.join(", ")));
        }
        // Text binds come first, then the integers: the cursor's time and
        // the limit (one more than the page tells whether another follows).
        let mut next = binds.len() + 1;
        let mut integers = Vec::new();
        if let Some((at, id)) = &filter.after {
            binds.push(id.hyphenated().to_string());
            let id_at = binds.len();
            next += 1;
            sql.push_str(&format!(
                " AND (created_at < ${next} OR (created_at = ${next} AND id < ${id_at}))"
            ));
            integers.push(*at);
            next += 1;
        }
        sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT ${next}"));
        integers.push(i64::from(limit) + 1);
        let mut query = sqlx::query(&sql);
        for value in binds {
            query = query.bind(value);
        }
        for value in integers {
            query = query.bind(value);
        }
        let found = query.fetch_all(&self.pool).await?;
        let more = found.len() > limit as usize;
        let items = found
            .iter()
            .take(limit as usize)
            .map(rows::work_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, more))
    }
}
