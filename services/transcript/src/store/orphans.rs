//! Open conversations by the records they refer to, for ending those whose
//! record was deleted (`domain::orphans`). Every query repeats the
//! predicate `state <> 'ended'` of the partial indexes in
//! `migrations/20251203000200_transcript_orphans.sql`, so it reads open
//! conversations only, through an index, never the table's history.

use sqlx::Row;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::names::WireName;

use super::Store;
use crate::domain::orphans::{Kind, Reference};
use crate::error::StoreError;

/// The most conversations one [`Store::open_referencing`] page returns.
pub const ORPHAN_PAGE: u32 = 500;

/// An open conversation found by what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referencing {
    pub id: ConversationId,
    /// Its experience (whose fallback message it is told); empty if none.
    pub experience: String,
}

/// The column that holds a reference of `kind`.
fn column(kind: Kind) -> &'static str {
    match kind {
        Kind::Experience => "experience",
        Kind::Widget => "widget",
        Kind::AiAgent => "ai_agent",
        Kind::Space => "routed_space",
        Kind::Agent => "assignee",
    }
}

/// `state <> 'ended' AND state IN (…)`: the partial indexes' predicate, then
/// the states in which a conversation depends on a record of `kind`.
fn open_in_states(kind: Kind) -> String {
    let states: Vec<String> = kind
        .states()
        .iter()
        .map(|state| format!("'{}'", state.wire_name()))
        .collect();
    format!("state <> 'ended' AND state IN ({})", states.join(", "))
}

/// The SQL of [`Store::open_referencing`] (the tests check its plan).
pub(super) fn referencing_sql(kind: Kind) -> String {
    format!(
        "SELECT id, experience FROM conversations WHERE tenant = $1 AND {column} = $2 \
         AND {open} AND id > $3 ORDER BY id LIMIT $4",
        column = column(kind),
        open = open_in_states(kind),
    )
}

/// The SQL of [`Store::referenced`].
pub(super) fn referenced_sql(kind: Kind) -> String {
    format!(
        "SELECT DISTINCT tenant, {column} AS referenced FROM conversations \
         WHERE {open} AND {column} IS NOT NULL",
        column = column(kind),
        open = open_in_states(kind),
    )
}

impl Store {
    /// `tenant`'s conversations that depend on `reference` now (by the
    /// state rules of `domain::orphans`), in id order after `after` (`""`
    /// for the first page), at most `limit` ([`ORPHAN_PAGE`] when 0 or more).
    pub async fn open_referencing(
        &self,
        tenant: TenantId,
        reference: &Reference,
        after: &str,
        limit: u32,
    ) -> Result<Vec<Referencing>, StoreError> {
        let limit = match limit {
            0 => ORPHAN_PAGE,
            n => n.min(ORPHAN_PAGE),
        };
        let rows = sqlx::query(&referencing_sql(reference.kind))
            .bind(tenant.to_string())
            .bind(reference.id.clone())
            .bind(after.to_owned())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                Ok(Referencing {
                    id: id
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("conversation id `{id}`")))?,
                    experience: row
                        .try_get::<Option<String>, _>("experience")?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Every record of `kind` that some open conversation depends on, with
    /// its tenant: what a sweep at start checks against the configuration.
    /// One pass over the open conversations (the partial index), never the
    /// ended ones.
    pub async fn referenced(&self, kind: Kind) -> Result<Vec<(TenantId, Reference)>, StoreError> {
        let rows = sqlx::query(&referenced_sql(kind))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let tenant: String = row.try_get("tenant")?;
                let tenant = tenant
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("tenant id `{tenant}`")))?;
                let id: String = row.try_get("referenced")?;
                Ok((tenant, Reference::new(kind, id)))
            })
            .collect()
    }
}
