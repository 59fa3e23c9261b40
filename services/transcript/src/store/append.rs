//! Appending a message: one transaction that may open the conversation,
//! takes the next seq and stores the message, or finds the message a retried
//! post already stored.
//!
//! Why the statements run in this order: the first statement of the
//! transaction writes (the optional conversation insert, then the seq bump).
//! On SQLite that takes the database's write lock before anything is read, so
//! two writers never both hold a read snapshot and then deadlock upgrading it;
//! on PostgreSQL the bump row-locks the conversation, so concurrent posts to
//! one conversation queue behind each other. Either way `last_seq + 1` is
//! computed by one writer at a time: seqs are unique and gap-free.

use sqlx::AnyConnection;
use switchboard_contracts::ids::MessageId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{
    ChatMessage, ConversationInfo, ConversationStart, ConversationState, Role,
};

use super::rows::{self, nullable, wire_name};
use crate::domain::{NewMessage, check_author, inactivity};
use crate::error::{Refusal, StoreError};

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

/// What one append did inside its transaction: keep its writes, or undo
/// them (a duplicate or a refusal wrote nothing worth keeping).
pub(super) enum Step {
    Keep(Appended),
    Undo(Result<Appended, StoreError>),
}

/// Stores `post` once on `conn`, which is inside a transaction (see the module
/// comment for the locking order). The caller commits or rolls back as the
/// [`Step`] says; nothing here ends the transaction.
///
/// Refuses with [`Refusal::ConversationNotFound`] when the conversation
/// does not exist for this tenant and the post carries no start, and with
/// [`Refusal::ConversationEnded`] when it has ended — unless the post was
/// stored before the end, in which case it is a duplicate like any other —
/// and with [`Refusal::NotAssignee`] when an agent who does not hold the
/// live conversation posts into it.
pub(super) async fn append_within(
    conn: &mut AnyConnection,
    post: &NewMessage,
) -> Result<Step, StoreError> {
    if let Some(start) = &post.start {
        insert_conversation(conn, post, start).await?;
    }
    // A message from the customer, the AI or an agent is activity; a
    // system message is not (SPEC §4: only the two sides' messages).
    let activity = i64::from(post.author.role() != Role::System);
    let bumped = sqlx::query(concat!(
        "UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3,",
        " last_activity = CASE WHEN $4 = 1 THEN $3 ELSE last_activity END",
        " WHERE id = $1 AND tenant = $2 AND state <> 'ended' RETURNING ",
        conversation_columns!()
    ))
    .bind(post.conversation.to_string())
    .bind(post.tenant.to_string())
    .bind(post.at_ms)
    .bind(activity)
    .fetch_optional(&mut *conn)
    .await?;

    let Some(bumped) = bumped else {
        // Missing, another tenant's, or ended: nothing was written.
        let stored = stored_duplicate(conn, post).await?;
        let info = conversation_in(conn, post).await?;
        return Ok(Step::Undo(match (info, stored) {
            (None, _) => Err(Refusal::ConversationNotFound.into()),
            (Some(info), Some(message)) => Ok(Appended::Duplicate(message, info)),
            (Some(_), None) => Err(Refusal::ConversationEnded.into()),
        }));
    };
    let mut info = rows::conversation(&bumped)?;

    if let Some(message) = stored_duplicate(conn, post).await? {
        // The undo takes back exactly our bump: we hold the lock throughout.
        info.last_seq -= 1;
        return Ok(Step::Undo(Ok(Appended::Duplicate(message, info))));
    }
    // Checked under the lock, so an accept or an end cannot slip between
    // the check and the insert.
    if let Err(refusal) = check_author(&info, &post.author) {
        return Ok(Step::Undo(Err(refusal.into())));
    }

    let message = ChatMessage {
        id: MessageId::new().to_string(),
        tenant: post.tenant.to_string(),
        conversation: post.conversation.to_string(),
        seq: info.last_seq,
        author: Some(post.author.clone()),
        text: post.text.clone(),
        at_ms: post.at_ms,
        client_id: post.client_id.clone().unwrap_or_default(),
        notice: String::new(),
    };
    let command_key = match idempotency_key(post) {
        Some(Key::Command(command_id)) => Some(command_id),
        _ => None,
    };
    insert_message(conn, &message, command_key).await?;
    Ok(Step::Keep(Appended::New(message, info)))
}

