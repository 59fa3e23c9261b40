//! Applying state-changing commands (everything but a post), one or a
//! batch's worth in one transaction with a handful of statements: lock and
//! read the commands' conversations (one UPDATE … RETURNING), find earlier
//! deliveries' outcomes (one SELECT), let the domain decide each command's
//! [`Plan`] in stream order on the record as the commands before it left it,
//! then insert the notices and the outcomes (multi-row INSERTs) and write
//! each changed conversation once.
//!
//! The first statement writes (a no-op UPDATE), for the reason `append.rs`
//! gives: it takes SQLite's write lock before anything is read and row-locks
//! the conversations on PostgreSQL, so every decision is made on a record no
//! one else can change until the commit — and concurrent posts queue behind
//! it, keeping seqs gap-free.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};
use switchboard_contracts::ids::{ConversationId, MessageId, TenantId};
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{Author, ChatMessage, Role};
use switchboard_db::Placeholders;

use super::batch::{ROWS_PER_INSERT, insert_messages};
use super::outcomes::{self, Outcome};
use super::rows::{self, nullable};
use super::{Store, append, distinct};
use crate::domain::plan::state_reason;
use crate::domain::{Effect, Plan, Record};
use crate::error::{Refusal, StoreError};
use crate::events::{self, Publication};

/// Which conversation a command acts on, and as which command.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub tenant: TenantId,
    pub conversation: ConversationId,
    /// The idempotency key: a redelivery finds this command's outcome.
    pub command_id: &'a str,
    /// When the command is applied (epoch ms): message times, event times.
    pub at_ms: i64,
}

/// What a decision may look at beyond the record, loaded on request.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The text of the customer's first message (a handoff's default summary).
    pub first_customer_text: Option<String>,
}

/// How a command's plan is decided from the locked record.
pub type Decide<'a> = Box<dyn FnOnce(&Record, &Facts) -> Result<Plan, Refusal> + Send + 'a>;

/// One command for [`Store::apply_all`].
pub struct Change<'a> {
    pub target: Target<'a>,
    /// Load [`Facts::first_customer_text`] for the decision.
    pub needs_first_text: bool,
    pub decide: Decide<'a>,
}

/// The result of [`Store::apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The events to publish, in order (none for a no-op).
    pub publications: Vec<Publication>,
    /// The conversation after this command — on a replay, as it stands now.
    pub record: Record,
    /// An earlier delivery applied the command; this one only republishes.
    pub replayed: bool,
}

/// One result per command of [`Store::apply_all`], in order; `Err` of the
/// whole is a failed transaction (nothing stored).
pub type ApplyResult = Result<Vec<Result<Applied, StoreError>>, StoreError>;

impl Store {
    /// Applies the plan `decide` makes from the locked record, once per
    /// `target.command_id`. A refusal changes nothing and is not recorded
    /// (its answer is a rejection event, published under its own id).
    pub async fn apply<F>(
        &self,
        target: Target<'_>,
        needs_first_text: bool,
        decide: F,
    ) -> Result<Applied, StoreError>
    where
        F: FnOnce(&Record, &Facts) -> Result<Plan, Refusal> + Send,
    {
        let change = Change {
            target,
            needs_first_text,
            decide: Box::new(decide),
        };
        self.apply_all(vec![change])
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::Corrupt("a command had no result".into())))
    }

    /// Applies `changes` in order in one transaction on the writer's
    /// connection (see the module comment): a command sees the conversation
    /// as the commands before it left it. A refused command changes nothing;
    /// the others are stored all together or not at all.
    pub async fn apply_all(&self, changes: Vec<Change<'_>>) -> ApplyResult {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let _turn = self.writes.enter().await;
        let mut writer = self.writer.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *writer).await?;
        let ids = distinct(changes.iter().map(|c| c.target.conversation));
        let wanting_text = distinct(
            changes
                .iter()
                .filter(|c| c.needs_first_text)
                .map(|c| c.target.conversation),
        );
        let mut batch = Batch {
            records: lock_records(&mut tx, &ids).await?,
            earlier: outcomes::find_all(&mut tx, &keys(&changes)).await?,
            first_texts: first_customer_texts(&mut tx, &wanting_text).await?,
            ..Batch::default()
        };
        let results: Vec<_> = changes.into_iter().map(|c| batch.apply(c)).collect();
        batch.write(&mut tx).await?;
        tx.commit().await?;
        Ok(results)
    }
}

