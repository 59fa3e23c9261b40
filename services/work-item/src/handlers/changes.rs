//! Telling followers (the webhook service) that a work item changed:
//! `WorkItemChanged` on `sb.workitem.{tenant}.{conversation}` (stream
//! `SB_WORK_ITEMS`). Each change has a `Nats-Msg-Id` derived from what was
//! stored, so repeating a step (a redelivered event) publishes nothing new
//! within the duplicate window, and a follower that sees it again later
//! derives the same ids from it.

use switchboard_bus::{Bus, BusError};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{WorkItem, WorkItemChanged};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Assigned,
    Status,
    Transcript,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Assigned => "assigned",
            Change::Status => "status",
            Change::Transcript => "transcript",
        }
    }
}

/// The message id of a change: one per item and change, and per status
/// move or assignee.
fn msg_id(item: &WorkItem, change: Change) -> String {
    match change {
        Change::Created | Change::Transcript => format!("wi:{}:{}", item.id, change.as_str()),
        Change::Assigned => format!("wi:{}:assigned:{}", item.id, item.assignee),
        Change::Status => format!(
            "wi:{}:status:{}:{}",
            item.id, item.status, item.updated_at_ms
        ),
    }
}

/// Publishes the change of `item` (its transcript left out) and awaits
/// the stream's ack.
pub async fn publish(bus: &Bus, item: &WorkItem, change: Change) -> Result<(), BusError> {
    let (Ok(tenant), Ok(conversation)) = (
        item.tenant.parse::<TenantId>(),
        item.conversation.parse::<ConversationId>(),
    ) else {
        tracing::warn!(item = %item.id, "work item without valid ids; change not published");
        return Ok(());
    };
    let changed = WorkItemChanged {
        item: Some(WorkItem {
            transcript: Vec::new(),
            ..item.clone()
        }),
        change: change.as_str().to_owned(),
        at_ms: item.updated_at_ms,
    };
    bus.publish_durable(
        subjects::work_item_change(tenant, conversation),
        &msg_id(item, change),
        &changed,
    )
    .await?;
    Ok(())
}
