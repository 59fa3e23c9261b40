//! Storing a batch of posts in ONE transaction with a handful of statements,
//! whatever its size: lock and read the batch's conversations (one UPDATE …
//! RETURNING), open those that do not exist yet from the first post carrying
//! their start (one multi-row INSERT, then the same UPDATE for them), find
//! the keys stored before (one SELECT), let [`domain::batch::decide`] assign
//! seqs in memory, insert the new messages (one multi-row INSERT) and move
//! each conversation's `last_seq` (one UPDATE). Posts to conversations that
//! exist cost no statement of their own, start or not.
//!
//! The first statements write, for the reason `append.rs` gives: SQLite's
//! write lock is taken before anything is read, and on PostgreSQL the
//! conversations stay row-locked until the commit, so no other writer moves
//! a `last_seq` between the read and the update: seqs stay unique and
//! gap-free. Every caller gets its result only after the commit.
//!
//! These statements carry hundreds of parameters, so they take them from
//! [`Placeholders`]: anonymous `?` on SQLite, where named ones would make a
//! batch's INSERT quadratic in its rows.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{ChatMessage, ConversationInfo, ConversationStart, Role};
use switchboard_db::Placeholders;

use super::append::{self, Appended, insert_conversations};
use super::rows::{self, nullable};
use super::{Store, distinct};
use crate::domain::NewMessage;
use crate::domain::batch::{self, Decision, Key, Known};
use crate::error::StoreError;

/// Rows per INSERT: 12 parameters each keeps a statement far below
/// SQLite's and PostgreSQL's parameter limits.
pub(super) const ROWS_PER_INSERT: usize = 256;

/// One result per post, in order; `Err` of the whole is a failed transaction
/// (nothing stored).
pub type BatchResult = Result<Vec<Result<Appended, StoreError>>, StoreError>;

impl Store {
    /// Stores `posts` in order in one transaction on the writer's connection
    /// (see the module comment). A post refused or in a conversation whose
    /// row cannot be read gets its own error; the others are stored.
    pub async fn append_batch(&self, posts: &[NewMessage]) -> BatchResult {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let _turn = self.writes.enter().await;
        let mut writer = self.writer.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *writer).await?;
        let mut known = Known::default();
        let mut corrupt = HashMap::new();
        lock_conversations(
            &mut tx,
            &distinct(posts.iter().map(|post| post.conversation)),
            &mut known,
            &mut corrupt,
        )
        .await?;
        let openings = openings(posts, &known, &corrupt);
        if !openings.is_empty() {
            known.created = insert_conversations(&mut tx, &openings).await?;
            let opened: Vec<ConversationId> =
                openings.iter().map(|(p, _)| p.conversation).collect();
            lock_conversations(&mut tx, &opened, &mut known, &mut corrupt).await?;
        }
        stored_keys(&mut tx, posts, &mut known, &mut corrupt).await?;
        for id in corrupt.keys() {
            known.conversations.remove(id);
        }
        let decisions = batch::decide(posts, known);

        let new: Vec<(&ChatMessage, Option<&str>)> = posts
            .iter()
            .zip(&decisions)
            .filter_map(|(post, decision)| match decision {
                Decision::New(message, _) => Some((message, command_key(post))),
                _ => None,
            })
            .collect();
        for rows in new.chunks(ROWS_PER_INSERT) {
            insert_messages(&mut tx, rows).await?;
        }
        update_conversations(&mut tx, posts, &decisions).await?;
        tx.commit().await?;

        Ok(posts
            .iter()
            .zip(decisions)
            .map(|(post, decision)| match corrupt.get(&post.conversation) {
                Some(reason) => Err(StoreError::Corrupt(reason.clone())),
                None => match decision {
                    Decision::New(message, info) => Ok(Appended::New(message, info)),
                    Decision::Duplicate(message, info) => Ok(Appended::Duplicate(message, info)),
                    Decision::Refused(refusal) => Err(refusal.into()),
                },
            })
            .collect())
    }
}

/// The command that posted a message without a client id, kept as its key.
fn command_key(post: &NewMessage) -> Option<&str> {
    match Key::of(post) {
        Some(Key::Command(_)) => Some(post.command_id.as_str()),
        _ => None,
    }
}

/// The first post carrying a start of each conversation not stored yet:
/// the posts whose start opens a conversation.
fn openings<'a>(
    posts: &'a [NewMessage],
    known: &Known,
    corrupt: &HashMap<ConversationId, String>,
) -> Vec<(&'a NewMessage, &'a ConversationStart)> {
    let mut seen = HashSet::new();
    posts
        .iter()
        .filter_map(|post| Some((post, post.start.as_ref()?)))
        .filter(|(post, _)| {
            !known.conversations.contains_key(&post.conversation)
                && !corrupt.contains_key(&post.conversation)
                && seen.insert(post.conversation)
        })
        .collect()
}

/// Locks conversations `ids` and reads them into `known` (or `corrupt`).
async fn lock_conversations(
    conn: &mut AnyConnection,
    ids: &[ConversationId],
    known: &mut Known,
    corrupt: &mut HashMap<ConversationId, String>,
) -> Result<(), StoreError> {
    for (id, row) in append::lock(conn, ids).await? {
        match rows::conversation(&row) {
            Ok(info) => {
                known.conversations.insert(id, info);
            }
            Err(error) => {
                corrupt.insert(id, error.to_string());
            }
        }
    }
    Ok(())
}

