//! The consumer of `SB_EVENTS` (durable `work-item-events`): decode, decide
//! ([`crate::domain::decide`]), perform, and only then let the pipeline ack.
//! Every step is safe to repeat, so a redelivery (crash, nak, a second
//! instance) changes nothing twice:
//!
//! | step | does |
//! |---|---|
//! | open | unless the conversation has an item: read the thread, compose, insert (one per conversation) |
//! | assign | open if missing, then record `info.assignee` / `info.assignee_name` |
//! | close | open if missing (ended while with the team), then attach the full thread; never touches the status |
//!
//! A conversation handed off a second time (after it went back to the AI)
//! keeps its first item as it was: summary, description and status.
//!
//! | outcome | when |
//! |---|---|
//! | ack | done, or nothing to do |
//! | retry (nak with backoff) | the database or the transcript service failed |
//! | park | undecodable, misaddressed, no routed space, a row that cannot be mapped |

use std::time::Duration;
use switchboard_bus::service::Consumer;

use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::{Bus, Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, InvalidId, TenantId};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, EventKind, filter};
use switchboard_contracts::v1::ConversationEvent;
use switchboard_runtime::clock::now_ms;

use super::Counters;
use super::changes::{self, Change};
use super::thread::{ThreadError, read_thread};
use crate::domain::compose::ComposeError;
use crate::domain::{Step, compose, decide};
use crate::error::{StoreError, StoreErrorKind};
use crate::store::Store;

/// The durable consumer this handler runs behind.
pub fn spec(lanes: usize) -> ConsumerSpec {
    // Retries are database or transcript outages, not bad input (parked at
    // once): with the default 10 s backoff cap, ~9 minutes of outage are
    // ridden out. Items follow the state changes only (`decide`).
    ConsumerSpec::filtered(
        streams::EVENTS,
        consumers::WORK_ITEM_EVENTS,
        filter::events_of_kinds(&[EventKind::State]),
    )
    .lanes(lanes)
    .max_deliver(60)
}

/// What the handler needs; cloned into the pipeline.
#[derive(Debug, Clone)]
pub struct EventHandler {
    pub store: Store,
    pub bus: Bus,
    pub counters: Counters,
    /// How long one transcript read may take.
    pub transcript_timeout: Duration,
}

