//! The `command_outcomes` table: what each state-changing command published,
//! written in the transaction that applied it, so a redelivery republishes
//! exactly those events (same ids, same bytes) however the conversation has
//! moved on since. The events are stored as text — one line per event,
//! `{msg_id} {hex of the ConversationEvent}` — because TEXT is the one
//! column type SQLite and PostgreSQL spell alike.

use prost::Message;
use sqlx::{Any, Row, Transaction};
use switchboard_contracts::v1::ConversationEvent;

use crate::error::StoreError;
use crate::events::Publication;

/// The publications an earlier delivery of `command_id` recorded, if any.
pub(super) async fn find(
    tx: &mut Transaction<'static, Any>,
    conversation: &str,
    command_id: &str,
) -> Result<Option<Vec<Publication>>, StoreError> {
    let row = sqlx::query(
        "SELECT events FROM command_outcomes WHERE conversation = $1 AND command_id = $2",
    )
    .bind(conversation.to_owned())
    .bind(command_id.to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| decode(&row.try_get::<String, _>("events")?))
        .transpose()
}

/// Records what `command_id` published (possibly nothing).
pub(super) async fn record(
    tx: &mut Transaction<'static, Any>,
    conversation: &str,
    command_id: &str,
    publications: &[Publication],
    at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO command_outcomes (conversation, command_id, events, at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(conversation.to_owned())
    .bind(command_id.to_owned())
    .bind(encode(publications))
    .bind(at_ms)
    .execute(&mut **tx)
    .await?;
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