/// The messages stored earlier under the batch's keys: one SELECT per kind
/// of key present, each joining the keys to the unique index.
async fn stored_keys(
    conn: &mut AnyConnection,
    posts: &[NewMessage],
    known: &mut Known,
    corrupt: &mut HashMap<ConversationId, String>,
) -> Result<(), StoreError> {
    let mut clients = Vec::new();
    let mut commands = Vec::new();
    for post in posts {
        match Key::of(post) {
            Some(Key::Client(key)) => clients.push((post.conversation, key)),
            Some(Key::Command(key)) => commands.push((post.conversation, key)),
            None => {}
        }
    }
    for (keys, column) in [(clients, "client_id"), (commands, "command_id")] {
        if keys.is_empty() {
            continue;
        }
        let mut params = Placeholders::for_connection(conn);
        let values = params.rows(keys.len(), 2);
        let sql = format!(
            "WITH wanted(c, k) AS (VALUES {values}) SELECT {}, command_id FROM wanted \
             JOIN messages ON messages.conversation = wanted.c AND messages.{column} = wanted.k",
            message_columns!()
        );
        let mut query = sqlx::query(&sql);
        for (conversation, key) in &keys {
            query = query.bind(conversation.to_string()).bind(key.clone());
        }
        for row in query.fetch_all(&mut *conn).await? {
            let (conversation, key) = match column {
                "client_id" => (
                    row.try_get::<String, _>("conversation")?,
                    Key::Client(row.try_get("client_id")?),
                ),
                _ => (
                    row.try_get::<String, _>("conversation")?,
                    Key::Command(row.try_get("command_id")?),
                ),
            };
            let Ok(conversation) = conversation.parse::<ConversationId>() else {
                continue;
            };
            match rows::message(&row) {
                Ok(message) => {
                    known.stored.insert((conversation, key), message);
                }
                Err(error) => {
                    corrupt.insert(conversation, error.to_string());
                }
            }
        }
    }
    Ok(())
}

/// One multi-row INSERT of new messages, each with its command key.
pub(super) async fn insert_messages(
    conn: &mut AnyConnection,
    rows: &[(&ChatMessage, Option<&str>)],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 12;
    let mut params = Placeholders::for_connection(conn);
    let values = params.rows(rows.len(), COLUMNS);
    let sql = format!(
        "INSERT{} INTO messages ({}, command_id) VALUES {values}",
        switchboard_db::or_fail(conn),
        message_columns!()
    );
    let mut query = sqlx::query(&sql);
    for (message, command_key) in rows {
        let author = message.author.clone().unwrap_or_default();
        let seq = i64::try_from(message.seq)
            .map_err(|_| StoreError::Corrupt(format!("seq {} overflows", message.seq)))?;
        query = query
            .bind(message.conversation.clone())
            .bind(seq)
            .bind(message.id.clone())
            .bind(message.tenant.clone())
            .bind(author.role().wire_name())
            .bind(nullable(&author.id).map(str::to_owned))
            .bind(nullable(&author.name).map(str::to_owned))
            .bind(message.text.clone())
            .bind(message.at_ms)
            .bind(nullable(&message.client_id).map(str::to_owned))
            .bind(nullable(&message.notice).map(str::to_owned))
            .bind(command_key.map(str::to_owned));
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// What one conversation looks like after the batch's new messages.
struct Moved<'a> {
    info: &'a ConversationInfo,
    updated_at: i64,
    /// The newest message that counts as activity, when there was one.
    activity: Option<i64>,
}

/// Moves `last_seq`, `updated_at` and `last_activity` of every conversation
/// that got new messages, in one UPDATE.
async fn update_conversations(
    conn: &mut AnyConnection,
    posts: &[NewMessage],
    decisions: &[Decision],
) -> Result<(), StoreError> {
    let mut order = Vec::new();
    let mut moved: HashMap<ConversationId, Moved<'_>> = HashMap::new();
    for (post, decision) in posts.iter().zip(decisions) {
        let Decision::New(_, info) = decision else {
            continue;
        };
        let activity = (post.author.role() != Role::System).then_some(post.at_ms);
        let entry = moved.entry(post.conversation).or_insert_with(|| {
            order.push(post.conversation);
            Moved {
                info,
                updated_at: post.at_ms,
                activity: None,
            }
        });
        entry.info = info;
        entry.updated_at = post.at_ms;
        entry.activity = activity.or(entry.activity);
    }
    if order.is_empty() {
        return Ok(());
    }
    let mut params = Placeholders::for_connection(conn);
    // Each CASE takes (id, value) pairs, then the IN list the ids again.
    let mut case = || {
        order
            .iter()
            .map(|_| format!("WHEN {} THEN {}", params.param(), params.param()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (last_seq, updated_at, activity) = (case(), case(), case());
    let or_fail = switchboard_db::or_fail(conn);
    let sql = format!(
        "UPDATE{or_fail} conversations SET last_seq = CASE id {last_seq} END, \
         updated_at = CASE id {updated_at} END, \
         last_activity = COALESCE(CASE id {activity} END, last_activity) WHERE id IN ({})",
        params.list(order.len())
    );
    let mut query = sqlx::query(&sql);
    for id in &order {
        let moved = &moved[id];
        let last_seq = i64::try_from(moved.info.last_seq)
            .map_err(|_| StoreError::Corrupt(format!("seq {} overflows", moved.info.last_seq)))?;
        query = query.bind(id.to_string()).bind(last_seq);
    }
    for id in &order {
        query = query.bind(id.to_string()).bind(moved[id].updated_at);
    }
    for id in &order {
        query = query.bind(id.to_string()).bind(moved[id].activity);
    }
    for id in &order {
        query = query.bind(id.to_string());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
