//! Ending a conversation: one conditional UPDATE, so exactly one end wins
//! however many race, and the state it ended from is captured atomically
//! (`ended_from = state` reads the row's old value in SQLite and PostgreSQL).

use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{ConversationInfo, ConversationState, EndReason};

use super::Store;
use super::rows;
use crate::error::{Refusal, StoreError};

/// The result of [`Store::end`].
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// This command ended the conversation, from the given state.
    Changed(ConversationState, ConversationInfo),
    /// This same command ended it before (a redelivery after a crash between
    /// the commit and the event): the identical event is due again.
    Repeated(ConversationState, ConversationInfo),
    /// Something else ended it first; nothing changed.
    AlreadyEnded(ConversationInfo),
}

impl Store {
    /// Ends the conversation with `reason`, recording `command_id` as the
    /// command that did it. Refuses with [`Refusal::ConversationNotFound`]
    /// when it does not exist for `tenant`.
    pub async fn end(
        &self,
        tenant: TenantId,
        id: ConversationId,
        reason: EndReason,
        command_id: &str,
        at_ms: i64,
    ) -> Result<Ended, StoreError> {
        let changed = sqlx::query(concat!(
            "UPDATE conversations SET ended_from = state, state = 'ended', end_reason = $3,",
            " end_command = $4, updated_at = $5",
            " WHERE id = $1 AND tenant = $2 AND state <> 'ended' RETURNING ",
            conversation_columns!()
        ))
        .bind(id.to_string())
        .bind(tenant.to_string())
        .bind(reason.wire_name())
        .bind(command_id.to_owned())
        .bind(at_ms)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = changed {
            let from = rows::end_record(&row)?.from;
            return Ok(Ended::Changed(from, rows::conversation(&row)?));
        }

        let row = sqlx::query(concat!(
            "SELECT ",
            conversation_columns!(),
            " FROM conversations WHERE id = $1 AND tenant = $2"
        ))
        .bind(id.to_string())
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Err(Refusal::ConversationNotFound.into());
        };
        let info = rows::conversation(&row)?;
        let record = rows::end_record(&row)?;
        if !command_id.is_empty() && record.command == command_id {
            Ok(Ended::Repeated(record.from, info))
        } else {
            Ok(Ended::AlreadyEnded(info))
        }
    }
}
