//! The `command_outcomes` table: what each state-changing command published,
//! written in the transaction that applied it, so a redelivery republishes
//! exactly those events (same ids, same bytes) however the conversation has
//! moved on since. The events are stored as text — one line per event,
//! `{msg_id} {hex of the ConversationEvent}` — because TEXT is the one
//! column type SQLite and PostgreSQL spell alike.

use std::collections::{HashMap, HashSet};

use prost::Message;
use sqlx::{AnyConnection, Row};
use switchboard_contracts::v1::ConversationEvent;
use switchboard_db::Placeholders;

use super::distinct;
use crate::error::StoreError;
use crate::events::Publication;

/// Rows per INSERT: 4 parameters each, far below either database's limit.
const ROWS_PER_INSERT: usize = 512;

/// A command whose outcome is looked up or recorded: its conversation and
/// its id.
pub(super) type Key = (String, String);

/// The publications earlier deliveries recorded for any of `keys`, in one
/// SELECT (conversations and ids as two lists; pairs outside `keys` are
/// dropped).
pub(super) async fn find_all(
    conn: &mut AnyConnection,
    keys: &[Key],
) -> Result<HashMap<Key, Vec<Publication>>, StoreError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: HashSet<&Key> = keys.iter().collect();
    let conversations: Vec<&String> = distinct(keys.iter().map(|(c, _)| c));
    let ids: Vec<&String> = distinct(keys.iter().map(|(_, id)| id));
    let mut params = Placeholders::for_connection(conn);
    let sql = format!(
        "SELECT conversation, command_id, events FROM command_outcomes \
         WHERE conversation IN ({}) AND command_id IN ({})",
        params.list(conversations.len()),
        params.list(ids.len())
    );
    let mut query = sqlx::query(&sql);
    for value in conversations.into_iter().chain(ids) {
        query = query.bind(value.clone());
    }
    let mut found = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        let key: Key = (row.try_get("conversation")?, row.try_get("command_id")?);
        if wanted.contains(&key) {
            let publications = decode(&row.try_get::<String, _>("events")?)?;
            found.insert(key, publications);
        }
    }
    Ok(found)
}

/// One command's outcome to record.
pub(super) struct Outcome {
    pub key: Key,
    pub publications: Vec<Publication>,
    pub at_ms: i64,
}

/// Records what each command published (possibly nothing), in multi-row
/// INSERTs.
pub(super) async fn record_all(
    conn: &mut AnyConnection,
    outcomes: &[Outcome],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 4;
    for chunk in outcomes.chunks(ROWS_PER_INSERT) {
        let mut params = Placeholders::for_connection(conn);
        let sql = format!(
            "INSERT{} INTO command_outcomes (conversation, command_id, events, at) VALUES {}",
            switchboard_db::or_fail(conn),
            params.rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for outcome in chunk {
            query = query
                .bind(outcome.key.0.clone())
                .bind(outcome.key.1.clone())
                .bind(encode(&outcome.publications))
                .bind(outcome.at_ms);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn encode(publications: &[Publication]) -> String {
    let mut text = String::new();
    for publication in publications {
        text.push_str(&publication.msg_id);
        text.push(' ');
        for byte in publication.event.encode_to_vec() {
            text.push_str(&format!("{byte:02x}"));
        }
        text.push('\n');
    }
    text
}

fn decode(text: &str) -> Result<Vec<Publication>, StoreError> {
    let corrupt = |why: &str| StoreError::Corrupt(format!("command outcome: {why}"));
    text.lines()
        .map(|line| {
            let (msg_id, hex) = line
                .split_once(' ')
                .ok_or_else(|| corrupt("no message id"))?;
            let bytes = unhex(hex).ok_or_else(|| corrupt("bad hex"))?;
            let event = ConversationEvent::decode(bytes.as_slice())
                .map_err(|e| corrupt(&format!("undecodable event: {e}")))?;
            Ok(Publication {
                msg_id: msg_id.to_owned(),
                event,
            })
        })
        .collect()
}

fn unhex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publications_survive_the_round_trip_byte_for_byte() {
        let publications = vec![
            Publication {
                msg_id: "msg:1".into(),
                event: ConversationEvent {
                    tenant: "t".into(),
                    conversation: "c".into(),
                    at_ms: 42,
                    ..Default::default()
                },
            },
            Publication {
                msg_id: "handoff:c:1".into(),
                event: ConversationEvent::default(),
            },
        ];
        assert_eq!(decode(&encode(&publications)).unwrap(), publications);
        assert_eq!(decode("").unwrap(), Vec::new());
        assert!(decode("id zz").is_err());
        assert!(decode("no-space").is_err());
    }
}
