//! Rows in and out: what a new delivery records and what the worker reads.

use sqlx::Row;
use sqlx::any::AnyRow;
use switchboard_contracts::v1::{WebhookDelivery, WebhookState};

use crate::error::StoreError;

/// A delivery to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// The `webhook-id`.
    pub id: String,
    pub tenant: String,
    pub subscription: String,
    pub ordering_key: String,
    pub event_type: &'static str,
    pub event_at_ms: i64,
    pub source_seq: i64,
    pub ordinal: u32,
    pub payload: String,
    pub created_at_ms: i64,
}

/// A delivery the worker may attempt now.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub id: String,
    pub tenant: String,
    pub subscription: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub event_type: String,
}

fn corrupt(what: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn count(row: &AnyRow, column: &str) -> Result<u32, StoreError> {
    let value: i64 = row.try_get(column).map_err(corrupt(column))?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column}: {value}")))
}

pub fn due(row: &AnyRow) -> Result<Due, StoreError> {
    Ok(Due {
        id: row.try_get("id").map_err(corrupt("id"))?,
        tenant: row.try_get("tenant").map_err(corrupt("tenant"))?,
        subscription: row
            .try_get("subscription")
            .map_err(corrupt("subscription"))?,
        payload: row.try_get("payload").map_err(corrupt("payload"))?,
        attempts: count(row, "attempts")?,
        event_type: row.try_get("event_type").map_err(corrupt("event_type"))?,
    })
}

/// The columns [`delivery`] reads.
pub const DELIVERY_COLUMNS: &str = "id, subscription, event_type, status, attempts, \
    response_status, response_excerpt, error, ordering_key, created_at_ms, updated_at_ms, \
    next_attempt_ms";

pub fn delivery(row: &AnyRow) -> Result<WebhookDelivery, StoreError> {
    Ok(WebhookDelivery {
        id: row.try_get("id").map_err(corrupt("id"))?,
        subscription: row
            .try_get("subscription")
            .map_err(corrupt("subscription"))?,
        event_type: row.try_get("event_type").map_err(corrupt("event_type"))?,
        status: row.try_get("status").map_err(corrupt("status"))?,
        attempts: count(row, "attempts")?,
        response_status: count(row, "response_status")?,
        response_excerpt: row
            .try_get("response_excerpt")
            .map_err(corrupt("response_excerpt"))?,
        error: row.try_get("error").map_err(corrupt("error"))?,
        conversation: row
            .try_get("ordering_key")
            .map_err(corrupt("ordering_key"))?,
        created_at_ms: row
            .try_get("created_at_ms")
            .map_err(corrupt("created_at_ms"))?,
        updated_at_ms: row
            .try_get("updated_at_ms")
            .map_err(corrupt("updated_at_ms"))?,
        next_attempt_at_ms: row
            .try_get("next_attempt_ms")
            .map_err(corrupt("next_attempt_ms"))?,
    })
}

pub fn state(row: &AnyRow) -> Result<WebhookState, StoreError> {
    let paused: i64 = row.try_get("paused").map_err(corrupt("paused"))?;
    let generation: i64 = row.try_get("generation").map_err(corrupt("generation"))?;
    Ok(WebhookState {
        subscription: row
            .try_get("subscription")
            .map_err(corrupt("subscription"))?,
        paused: paused != 0,
        paused_reason: row
            .try_get("paused_reason")
            .map_err(corrupt("paused_reason"))?,
        paused_at_ms: row
            .try_get("paused_at_ms")
            .map_err(corrupt("paused_at_ms"))?,
        generation: u64::try_from(generation).unwrap_or_default(),
        consecutive_failures: count(row, "consecutive_failures")?,
    })
}
