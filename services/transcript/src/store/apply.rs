//! Applying a state-changing command (everything but a post) in one
//! transaction: lock the conversation, find an earlier delivery's outcome or
//! let the domain decide a [`Plan`], store its notices, write the record it
//! ends with and record what it published.
//!
//! The first statement writes (a no-op UPDATE), for the reason `append.rs`
//! gives: it takes SQLite's write lock before anything is read and row-locks
//! the conversation on PostgreSQL, so the decision is made on a record no
//! one else can change until the commit — and concurrent posts queue behind
//! it, keeping seqs gap-free.

use sqlx::{Any, Transaction};
use switchboard_contracts::ids::{ConversationId, MessageId, TenantId};
use switchboard_contracts::names::WireName;
use switchboard_contracts::v1::{Author, ChatMessage, Role};

use super::append::insert_message;
use super::rows::{self, nullable};
use super::{Store, outcomes};
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
        F: FnOnce(&Record, &Facts) -> Result<Plan, Refusal>,
    {
        let _turn = self.writes.enter().await;
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query(concat!(
            "UPDATE conversations SET updated_at = updated_at WHERE id = $1 AND tenant = $2",
            " RETURNING ",
            conversation_columns!()
        ))
        .bind(target.conversation.to_string())
        .bind(target.tenant.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(locked) = locked else {
            tx.rollback().await?;
            return Err(Refusal::ConversationNotFound.into());
        };
        let record = rows::record(&locked)?;
        let conversation = target.conversation.to_string();
        if let Some(publications) =
            outcomes::find(&mut tx, &conversation, target.command_id).await?
        {
            tx.rollback().await?;
            return Ok(Applied {
                publications,
                record,
                replayed: true,
            });
        }
        let facts = Facts {
            first_customer_text: if needs_first_text {
                first_customer_text(&mut tx, &target).await?
            } else {
                None
            },
        };
        let plan = match decide(&record, &facts) {
            Ok(plan) => plan,
            Err(refusal) => {
                tx.rollback().await?;
                return Err(refusal.into());
            }
        };
        let (publications, after) = write(&mut tx, &target, record, plan).await?;
        outcomes::record(
            &mut tx,
            &conversation,
            target.command_id,
            &publications,
            target.at_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Applied {
            publications,
            record: after,
            replayed: false,
        })
    }
}

/// Stores the plan's notices and final record; returns its events.
async fn write(
    tx: &mut Transaction<'static, Any>,
    target: &Target<'_>,
    record: Record,
    plan: Plan,
) -> Result<(Vec<Publication>, Record), StoreError> {
    let at_ms = target.at_ms;
    let mut seq = record.info.last_seq;
    let mut publications = Vec::with_capacity(plan.steps.len());
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
                // The command's outcome row is this notice's idempotency key.
                insert_message(tx, &message, None).await?;
                events::message_added(&after.info, &message)
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
    if !publications.is_empty() {
        update(tx, &last, at_ms).await?;
    }
    Ok((publications, last))
}

/// Writes every column a command may change.
async fn update(
    tx: &mut Transaction<'static, Any>,
    record: &Record,
    at_ms: i64,
) -> Result<(), StoreError> {
    let info = &record.info;
    let customer = info.customer.clone().unwrap_or_default();
    let to_i64 = |value: u64, what: &str| {
        i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} overflows")))
    };
    sqlx::query(
        "UPDATE conversations SET state = $3, end_reason = $4, customer_key = $5, \
         customer_name = $6, customer_email = $7, customer_signed_in = $8, assignee = $9, \
         assignee_name = $10, handoff_pending = $11, summary = $12, handoff_reason = $13, \
         last_seq = $14, inactivity_warned_at = $15, active_since = $16, transitions = $17, \
         end_command = $18, ended_from = $19, updated_at = $20 \
         WHERE id = $1 AND tenant = $2",
    )
    .bind(info.id.clone())
    .bind(info.tenant.clone())
    .bind(info.state().wire_name())
    .bind(rows::wire_name(info.end_reason()))
    .bind(nullable(&customer.key))
    .bind(nullable(&customer.name))
    .bind(nullable(&customer.email))
    .bind(i64::from(customer.signed_in))
    .bind(nullable(&info.assignee))
    .bind(nullable(&info.assignee_name))
    .bind(i64::from(info.handoff_pending))
    .bind(nullable(&info.summary))
    .bind(nullable(&info.handoff_reason))
    .bind(to_i64(info.last_seq, "last_seq")?)
    .bind(Some(record.warned_at).filter(|at| *at != 0))
    .bind(Some(record.active_since).filter(|at| *at != 0))
    .bind(to_i64(record.transitions, "transitions")?)
    .bind(nullable(&record.end_command))
    .bind(rows::wire_name(record.ended_from))
    .bind(at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn first_customer_text(
    tx: &mut Transaction<'static, Any>,
    target: &Target<'_>,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT text FROM messages WHERE conversation = $1 AND tenant = $2 AND role = $3 \
         ORDER BY seq ASC LIMIT 1",
    )
    .bind(target.conversation.to_string())
    .bind(target.tenant.to_string())
    .bind(Role::Customer.wire_name())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(text,)| text))
}
