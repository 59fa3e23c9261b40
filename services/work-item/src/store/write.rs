//! Writes. Each is one statement (or one short transaction) whose condition
//! makes it safe to repeat and to race:
//!
//! - creating inserts `ON CONFLICT (tenant, conversation) DO NOTHING`, so
//!   however many deliveries or instances race, a conversation gets one item
//!   and the first one stays;
//! - assigning and attaching touch only their own columns, so they commute
//!   with each other and with status changes;
//! - a status change is a compare-and-set on the status it was decided from.

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{ChatMessage, WorkItem};
use uuid::Uuid;

use super::Store;
use super::rows::{self, nullable};
use crate::domain::{NewWorkItem, Status};
use crate::error::StoreError;

/// The result of [`Store::create`].
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The conversation's item: the new one, or the one it already had.
    pub item: WorkItem,
    /// False when the conversation already had an item.
    pub new: bool,
}

impl Store {
    /// Creates the conversation's item, status `open`, unless it has one.
    pub async fn create(&self, new: &NewWorkItem) -> Result<Created, StoreError> {
        let turn = self.writes.enter().await;
        let inserted = sqlx::query(
            "INSERT INTO work_items (id, tenant, space, conversation, status, summary, \
             description, reporter_key, reporter_name, reporter_email, reporter_signed_in, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
             ON CONFLICT (tenant, conversation) DO NOTHING RETURNING id",
        )
        .bind(Uuid::now_v7().hyphenated().to_string())
        .bind(new.tenant.to_string())
        .bind(new.space.to_string())
        .bind(new.conversation.to_string())
        .bind(Status::Open.as_str())
        .bind(new.summary.clone())
        .bind(new.description.clone())
        .bind(nullable(&new.reporter.key))
        .bind(nullable(&new.reporter.name))
        .bind(nullable(&new.reporter.email))
        .bind(i64::from(new.reporter.signed_in))
        .bind(new.at_ms)
        .fetch_optional(&self.pool)
        .await?;
        drop(turn);
        let item = self
            .by_conversation(new.tenant, new.conversation)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt("the item just created or found is not there".into())
            })?;
        Ok(Created {
            item,
            new: inserted.is_some(),
        })
    }

    /// Records the agent who accepted the conversation. False when the
    /// conversation has no item.
    pub async fn assign(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        agent: &str,
        agent_name: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let turn = self.writes.enter().await;
        let done = sqlx::query(
            "UPDATE work_items SET assignee = $3, assignee_name = $4, updated_at = $5 \
             WHERE tenant = $1 AND conversation = $2",
        )
        .bind(tenant.to_string())
        .bind(conversation.to_string())
        .bind(nullable(agent))
        .bind(nullable(agent_name))
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        drop(turn);
        Ok(done.rows_affected() > 0)
    }

    /// Attaches the conversation's full thread, replacing any earlier copy
    /// (a redelivered end attaches the same thread again). False when the
    /// conversation has no item.
    pub async fn attach(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        thread: &[ChatMessage],
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let turn = self.writes.enter().await;
        let done = sqlx::query(
            "UPDATE work_items SET transcript = $3, updated_at = $4 \
             WHERE tenant = $1 AND conversation = $2",
        )
        .bind(tenant.to_string())
        .bind(conversation.to_string())
        .bind(rows::encode_transcript(thread))
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        drop(turn);
        Ok(done.rows_affected() > 0)
    }

    /// Moves the item from `from` to `to` and records who did it, only if
    /// it is still in `from`. False when it is not (moved meanwhile, or
    /// gone): the caller reads it again and decides again.
    pub async fn set_status(
        &self,
        tenant: TenantId,
        id: Uuid,
        from: Status,
        to: Status,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let id = id.hyphenated().to_string();
        let turn = self.writes.enter().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE work_items SET status = $4, updated_at = $5 \
             WHERE id = $1 AND tenant = $2 AND status = $3",
        )
        .bind(id.clone())
        .bind(tenant.to_string())
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO work_item_changes (work_item, tenant, at, by_agent, from_status, \
             to_status) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(tenant.to_string())
        .bind(at_ms)
        .bind(nullable(by))
        .bind(from.as_str())
        .bind(to.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        drop(turn);
        Ok(true)
    }

    /// The recorded status changes of an item, oldest first: (by, from, to).
    pub async fn changes(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        use sqlx::Row;
        let found = sqlx::query(
            "SELECT by_agent, from_status, to_status FROM work_item_changes \
             WHERE work_item = $1 AND tenant = $2 ORDER BY at",
        )
        .bind(id.hyphenated().to_string())
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await?;
        found
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<Option<String>, _>("by_agent")?
                        .unwrap_or_default(),
                    row.try_get("from_status")?,
                    row.try_get("to_status")?,
                ))
            })
            .collect()
    }
}