/// Why handling stopped short of the ack.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not found is retried too: the transcript commits before it
    /// publishes, so it is a lagging replica or a restore, not poison;
    /// max_deliver parks it if it lasts.
    #[error(transparent)]
    Thread(#[from] ThreadError),
    #[error("undecodable ConversationEvent: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error(transparent)]
    Misaddressed(#[from] AddressError),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The change could not be told: retried, so followers hear of it.
    #[error("publishing the work-item change: {0}")]
    Publish(#[from] switchboard_bus::BusError),
}

impl Classify for Failure {
    fn disposition(&self) -> Disposition {
        match self {
            Failure::Store(error) if error.kind() == StoreErrorKind::Corrupt => Disposition::Park,
            Failure::Store(_) | Failure::Thread(_) | Failure::Publish(_) => Disposition::Retry,
            Failure::Undecodable(_) | Failure::Misaddressed(_) | Failure::Compose(_) => {
                Disposition::Park
            }
        }
    }
}

/// Why an event cannot be acted on where it arrived.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error("tenant: {0}")]
    Tenant(#[source] InvalidId),
    #[error("conversation: {0}")]
    Conversation(#[source] InvalidId),
    #[error("an event for {tenant}/{conversation} arrived on {subject}")]
    Misrouted {
        tenant: TenantId,
        conversation: ConversationId,
        subject: String,
    },
}

impl EventHandler {
    async fn try_handle(&self, delivery: &Delivery) -> Result<(), Failure> {
        let event = ConversationEvent::decode(delivery.payload.clone())?;
        let Some(step) = decide(&event) else {
            return Ok(());
        };
        let (tenant, conversation) = address(&event, &delivery.subject)?;
        match step {
            Step::Open { straight_to_team } => {
                // The AI part ends where the handoff happened: the thread
                // as the →queued event saw it.
                let handoff_seq = if straight_to_team {
                    0
                } else {
                    event.info.as_ref().map_or(0, |i| i.last_seq)
                };
                self.ensure(tenant, conversation, &event, handoff_seq).await
            }
            Step::Assign => {
                self.ensure(tenant, conversation, &event, u64::MAX).await?;
                let info = event.info.clone().unwrap_or_default();
                self.store
                    .assign(
                        tenant,
                        conversation,
                        &info.assignee,
                        &info.assignee_name,
                        now_ms(),
                    )
                    .await?;
                self.counters.items_assigned.inc();
                tracing::info!(assignee = %info.assignee, "work item assigned");
                self.tell(tenant, conversation, Change::Assigned).await
            }
            Step::Close { reached_team } => {
                if reached_team {
                    self.ensure(tenant, conversation, &event, u64::MAX).await?;
                } else if self
                    .store
                    .by_conversation(tenant, conversation)
                    .await?
                    .is_none()
                {
                    // Stayed with the AI all along: not the team's business.
                    return Ok(());
                }
                let thread =
                    read_thread(&self.bus, tenant, conversation, self.transcript_timeout).await?;
                if self
                    .store
                    .attach(tenant, conversation, &thread, now_ms())
                    .await?
                {
                    self.counters.transcripts_attached.inc();
                    tracing::info!(messages = thread.len(), "transcript attached");
                }
                self.tell(tenant, conversation, Change::Transcript).await
            }
        }
    }

    /// Creates the conversation's item unless it has one. `handoff_seq`
    /// bounds the AI part of the description.
    async fn ensure(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        event: &ConversationEvent,
        handoff_seq: u64,
    ) -> Result<(), Failure> {
        if let Some(item) = self.store.by_conversation(tenant, conversation).await? {
            // Told again (the same id): a publish that failed after the
            // insert is made good on the redelivery.
            changes::publish(&self.bus, &item, Change::Created).await?;
            return Ok(());
        }
        let thread = read_thread(&self.bus, tenant, conversation, self.transcript_timeout).await?;
        let at_ms = if event.at_ms > 0 {
            event.at_ms
        } else {
            now_ms()
        };
        let new = compose(
            tenant,
            conversation,
            event.info.as_ref(),
            &thread,
            handoff_seq,
            at_ms,
        )?;
        let created = self.store.create(&new).await?;
        if created.new {
            self.counters.items_created.inc();
            tracing::info!(item = %created.item.id, space = %new.space, "work item created");
        }
        changes::publish(&self.bus, &created.item, Change::Created).await?;
        Ok(())
    }

    /// Publishes the conversation's item as it now stands.
    async fn tell(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        change: Change,
    ) -> Result<(), Failure> {
        if let Some(item) = self.store.by_conversation(tenant, conversation).await? {
            changes::publish(&self.bus, &item, change).await?;
        }
        Ok(())
    }
}

impl Consumer for EventHandler {
    type Error = Failure;

    /// Handles one delivery; the pipeline acks, naks or parks on the result.
    async fn consume(&self, delivery: Delivery) -> Result<(), Failure> {
        let handled = self.try_handle(&delivery).await;
        match handled.as_ref().map_err(Classify::disposition) {
            Err(Disposition::Retry) => {
                self.counters.events_retried.inc();
                return handled;
            }
            Err(Disposition::Park) => {
                self.counters.events_parked.inc();
            }
            Ok(()) | Err(Disposition::Answered) => {}
        }
        self.counters.events_handled.inc();
        handled
    }
}

/// The event's ids, when they are the subject's.
fn address(
    event: &ConversationEvent,
    subject: &str,
) -> Result<(TenantId, ConversationId), AddressError> {
    let tenant: TenantId = event.tenant.parse().map_err(AddressError::Tenant)?;
    let conversation: ConversationId = event
        .conversation
        .parse()
        .map_err(AddressError::Conversation)?;
    // The subject's own tenant and conversation (whatever its kind, or
    // none in the shape before kinds).
    if subjects::tenant_of(subject) != Some(tenant)
        || subjects::conversation_of(subject) != Some(conversation)
    {
        return Err(AddressError::Misrouted {
            tenant,
            conversation,
            subject: subject.to_owned(),
        });
    }
    Ok((tenant, conversation))
}

#[cfg(test)]
#[path = "events_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_must_arrive_on_its_own_subject() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let event = ConversationEvent {
            tenant: t.to_string(),
            conversation: c.to_string(),
            ..Default::default()
        };
        let state = subjects::EventKind::State;
        assert_eq!(
            address(&event, &subjects::event(t, c, state)).unwrap(),
            (t, c)
        );
        // The shape before kinds is still its own subject.
        assert_eq!(address(&event, &format!("sb.evt.{t}.{c}")).unwrap(), (t, c));
        let elsewhere = subjects::event(TenantId::new(), c, state);
        assert!(address(&event, &elsewhere).is_err());
        let other = subjects::event(t, ConversationId::new(), state);
        assert!(address(&event, &other).is_err());
    }
}