/// Creates the conversation unless it exists. `ON CONFLICT DO NOTHING` keeps
/// an existing row (of this tenant or, refused later, another's) untouched.
/// A conversation that opens `queued` (support_team) is handed to the team by
/// its first message: that message is its summary.
async fn insert_conversation(
    conn: &mut AnyConnection,
    post: &NewMessage,
    start: &ConversationStart,
) -> Result<(), StoreError> {
    let customer = start.customer.clone().unwrap_or_default();
    let state = start.initial_state();
    let (summary, handoff_reason) = if state == ConversationState::Queued {
        (Some(post.text.trim()), Some(SUPPORT_TEAM_REASON))
    } else {
        (None, None)
    };
    let active_since = inactivity::watched(state).then_some(post.at_ms);
    sqlx::query(
        "INSERT INTO conversations (id, tenant, experience, widget, customer_key, customer_name, \
         customer_email, customer_signed_in, state, support_mode, ai_agent, routed_space, \
         last_seq, created_at, updated_at, summary, handoff_reason, active_since, transitions, \
         handoff_pending) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13, $14, $15, $16, 0, 0) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(post.conversation.to_string())
    .bind(post.tenant.to_string())
    .bind(nullable(&start.experience))
    .bind(nullable(&start.widget))
    .bind(nullable(&customer.key))
    .bind(nullable(&customer.name))
    .bind(nullable(&customer.email))
    .bind(i64::from(customer.signed_in))
    .bind(state.wire_name())
    .bind(wire_name(start.support_mode()))
    .bind(nullable(&start.ai_agent))
    .bind(nullable(&start.routed_space))
    .bind(post.at_ms)
    .bind(summary)
    .bind(handoff_reason)
    .bind(active_since)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts a stored message. `command_key` is the command that posted a
/// message without a client id, when that is its idempotency key.
pub(super) async fn insert_message(
    conn: &mut AnyConnection,
    message: &ChatMessage,
    command_key: Option<&str>,
) -> Result<(), StoreError> {
    let author = message.author.clone().unwrap_or_default();
    let seq = i64::try_from(message.seq)
        .map_err(|_| StoreError::Corrupt(format!("seq {} overflows", message.seq)))?;
    sqlx::query(concat!(
        "INSERT INTO messages (",
        message_columns!(),
        ", command_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(message.conversation.clone())
    .bind(seq)
    .bind(message.id.clone())
    .bind(message.tenant.clone())
    .bind(author.role().wire_name())
    .bind(nullable(&author.id))
    .bind(nullable(&author.name))
    .bind(message.text.clone())
    .bind(message.at_ms)
    .bind(nullable(&message.client_id))
    .bind(nullable(&message.notice))
    .bind(command_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What makes a post the same post again: its client id, or for a post
/// without one (a system notice) the command that carries it.
enum Key<'a> {
    Client(&'a str),
    Command(&'a str),
}

fn idempotency_key(post: &NewMessage) -> Option<Key<'_>> {
    match &post.client_id {
        Some(client_id) => Some(Key::Client(client_id)),
        None => nullable(&post.command_id).map(Key::Command),
    }
}

/// The message an earlier delivery of the same post stored, if any.
async fn stored_duplicate(
    conn: &mut AnyConnection,
    post: &NewMessage,
) -> Result<Option<ChatMessage>, StoreError> {
    let (sql, key) = match idempotency_key(post) {
        None => return Ok(None),
        Some(Key::Client(key)) => (
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation = $1 AND client_id = $2 AND tenant = $3"
            ),
            key,
        ),
        Some(Key::Command(key)) => (
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE conversation = $1 AND command_id = $2 AND tenant = $3"
            ),
            key,
        ),
    };
    let row = sqlx::query(sql)
        .bind(post.conversation.to_string())
        .bind(key.to_owned())
        .bind(post.tenant.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(rows::message).transpose()
}

async fn conversation_in(
    conn: &mut AnyConnection,
    post: &NewMessage,
) -> Result<Option<ConversationInfo>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        conversation_columns!(),
        " FROM conversations WHERE id = $1 AND tenant = $2"
    ))
    .bind(post.conversation.to_string())
    .bind(post.tenant.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(rows::conversation).transpose()
}
