//! Which webhook event a work-item change makes: `work_item.created` when
//! the item was created, `work_item.updated` (with what changed: assigned,
//! status, transcript) otherwise. Ordered with its conversation's events.

use serde_json::{Value, json};
use switchboard_contracts::v1::{WorkItem, WorkItemChanged};

use super::mapping::Outgoing;
use super::rfc3339_ms;

/// The webhook event of one change; `source_id` is its stable id.
pub fn work_item_change(changed: &WorkItemChanged, source_id: &str) -> Vec<Outgoing> {
    let Some(item) = &changed.item else {
        return Vec::new();
    };
    let (event_type, data) = if changed.change == "created" {
        ("work_item.created", json!({"work_item": item_json(item)}))
    } else {
        (
            "work_item.updated",
            json!({"work_item": item_json(item), "change": changed.change}),
        )
    };
    vec![Outgoing {
        event_type,
        source_id: source_id.to_owned(),
        ordering_key: item.conversation.clone(),
        ordinal: 0,
        at_ms: changed.at_ms,
        data,
    }]
}

fn item_json(item: &WorkItem) -> Value {
    let reporter = item.reporter.clone().unwrap_or_default();
    json!({
        "id": item.id,
        "space": item.space,
        "conversation": item.conversation,
        "status": item.status,
        "summary": item.summary,
        "description": item.description,
        "reporter": {"name": reporter.name, "email": (!reporter.email.is_empty()).then_some(reporter.email)},
        "assignee": (!item.assignee.is_empty()).then(|| json!({"id": item.assignee, "name": item.assignee_name})),
        "created_at": rfc3339_ms(item.created_at_ms),
        "updated_at": rfc3339_ms(item.updated_at_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(change: &str) -> WorkItemChanged {
        WorkItemChanged {
            item: Some(WorkItem {
                id: "w1".into(),
                conversation: "c1".into(),
                status: "in_progress".into(),
                assignee: "a1".into(),
                assignee_name: "Ann".into(),
                ..Default::default()
            }),
            change: change.into(),
            at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn a_new_item_is_created_and_every_later_change_an_update() {
        let created = work_item_change(&changed("created"), "wi:w1:created");
        assert_eq!(created[0].event_type, "work_item.created");
        assert_eq!(created[0].ordering_key, "c1");
        assert_eq!(created[0].data["work_item"]["id"], "w1");
        let moved = work_item_change(&changed("status"), "wi:w1:status");
        assert_eq!(moved[0].event_type, "work_item.updated");
        assert_eq!(moved[0].data["change"], "status");
        assert_eq!(moved[0].data["work_item"]["assignee"]["name"], "Ann");
        assert!(work_item_change(&WorkItemChanged::default(), "x").is_empty());
    }
}
