//! Rows to contract types and back. Empty strings are stored as NULL, the
//! status as its wire name, and the attached transcript as a JSON array of
//! message objects (readable with any SQL client, portable across SQLite and
//! PostgreSQL as plain TEXT).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{Author, ChatMessage, Customer, Role, WorkItem};

use crate::domain::Status;
use crate::error::StoreError;

/// The `work_items` columns every query reads, in [`work_item`]'s order. A
/// macro so that `concat!` builds each SQL string at compile time.
macro_rules! item_columns {
    () => {
        "id, tenant, space, conversation, status, summary, description, reporter_key, \
         reporter_name, reporter_email, reporter_signed_in, assignee, assignee_name, \
         transcript, created_at, updated_at"
    };
}

/// `""` is stored as NULL so absent values read back as absent.
pub(super) fn nullable(text: &str) -> Option<String> {
    Some(text).filter(|t| !t.is_empty()).map(str::to_owned)
}

fn text(row: &AnyRow, column: &str) -> Result<String, StoreError> {
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .unwrap_or_default())
}

fn number(row: &AnyRow, column: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or_default())
}

pub(super) fn status(row: &AnyRow) -> Result<Status, StoreError> {
    let name = text(row, "status")?;
    Status::parse("status", &name)
        .map_err(|_| StoreError::Corrupt(format!("status holds unknown value `{name}`")))
}

pub(super) fn work_item(row: &AnyRow) -> Result<WorkItem, StoreError> {
    let mut item = WorkItem {
        id: text(row, "id")?,
        tenant: text(row, "tenant")?,
        space: text(row, "space")?,
        conversation: text(row, "conversation")?,
        status: status(row)?.as_str().to_owned(),
        summary: text(row, "summary")?,
        description: text(row, "description")?,
        reporter: Some(Customer {
            key: text(row, "reporter_key")?,
            name: text(row, "reporter_name")?,
            email: text(row, "reporter_email")?,
            signed_in: number(row, "reporter_signed_in")? != 0,
        }),
        assignee: text(row, "assignee")?,
        assignee_name: text(row, "assignee_name")?,
        transcript: Vec::new(),
        created_at_ms: number(row, "created_at")?,
        updated_at_ms: number(row, "updated_at")?,
    };
    let transcript = text(row, "transcript")?;
    if !transcript.is_empty() {
        item.transcript = decode_transcript(&transcript, &item)?;
    }
    Ok(item)
}

/// One message as stored in the `transcript` column. Tenant and
/// conversation are the item's own, so they are not repeated.
#[derive(Debug, Serialize, Deserialize)]
struct StoredMessage {
    id: String,
    seq: u64,
    role: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    author_id: String,
    #[serde(default)]
    author_name: String,
    text: String,
    at_ms: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    client_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notice: String,
}

pub(super) fn encode_transcript(messages: &[ChatMessage]) -> String {
    let stored: Vec<StoredMessage> = messages
        .iter()
        .map(|m| {
            let author = m.author.clone().unwrap_or_default();
            StoredMessage {
                id: m.id.clone(),
                seq: m.seq,
                role: author.role().wire_name().to_owned(),
                author_id: author.id,
                author_name: author.name,
                text: m.text.clone(),
                at_ms: m.at_ms,
                client_id: m.client_id.clone(),
                notice: m.notice.clone(),
            }
        })
        .collect();
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

fn decode_transcript(json: &str, item: &WorkItem) -> Result<Vec<ChatMessage>, StoreError> {
    let stored: Vec<StoredMessage> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("transcript of item {}: {e}", item.id)))?;
    Ok(stored
        .into_iter()
        .map(|m| ChatMessage {
            id: m.id,
            tenant: item.tenant.clone(),
            conversation: item.conversation.clone(),
            seq: m.seq,
            author: Some(Author {
                role: Role::from_wire_name(&m.role).unwrap_or_default() as i32,
                id: m.author_id,
                name: m.author_name,
            }),
            text: m.text,
            at_ms: m.at_ms,
            client_id: m.client_id,
            notice: m.notice,
        })
        .collect())
}
