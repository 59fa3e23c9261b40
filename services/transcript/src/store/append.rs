//! What appending a message produces ([`Appended`]) and what it shares with
//! the other writers: the first statement that locks and reads the
//! conversations ([`lock`]), and the INSERT of the conversations opened by
//! their first posts. The batch that uses them is in `batch.rs`; the state
//! changes' batch is in `apply.rs`.
//!
//! Why a writer's first statement writes: on SQLite that takes the
//! database's write lock before anything is read, so two writers never both
//! hold a read snapshot and then deadlock upgrading it; on PostgreSQL it
//! row-locks the conversation, so concurrent writers to one conversation
//! queue behind each other. Either way `last_seq + 1` is computed by one
//! writer at a time: seqs are unique and gap-free.

use std::collections::HashSet;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{
    ChatMessage, ConversationInfo, ConversationStart, ConversationState,
};
use switchboard_db::Placeholders;

use super::rows::{nullable, wire_name};
use crate::domain::{NewMessage, inactivity};
use crate::error::StoreError;

/// Locks conversations `ids` with a no-op write (see the module comment) and
/// reads them: each row found, with its id.
pub(super) async fn lock(
    conn: &mut AnyConnection,
    ids: &[ConversationId],
) -> Result<Vec<(ConversationId, AnyRow)>, StoreError> {
    let mut params = Placeholders::for_connection(conn);
    let sql = format!(
        "UPDATE{} conversations SET last_seq = last_seq WHERE id IN ({}) RETURNING {}",
        switchboard_db::or_fail(conn),
        params.list(ids.len()),
        conversation_columns!()
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id.to_string());
    }
    let mut locked = Vec::with_capacity(ids.len());
    for row in query.fetch_all(&mut *conn).await? {
        let id: String = row.try_get("id")?;
        if let Ok(id) = id.parse::<ConversationId>() {
            locked.push((id, row));
        }
    }
    Ok(locked)
}

/// The handoff reason of a conversation that opens in the team's queue.
pub const SUPPORT_TEAM_REASON: &str = "support_team";

/// The result of [`crate::store::Store::append`]: the stored message and the
/// conversation as it stands after it.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    /// Stored now, with a new seq.
    New(ChatMessage, ConversationInfo),
    /// Stored earlier by a post with the same client id; nothing changed.
    Duplicate(ChatMessage, ConversationInfo),
}

impl Appended {
    pub fn message(&self) -> &ChatMessage {
        match self {
            Appended::New(message, _) | Appended::Duplicate(message, _) => message,
        }
    }

    pub fn info(&self) -> &ConversationInfo {
        match self {
            Appended::New(_, info) | Appended::Duplicate(_, info) => info,
        }
    }

    /// True when this message opened its conversation. A conversation is only
    /// ever created together with its first message, so seq 1 is the opening
    /// post — on a duplicate too, which is what lets a redelivered first post
    /// publish the opening event its crashed first attempt may have missed.
    pub fn opened_conversation(&self) -> bool {
        self.message().seq == 1
    }
}

/// Creates the conversations of `openings` (each with the post that opens
/// it) that do not exist, in one statement, and returns those created now.
/// `ON CONFLICT DO NOTHING` keeps an existing row (of this tenant or, refused
/// later, another's) untouched. A conversation that opens `queued`
/// (support_team) is handed to the team by its first message: that message
/// is its summary.
pub(super) async fn insert_conversations(
    conn: &mut AnyConnection,
    openings: &[(&NewMessage, &ConversationStart)],
) -> Result<HashSet<ConversationId>, StoreError> {
    const COLUMNS: usize = 20;
    let mut created = HashSet::new();
    if openings.is_empty() {
        return Ok(created);
    }
    let mut params = Placeholders::for_connection(conn);
    let values = params.rows(openings.len(), COLUMNS);
    let sql = format!(
        "INSERT INTO conversations (id, tenant, experience, widget, customer_key, customer_name, \
         customer_email, customer_signed_in, state, support_mode, ai_agent, routed_space, \
         created_at, updated_at, summary, handoff_reason, active_since, last_seq, transitions, \
         handoff_pending) VALUES {values} ON CONFLICT (id) DO NOTHING RETURNING id"
    );
    let mut query = sqlx::query(&sql);
    for (post, start) in openings {
        let customer = start.customer.clone().unwrap_or_default();
        let state = start.initial_state();
        let (summary, handoff_reason) = if state == ConversationState::Queued {
            (Some(post.text.trim().to_owned()), Some(SUPPORT_TEAM_REASON))
        } else {
            (None, None)
        };
        let active_since = inactivity::watched(state).then_some(post.at_ms);
        query = query
            .bind(post.conversation.to_string())
            .bind(post.tenant.to_string())
            .bind(nullable(&start.experience).map(str::to_owned))
            .bind(nullable(&start.widget).map(str::to_owned))
            .bind(nullable(&customer.key).map(str::to_owned))
            .bind(nullable(&customer.name).map(str::to_owned))
            .bind(nullable(&customer.email).map(str::to_owned))
            .bind(i64::from(customer.signed_in))
            .bind(state.wire_name())
            .bind(wire_name(start.support_mode()))
            .bind(nullable(&start.ai_agent).map(str::to_owned))
            .bind(nullable(&start.routed_space).map(str::to_owned))
            .bind(post.at_ms)
            .bind(post.at_ms)
            .bind(summary)
            .bind(handoff_reason)
            .bind(active_since)
            // last_seq, transitions, handoff_pending: none yet.
            .bind(0_i64)
            .bind(0_i64)
            .bind(0_i64);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let id: String = row.try_get("id")?;
        if let Ok(id) = id.parse() {
            created.insert(id);
        }
    }
    Ok(created)
}
