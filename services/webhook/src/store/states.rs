//! The delivery state of each subscription: its run of consecutive
//! failures, and whether (and why) it is paused.

use switchboard_contracts::v1::WebhookState;

use super::{Store, rows};
use crate::error::StoreError;

const STATE_COLUMNS: &str =
    "subscription, consecutive_failures, paused, paused_reason, paused_at_ms, generation";

impl Store {
    /// The state of `subscription`; a fresh one when nothing was recorded.
    pub async fn state(&self, subscription: &str) -> Result<WebhookState, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM webhook_states WHERE subscription = $1"
        ))
        .bind(subscription.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => rows::state(&row),
            None => Ok(WebhookState {
                subscription: subscription.to_owned(),
                ..Default::default()
            }),
        }
    }

    /// The states of a tenant's subscriptions that have one.
    pub async fn states(&self, tenant: &str) -> Result<Vec<WebhookState>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM webhook_states WHERE tenant = $1"
        ))
        .bind(tenant.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::state).collect()
    }

    /// Every paused subscription with its tenant (the worker checks them
    /// for a resume).
    pub async fn paused(&self) -> Result<Vec<(String, WebhookState)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT tenant, {STATE_COLUMNS} FROM webhook_states WHERE paused = 1"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let tenant: String = sqlx::Row::try_get(row, "tenant")?;
                Ok((tenant, rows::state(row)?))
            })
            .collect()
    }

    /// Counts one more consecutive failure; the run's length after it.
    pub async fn add_failure(&self, tenant: &str, subscription: &str) -> Result<u32, StoreError> {
        let _turn = self.writes.enter().await;
        let row = sqlx::query(
            "INSERT INTO webhook_states (subscription, tenant, consecutive_failures, paused, \
             paused_reason, paused_at_ms, generation) VALUES ($1, $2, 1, 0, '', 0, 0) \
             ON CONFLICT (subscription) DO UPDATE \
             SET consecutive_failures = webhook_states.consecutive_failures + 1 \
             RETURNING consecutive_failures",
        )
        .bind(subscription.to_owned())
        .bind(tenant.to_owned())
        .fetch_one(&self.pool)
        .await?;
        let count: i64 = sqlx::Row::try_get(&row, "consecutive_failures")?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// A delivery went through: the run of failures ends.
    pub async fn reset_failures(&self, subscription: &str) -> Result<(), StoreError> {
        let _turn = self.writes.enter().await;
        sqlx::query(
            "UPDATE webhook_states SET consecutive_failures = 0 \
             WHERE subscription = $1 AND consecutive_failures <> 0",
        )
        .bind(subscription.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Pauses a subscription at `generation`: its deliveries wait.
    pub async fn pause(
        &self,
        subscription: &str,
        reason: &str,
        at_ms: i64,
        generation: u64,
    ) -> Result<(), StoreError> {
        let _turn = self.writes.enter().await;
        sqlx::query(
            "UPDATE webhook_states SET paused = 1, paused_reason = $2, paused_at_ms = $3, \
             generation = $4 WHERE subscription = $1",
        )
        .bind(subscription.to_owned())
        .bind(reason.to_owned())
        .bind(at_ms)
        .bind(i64::try_from(generation).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An admin resumed the subscription (its generation rose): the run of
    /// failures starts again and its waiting deliveries are due now.
    pub async fn resume(&self, subscription: &str) -> Result<(), StoreError> {
        let _turn = self.writes.enter().await;
        sqlx::query(
            "UPDATE webhook_states SET paused = 0, paused_reason = '', consecutive_failures = 0 \
             WHERE subscription = $1",
        )
        .bind(subscription.to_owned())
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_ms = 0 \
             WHERE subscription = $1 AND status <> 'delivered'",
        )
        .bind(subscription.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
