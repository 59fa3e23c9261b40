//! Rows to contract types and back. Enums are stored as their snake_case
//! wire names (`names::WireName`), empty strings as NULL, booleans as 0/1.

use sqlx::Row;
use sqlx::any::AnyRow;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationInfo, ConversationState, Customer, EndReason, Role,
    SupportMode,
};

use crate::domain::Record;
use crate::error::StoreError;

/// The `conversations` columns every query reads, in [`conversation`]'s
/// order. A macro so that `concat!` builds each SQL string at compile time.
macro_rules! conversation_columns {
    () => {
        "id, tenant, experience, widget, customer_key, customer_name, customer_email, \
         customer_signed_in, state, end_reason, support_mode, ai_agent, routed_space, \
         assignee, last_seq, created_at, end_command, ended_from, handoff_pending, last_activity, \
         active_since, inactivity_warned_at, summary, handoff_reason, assignee_name, transitions"
    };
}

/// The `messages` columns every query reads, in [`message`]'s order.
macro_rules! message_columns {
    () => {
        "conversation, seq, id, tenant, role, author_id, author_name, text, at, client_id, notice"
    };
}

/// `""` is stored as NULL so optional ids read back as absent, not as a
/// string that fails to parse.
pub(super) fn nullable(text: &str) -> Option<&str> {
    Some(text).filter(|t| !t.is_empty())
}

fn text(row: &AnyRow, column: &str) -> Result<String, StoreError> {
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .unwrap_or_default())
}

fn number(row: &AnyRow, column: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or_default())
}

fn unsigned(row: &AnyRow, column: &str) -> Result<u64, StoreError> {
    let value = number(row, column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} is negative: {value}")))
}

/// NULL is the enum's unspecified value; unknown text is corruption (a newer
/// writer, or a hand edit), reported rather than guessed.
fn wire<E: WireName + Default>(row: &AnyRow, column: &str) -> Result<E, StoreError> {
    match row.try_get::<Option<String>, _>(column)? {
        None => Ok(E::default()),
        Some(name) => E::from_wire_name(&name)
            .ok_or_else(|| StoreError::Corrupt(format!("{column} holds unknown value `{name}`"))),
    }
}

pub(super) fn conversation(row: &AnyRow) -> Result<ConversationInfo, StoreError> {
    let state: ConversationState = wire(row, "state")?;
    let end_reason: EndReason = wire(row, "end_reason")?;
    let support_mode: SupportMode = wire(row, "support_mode")?;
    Ok(ConversationInfo {
        id: text(row, "id")?,
        tenant: text(row, "tenant")?,
        experience: text(row, "experience")?,
        widget: text(row, "widget")?,
        customer: Some(Customer {
            key: text(row, "customer_key")?,
            name: text(row, "customer_name")?,
            email: text(row, "customer_email")?,
            signed_in: number(row, "customer_signed_in")? != 0,
        }),
        state: state as i32,
        end_reason: end_reason as i32,
        support_mode: support_mode as i32,
        ai_agent: text(row, "ai_agent")?,
        created_at_ms: number(row, "created_at")?,
        last_seq: unsigned(row, "last_seq")?,
        assignee: text(row, "assignee")?,
        routed_space: text(row, "routed_space")?,
        handoff_pending: number(row, "handoff_pending")? != 0,
        last_activity_ms: number(row, "last_activity")?,
        summary: text(row, "summary")?,
        handoff_reason: text(row, "handoff_reason")?,
        assignee_name: text(row, "assignee_name")?,
    })
}

/// The conversation with the owner's bookkeeping (see [`Record`]).
pub(super) fn record(row: &AnyRow) -> Result<Record, StoreError> {
    let end = end_record(row)?;
    Ok(Record {
        info: conversation(row)?,
        warned_at: number(row, "inactivity_warned_at")?,
        active_since: number(row, "active_since")?,
        transitions: unsigned(row, "transitions")?,
        end_command: end.command,
        ended_from: end.from,
    })
}

/// How a conversation ended, beyond what [`ConversationInfo`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EndRecord {
    pub command: String,
    pub from: ConversationState,
}

fn end_record(row: &AnyRow) -> Result<EndRecord, StoreError> {
    Ok(EndRecord {
        command: text(row, "end_command")?,
        from: wire(row, "ended_from")?,
    })
}

pub(super) fn message(row: &AnyRow) -> Result<ChatMessage, StoreError> {
    let role: Role = wire(row, "role")?;
    Ok(ChatMessage {
        id: text(row, "id")?,
        tenant: text(row, "tenant")?,
        conversation: text(row, "conversation")?,
        seq: unsigned(row, "seq")?,
        author: Some(Author {
            role: role as i32,
            id: text(row, "author_id")?,
            name: text(row, "author_name")?,
        }),
        text: text(row, "text")?,
        at_ms: number(row, "at")?,
        client_id: text(row, "client_id")?,
        notice: text(row, "notice")?,
    })
}

/// The stored name of an enum value; `None` (NULL) for unspecified.
pub(super) fn wire_name<E: WireName + Default + PartialEq>(value: E) -> Option<&'static str> {
    (value != E::default()).then(|| value.wire_name())
}
