//! Reading the delivery log: one subscription's deliveries, newest first,
//! a page at a time. The cursor is opaque to callers: the position after
//! the page's last row (`{created_at_ms}.{id}`, base64url).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use switchboard_contracts::v1::WebhookDelivery;

use super::Store;
use super::rows::{self, DELIVERY_COLUMNS};
use crate::error::StoreError;

/// One page of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub deliveries: Vec<WebhookDelivery>,
    /// Empty on the last page.
    pub next_cursor: String,
}

/// The position a cursor names; `None` for one this service did not write.
pub fn decode_cursor(cursor: &str) -> Option<(i64, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (at, id) = text.split_once('.')?;
    Some((at.parse().ok()?, id.to_owned()))
}

fn encode_cursor(at_ms: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at_ms}.{id}"))
}

impl Store {
    /// Up to `limit` deliveries of `subscription` (of `tenant`), newest
    /// first, after `after` (a decoded cursor).
    pub async fn page(
        &self,
        tenant: &str,
        subscription: &str,
        limit: u32,
        after: Option<(i64, String)>,
    ) -> Result<Page, StoreError> {
        let (at, id) = after.unwrap_or((i64::MAX, String::new()));
        // One more row than asked says whether another page follows.
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
             WHERE tenant = $1 AND subscription = $2 \
             AND (created_at_ms < $3 OR (created_at_ms = $3 AND id < $4)) \
             ORDER BY created_at_ms DESC, id DESC LIMIT $5"
        ))
        .bind(tenant.to_owned())
        .bind(subscription.to_owned())
        .bind(at)
        .bind(id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut deliveries = rows
            .iter()
            .map(rows::delivery)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if deliveries.len() > limit as usize {
            deliveries.truncate(limit as usize);
            deliveries
                .last()
                .map(|last| encode_cursor(last.created_at_ms, &last.id))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Page {
            deliveries,
            next_cursor,
        })
    }
}
