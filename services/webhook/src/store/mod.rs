//! The delivery log and the subscriptions' delivery state in SQL, one code
//! path for SQLite and PostgreSQL (`sqlx::Any`, `$n` placeholders, portable
//! migrations in `migrations/`).
//!
//! A delivery is one row per (event, subscription) whose id is the
//! `webhook-id`: recording it again (a redelivered event) changes nothing.
//! The worker takes only the head of each queue (one subscription, one
//! conversation) so deliveries of a conversation go out in order, and holds
//! a lease while it attempts one, so instances sharing the database never
//! attempt the same delivery at once and a crashed attempt is retried.

mod log;
mod rows;
mod states;

pub use log::{Page, decode_cursor};
pub use rows::{Due, NewDelivery};

use sqlx::AnyPool;

use crate::error::StoreError;

/// The webhook store. Cheap to clone (a pool handle).
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
        // Services may share one database; other services' migrations are
        // not ours to judge.
        migrator.set_ignore_missing(true);
        let pool = switchboard_db::connect(url, &migrator).await?;
        Ok(Self {
            pool,
            writes: switchboard_db::WriteGate::for_url(url),
        })
    }

    /// Whether the database answers now (for `/readyz`).
    pub async fn answers(&self) -> Result<(), String> {
        switchboard_db::answers(&self.pool).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Records a delivery to make; false when it was recorded before.
    pub async fn record(&self, new: &NewDelivery) -> Result<bool, StoreError> {
        let _turn = self.writes.enter().await;
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (id, tenant, subscription, ordering_key, event_type, \
             event_at_ms, source_seq, ordinal, payload, status, attempts, response_status, \
             response_excerpt, error, next_attempt_ms, lease_until_ms, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 0, '', '', 0, 0, $11, $11) \
             ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(new.id.clone())
        .bind(new.tenant.clone())
        .bind(new.subscription.clone())
        .bind(new.ordering_key.clone())
        .bind(new.event_type.to_owned())
        .bind(new.event_at_ms)
        .bind(new.source_seq)
        .bind(i64::from(new.ordinal))
        .bind(new.payload.clone())
        .bind(switchboard_contracts::webhooks::status::PENDING)
        .bind(new.created_at_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(inserted.is_some())
    }

    /// Up to `limit` deliveries due at `now_ms`: each the first undelivered
    /// one of its queue, not held by an attempt, of a subscription that is
    /// not paused.
    pub async fn due(&self, now_ms: i64, limit: u32) -> Result<Vec<Due>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.id, d.tenant, d.subscription, d.payload, d.attempts, d.event_type \
             FROM webhook_deliveries d \
             WHERE d.status <> 'delivered' AND d.next_attempt_ms <= $1 AND d.lease_until_ms <= $1 \
             AND NOT EXISTS (SELECT 1 FROM webhook_states s \
                 WHERE s.subscription = d.subscription AND s.paused = 1) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
                 WHERE e.subscription = d.subscription AND e.ordering_key = d.ordering_key \
                 AND e.status <> 'delivered' AND (e.event_at_ms < d.event_at_ms \
                   OR (e.event_at_ms = d.event_at_ms AND (e.source_seq < d.source_seq \
                     OR (e.source_seq = d.source_seq AND e.ordinal < d.ordinal))))) \
             ORDER BY d.event_at_ms, d.source_seq, d.ordinal LIMIT $2",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::due).collect()
    }

    /// Takes a delivery for one attempt until `until_ms`; false when another
    /// attempt holds it or it was delivered meanwhile.
    pub async fn claim(&self, id: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreError> {
        let turn = self.writes.enter().await;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET lease_until_ms = $3 \
             WHERE id = $1 AND lease_until_ms <= $2 AND status <> 'delivered'",
        )
        .bind(id.to_owned())
        .bind(now_ms)
        .bind(until_ms)
        .execute(&self.pool)
        .await?;
        drop(turn);
        Ok(done.rows_affected() == 1)
    }

    /// The attempt succeeded.
    pub async fn delivered(
        &self,
        id: &str,
        response_status: u16,
        excerpt: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let turn = self.writes.enter().await;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, \
             response_status = $2, response_excerpt = $3, error = '', next_attempt_ms = 0, \
             lease_until_ms = 0, updated_at_ms = $4 WHERE id = $1",
        )
        .bind(id.to_owned())
        .bind(i64::from(response_status))
        .bind(excerpt.to_owned())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        drop(turn);
        Ok(())
    }

    /// The attempt failed; it is tried again at `next_attempt_ms`.
    pub async fn failed(
        &self,
        id: &str,
        response_status: u16,
        excerpt: &str,
        error: &str,
        next_attempt_ms: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let turn = self.writes.enter().await;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, \
             response_status = $2, response_excerpt = $3, error = $4, next_attempt_ms = $5, \
             lease_until_ms = 0, updated_at_ms = $6 WHERE id = $1",
        )
        .bind(id.to_owned())
        .bind(i64::from(response_status))
        .bind(excerpt.to_owned())
        .bind(error.to_owned())
        .bind(next_attempt_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        drop(turn);
        Ok(())
    }

    /// Puts a delivery back untried until `next_attempt_ms` (its
    /// subscription is switched off or not known here yet).
    pub async fn postpone(&self, id: &str, next_attempt_ms: i64) -> Result<(), StoreError> {
        let turn = self.writes.enter().await;
        sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_ms = $2, lease_until_ms = 0 WHERE id = $1",
        )
        .bind(id.to_owned())
        .bind(next_attempt_ms)
        .execute(&self.pool)
        .await?;
        drop(turn);
        Ok(())
    }

    /// Forgets a deleted subscription: its deliveries and its state.
    pub async fn forget(&self, subscription: &str) -> Result<(), StoreError> {
        let turn = self.writes.enter().await;
        for table in ["webhook_deliveries", "webhook_states"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE subscription = $1"))
                .bind(subscription.to_owned())
                .execute(&self.pool)
                .await?;
        }
        drop(turn);
        Ok(())
    }
}