fn keys(changes: &[Change<'_>]) -> Vec<outcomes::Key> {
    changes
        .iter()
        .map(|c| {
            (
                c.target.conversation.to_string(),
                c.target.command_id.to_owned(),
            )
        })
        .collect()
}

/// A record as read, or why it could not be mapped.
type Locked = Result<Record, String>;

/// Locks conversations `ids` and reads their records.
async fn lock_records(
    conn: &mut AnyConnection,
    ids: &[ConversationId],
) -> Result<HashMap<ConversationId, Locked>, StoreError> {
    Ok(append::lock(conn, ids)
        .await?
        .into_iter()
        .map(|(id, row)| (id, rows::record(&row).map_err(|e| e.to_string())))
        .collect())
}

/// A transaction's commands so far: the records as they left them and what
/// remains to be written.
#[derive(Default)]
struct Batch {
    records: HashMap<ConversationId, Locked>,
    /// Outcomes stored by earlier deliveries, and by this batch's commands.
    earlier: HashMap<outcomes::Key, Vec<Publication>>,
    /// The customer's first message, for the conversations whose commands
    /// need it (read before the batch: its notices are never the customer's).
    first_texts: HashMap<ConversationId, String>,
    notices: Vec<ChatMessage>,
    outcomes: Vec<Outcome>,
    /// Conversations to write, in the order they first changed.
    changed: Vec<ConversationId>,
    /// When each changed conversation last changed.
    changed_at: HashMap<ConversationId, i64>,
}

impl Batch {
    /// Decides one command on its conversation as it stands in the batch
    /// (in memory: the batch's statements come before and after).
    fn apply(&mut self, change: Change<'_>) -> Result<Applied, StoreError> {
        let Change {
            target,
            needs_first_text,
            decide,
        } = change;
        let record = match self.records.get(&target.conversation) {
            Some(Ok(record)) if record.info.tenant == target.tenant.to_string() => record.clone(),
            Some(Err(why)) => return Err(StoreError::Corrupt(why.clone())),
            _ => return Err(Refusal::ConversationNotFound.into()),
        };
        let key = (
            target.conversation.to_string(),
            target.command_id.to_owned(),
        );
        if let Some(publications) = self.earlier.get(&key) {
            return Ok(Applied {
                publications: publications.clone(),
                record,
                replayed: true,
            });
        }
        let facts = Facts {
            first_customer_text: if needs_first_text {
                self.first_texts.get(&target.conversation).cloned()
            } else {
                None
            },
        };
        let plan = decide(&record, &facts)?;
        let (publications, notices, after) = write(&target, record, plan);
        if !publications.is_empty() {
            if self
                .changed_at
                .insert(target.conversation, target.at_ms)
                .is_none()
            {
                self.changed.push(target.conversation);
            }
            self.records.insert(target.conversation, Ok(after.clone()));
        }
        self.notices.extend(notices);
        self.earlier.insert(key.clone(), publications.clone());
        self.outcomes.push(Outcome {
            key,
            publications: publications.clone(),
            at_ms: target.at_ms,
        });
        Ok(Applied {
            publications,
            record: after,
            replayed: false,
        })
    }

    /// Stores the notices, the outcomes and each changed conversation.
    async fn write(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        let notices: Vec<(&ChatMessage, Option<&str>)> =
            self.notices.iter().map(|notice| (notice, None)).collect();
        for rows in notices.chunks(ROWS_PER_INSERT) {
            insert_messages(conn, rows).await?;
        }
        outcomes::record_all(conn, &self.outcomes).await?;
        let changed: Vec<(&Record, i64)> = self
            .changed
            .iter()
            .filter_map(|id| match (self.records.get(id), self.changed_at.get(id)) {
                (Some(Ok(record)), Some(at_ms)) => Some((record, *at_ms)),
                _ => None,
            })
            .collect();
        update_all(conn, &changed).await
    }
}

/// The plan's notices (the command's outcome row is their idempotency
/// key), its events and the record it ends with.
fn write(
    target: &Target<'_>,
    record: Record,
    plan: Plan,
) -> (Vec<Publication>, Vec<ChatMessage>, Record) {
    let at_ms = target.at_ms;
    let mut seq = record.info.last_seq;
    let mut publications = Vec::with_capacity(plan.steps.len());
    let mut notices = Vec::new();
    let mut last = record;
    for step in plan.steps {
        let mut after = step.after;
        let publication = match step.effect {
            Effect::Notice { kind, text } => {
                seq += 1;
                after.info.last_seq = seq;
                let message = ChatMessage {
                    id: MessageId::new().to_string(),
                    tenant: target.tenant.to_string(),
                    conversation: target.conversation.to_string(),
                    seq,
                    author: Some(Author {
                        role: Role::System as i32,
                        ..Default::default()
                    }),
                    text,
                    at_ms,
                    client_id: String::new(),
                    notice: kind,
                };
                let publication = events::message_added(&after.info, &message);
                notices.push(message);
                publication
            }
            Effect::State { from, msg_id } => {
                after.info.last_seq = seq;
                events::state_changed(&after.info, from, state_reason(&after), msg_id, at_ms)
            }
            Effect::Identified { msg_id } => {
                after.info.last_seq = seq;
                events::identified(&after.info, msg_id, at_ms)
            }
            Effect::Inactive { ends_at_ms, msg_id } => {
                after.info.last_seq = seq;
                events::inactive(&after.info, ends_at_ms, msg_id, at_ms)
            }
        };
        publications.push(publication);
        last = after;
    }
    (publications, notices, last)
}

/// The columns a command may change, after the two that pick the row.
const UPDATED: [&str; 18] = [
    "state",
    "end_reason",
    "customer_key",
    "customer_name",
    "customer_email",
    "customer_signed_in",
    "assignee",
    "assignee_name",
    "handoff_pending",
    "summary",
    "handoff_reason",
    "last_seq",
    "inactivity_warned_at",
    "active_since",
    "transitions",
    "end_command",
    "ended_from",
    "updated_at",
];

/// Rows per UPDATE: 20 parameters each.
const ROWS_PER_UPDATE: usize = 128;

/// Writes every column a command may change, for each of `records` (the
/// record and when it changed): one UPDATE … FROM a list of rows per
/// [`ROWS_PER_UPDATE`] conversations.
async fn update_all(
    conn: &mut AnyConnection,
    records: &[(&Record, i64)],
) -> Result<(), StoreError> {
    let sets: Vec<String> = UPDATED.iter().map(|c| format!("{c} = v.{c}")).collect();
    let to_i64 = |value: u64, what: &str| {
        i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} overflows")))
    };
    for chunk in records.chunks(ROWS_PER_UPDATE) {
        let mut params = Placeholders::for_connection(conn);
        let sql = format!(
            "WITH v (id, tenant, {}) AS (VALUES {}) \
             UPDATE{} conversations SET {} FROM v \
             WHERE conversations.id = v.id AND conversations.tenant = v.tenant",
            UPDATED.join(", "),
            params.rows(chunk.len(), UPDATED.len() + 2),
            switchboard_db::or_fail(conn),
            sets.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (record, at_ms) in chunk {
            let info = &record.info;
            let customer = info.customer.clone().unwrap_or_default();
            query = query
                .bind(info.id.clone())
                .bind(info.tenant.clone())
                .bind(info.state().wire_name())
                .bind(rows::wire_name(info.end_reason()))
                .bind(nullable(&customer.key).map(str::to_owned))
                .bind(nullable(&customer.name).map(str::to_owned))
                .bind(nullable(&customer.email).map(str::to_owned))
                .bind(i64::from(customer.signed_in))
                .bind(nullable(&info.assignee).map(str::to_owned))
                .bind(nullable(&info.assignee_name).map(str::to_owned))
                .bind(i64::from(info.handoff_pending))
                .bind(nullable(&info.summary).map(str::to_owned))
                .bind(nullable(&info.handoff_reason).map(str::to_owned))
                .bind(to_i64(info.last_seq, "last_seq")?)
                .bind(Some(record.warned_at).filter(|at| *at != 0))
                .bind(Some(record.active_since).filter(|at| *at != 0))
                .bind(to_i64(record.transitions, "transitions")?)
                .bind(nullable(&record.end_command).map(str::to_owned))
                .bind(rows::wire_name(record.ended_from))
                .bind(*at_ms);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The text of the customer's first message in each of conversations
/// `ids` that has one, in one SELECT.
async fn first_customer_texts(
    conn: &mut AnyConnection,
    ids: &[ConversationId],
) -> Result<HashMap<ConversationId, String>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut params = Placeholders::for_connection(conn);
    let sql = format!(
        "SELECT m.conversation, m.text FROM messages m \
         WHERE m.role = {} AND m.conversation IN ({}) AND m.seq = \
         (SELECT MIN(f.seq) FROM messages f WHERE f.conversation = m.conversation AND f.role = {})",
        params.param(),
        params.list(ids.len()),
        params.param()
    );
    let role = Role::Customer.wire_name();
    let mut query = sqlx::query(&sql).bind(role);
    for id in ids {
        query = query.bind(id.to_string());
    }
    let mut texts = HashMap::with_capacity(ids.len());
    for row in query.bind(role).fetch_all(&mut *conn).await? {
        let id: String = row.try_get("conversation")?;
        if let Ok(id) = id.parse::<ConversationId>() {
            texts.insert(id, row.try_get("text")?);
        }
    }
    Ok(texts)
}
