//! The consumer of `SB_WORK_ITEMS` (durable `webhook-work-items`): each
//! `WorkItemChanged` becomes `work_item.created` or `work_item.updated`
//! ([`crate::domain::work_items`]), recorded like the conversation events
//! (see [`super::events`]), in the order of its conversation.

use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::service::Consumer;
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::WorkItemChanged;

use super::events::{EventHandler, Failure, source_id};
use crate::domain::work_items::work_item_change;

/// The durable consumer this handler runs behind.
pub fn spec(lanes: usize) -> ConsumerSpec {
    ConsumerSpec::new(
        streams::WORK_ITEMS,
        consumers::WEBHOOK_WORK_ITEMS,
        filter::ALL_WORK_ITEM_CHANGES,
    )
    .lanes(lanes)
    .max_deliver(60)
}

/// The same recorder as the conversation events'.
#[derive(Debug, Clone)]
pub struct WorkItemHandler(pub EventHandler);

impl Consumer for WorkItemHandler {
    type Error = Failure;

    async fn consume(&self, delivery: Delivery) -> Result<(), Failure> {
        let changed = WorkItemChanged::decode(delivery.payload.clone())?;
        let tenant = changed
            .item
            .as_ref()
            .map(|i| i.tenant.clone())
            .unwrap_or_default();
        if subjects::tenant_of(&delivery.subject).map(|t| t.to_string()) != Some(tenant.clone()) {
            return Err(Failure::Misaddressed {
                tenant,
                subject: delivery.subject.clone(),
            });
        }
        let outgoing = work_item_change(&changed, &source_id(&delivery, streams::WORK_ITEMS));
        self.0.record(&tenant, &outgoing, &delivery).await?;
        self.0.counters.events_handled.inc();
        Ok(())
    }
}
