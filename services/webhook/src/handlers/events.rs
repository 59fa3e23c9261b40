//! The consumer of `SB_EVENTS` (durable `webhook-events`): decode, map to
//! webhook events ([`crate::domain::mapping`]), and record one delivery per
//! event and subscription that names its type; the pipeline acks only
//! after every record is written. The delivery worker sends them. A
//! redelivered event records nothing new (the delivery id is the
//! `webhook-id`, derived from the event's stable id).
//!
//! | outcome | when |
//! |---|---|
//! | ack | recorded, or no subscription wanted it |
//! | retry (nak with backoff) | the database failed |
//! | park | undecodable, or it arrived on another tenant's subject |

use std::sync::Arc;

use prost::Message;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::service::Consumer;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, EventKind, filter};
use switchboard_contracts::v1::{ConversationEvent, Webhook};
use switchboard_runtime::clock::now_ms;
use tokio::sync::Notify;

use super::Counters;
use crate::domain::mapping::{self, Outgoing};
use crate::domain::sign::webhook_id;
use crate::error::{StoreError, StoreErrorKind};
use crate::store::{NewDelivery, Store};

/// The durable consumer this handler runs behind.
pub fn spec(lanes: usize) -> ConsumerSpec {
    // Messages (the AI agent's turns too) and state changes are all that
    // become webhook events: the server filters out the rest.
    ConsumerSpec::filtered(
        streams::EVENTS,
        consumers::WEBHOOK_EVENTS,
        filter::events_of_kinds(&[EventKind::Message, EventKind::Turn, EventKind::State]),
    )
    .lanes(lanes)
    .max_deliver(60)
}

#[derive(Debug, Clone)]
pub struct EventHandler {
    pub store: Store,
    pub config: ConfigCache,
    pub counters: Counters,
    /// Rung after recording, so the worker sends at once.
    pub wake: Arc<Notify>,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("undecodable ConversationEvent: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error("an event of tenant `{tenant}` arrived on {subject}")]
    Misaddressed { tenant: String, subject: String },
}

impl Classify for Failure {
    fn disposition(&self) -> Disposition {
        match self {
            Failure::Store(error) if error.kind() == StoreErrorKind::Corrupt => Disposition::Park,
            Failure::Store(_) => Disposition::Retry,
            Failure::Undecodable(_) | Failure::Misaddressed { .. } => Disposition::Park,
        }
    }
}

/// A message's stable id: its `Nats-Msg-Id` (derived from what was
/// stored), or else its place in `stream`.
pub fn source_id(delivery: &Delivery, stream: &str) -> String {
    delivery
        .headers
        .as_ref()
        .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
        .map(|id| id.as_str().to_owned())
        .unwrap_or_else(|| format!("{stream}:{}", delivery.stream_sequence))
}

impl EventHandler {
    async fn try_handle(&self, delivery: &Delivery) -> Result<(), Failure> {
        let event = ConversationEvent::decode(delivery.payload.clone())?;
        let tenant = event.tenant.clone();
        if subjects::tenant_of(&delivery.subject).map(|t| t.to_string()) != Some(tenant.clone()) {
            return Err(Failure::Misaddressed {
                tenant,
                subject: delivery.subject.clone(),
            });
        }
        let outgoing = mapping::conversation_event(&event, &source_id(delivery, streams::EVENTS));
        self.record(&tenant, &outgoing, delivery).await?;
        Ok(())
    }

    /// Records one delivery per webhook event and subscription of `tenant`
    /// that names its type (switched-off subscriptions keep nothing).
    pub async fn record(
        &self,
        tenant: &str,
        outgoing: &[Outgoing],
        delivery: &Delivery,
    ) -> Result<(), StoreError> {
        let subscriptions: Vec<Webhook> = self
            .config
            .list::<Webhook>(&keys::tenant_webhooks(tenant))
            .into_iter()
            .filter(|hook| !hook.disabled)
            .collect();
        let seq = i64::try_from(delivery.stream_sequence).unwrap_or(i64::MAX);
        let mut recorded: u64 = 0;
        for outgoing in outgoing {
            for hook in subscriptions
                .iter()
                .filter(|h| h.events.iter().any(|e| e == outgoing.event_type))
            {
                if self
                    .store
                    .record(&new_delivery(tenant, hook, outgoing, seq))
                    .await?
                {
                    recorded += 1;
                }
            }
        }
        if recorded > 0 {
            self.counters.deliveries_recorded.inc_by(recorded);
            self.wake.notify_one();
        }
        Ok(())
    }
}

fn new_delivery(tenant: &str, hook: &Webhook, outgoing: &Outgoing, seq: i64) -> NewDelivery {
    NewDelivery {
        id: webhook_id(&outgoing.source_id, outgoing.event_type, &hook.id),
        tenant: tenant.to_owned(),
        subscription: hook.id.clone(),
        ordering_key: outgoing.ordering_key.clone(),
        event_type: outgoing.event_type,
        event_at_ms: outgoing.at_ms,
        source_seq: seq,
        ordinal: outgoing.ordinal,
        payload: outgoing.body(),
        created_at_ms: now_ms(),
    }
}

impl Consumer for EventHandler {
    type Error = Failure;

    async fn consume(&self, delivery: Delivery) -> Result<(), Failure> {
        let handled = self.try_handle(&delivery).await;
        if !matches!(
            handled.as_ref().map_err(Classify::disposition),
            Err(Disposition::Retry)
        ) {
            self.counters.events_handled.inc();
        }
        handled
    }
}
