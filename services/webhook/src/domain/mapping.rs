//! Which webhook events one conversation event makes, and what they say.
//!
//! | conversation event | webhook events |
//! |---|---|
//! | state change from nothing (the conversation opened) | `conversation.started` and `conversation.state_changed` |
//! | any other state change | `conversation.state_changed` (`reason` when ended) |
//! | ai → queued | also `handoff.requested` (reason, summary, space) |
//! | queued → live | also `offer.outcome` with `outcome: accepted` |
//! | a message stored | `message.created` |
//! | rejected commands, inactivity warnings, sign-ins | nothing |
//!
//! Every event carries the source's stable id (the event's `Nats-Msg-Id`,
//! or its stream position), so the `webhook-id` derived from it is the same
//! on every redelivery.

use serde_json::{Value, json};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    ChatMessage, ConversationEvent, ConversationInfo, ConversationState, StateChanged,
};

use switchboard_contracts::names::WireName;

use super::rfc3339_ms;

/// One webhook event to deliver to every subscription that names its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub event_type: &'static str,
    /// The source's stable id; with the type and the subscription it makes
    /// the `webhook-id`.
    pub source_id: String,
    /// Deliveries of one key to one subscription go out in order.
    pub ordering_key: String,
    /// Its place among the events of one source (a change can make two).
    pub ordinal: u32,
    pub at_ms: i64,
    pub data: Value,
}

impl Outgoing {
    /// The body POSTed: `{type, timestamp, data}`.
    pub fn body(&self) -> String {
        json!({
            "type": self.event_type,
            "timestamp": rfc3339_ms(self.at_ms),
            "data": self.data,
        })
        .to_string()
    }
}

/// The webhook events of one conversation event; `source_id` is its stable id.
pub fn conversation_event(event: &ConversationEvent, source_id: &str) -> Vec<Outgoing> {
    let info = event.info.clone().unwrap_or_default();
    let conversation = event.conversation.clone();
    let made = |event_type: &'static str, ordinal: u32, data: Value| Outgoing {
        event_type,
        source_id: source_id.to_owned(),
        ordering_key: conversation.clone(),
        ordinal,
        at_ms: event.at_ms,
        data,
    };
    match &event.event {
        Some(Event::Message(added)) => added
            .message
            .as_ref()
            .map(|message| {
                vec![made(
                    "message.created",
                    0,
                    json!({"conversation": conversation, "message": message_json(message)}),
                )]
            })
            .unwrap_or_default(),
        Some(Event::State(change)) => state_events(change, &info, &conversation)
            .into_iter()
            .enumerate()
            .map(|(n, (event_type, data))| made(event_type, n as u32, data))
            .collect(),
        Some(Event::Rejected(_) | Event::Inactive(_) | Event::Identified(_)) | None => Vec::new(),
    }
}

fn state_events(
    change: &StateChanged,
    info: &ConversationInfo,
    conversation: &str,
) -> Vec<(&'static str, Value)> {
    use ConversationState::{Ai, Live, Queued, Unspecified};
    let (from, to) = (change.from(), change.to());
    let mut events = Vec::new();
    if from == Unspecified {
        events.push(("conversation.started", conversation_json(info)));
    }
    let mut changed = json!({
        "conversation": conversation,
        "from": (from != Unspecified).then(|| from.wire_name()),
        "to": to.wire_name(),
    });
    if to == ConversationState::Ended {
        changed["reason"] = json!(change.reason().wire_name());
    }
    events.push(("conversation.state_changed", changed));
    match (from, to) {
        (Ai, Queued) => events.push((
            "handoff.requested",
            json!({
                "conversation": conversation,
                "reason": info.handoff_reason,
                "summary": info.summary,
                "space": non_empty(&info.routed_space),
            }),
        )),
        (Queued, Live) => events.push((
            "offer.outcome",
            json!({
                "conversation": conversation,
                "outcome": "accepted",
                "agent": {"id": info.assignee, "name": info.assignee_name},
                "space": non_empty(&info.routed_space),
            }),
        )),
        _ => {}
    }
    events
}

fn conversation_json(info: &ConversationInfo) -> Value {
    let customer = info.customer.clone().unwrap_or_default();
    json!({
        "id": info.id,
        "experience": info.experience,
        "widget": non_empty(&info.widget),
        "state": info.state().wire_name(),
        "support_mode": info.support_mode().wire_name(),
        "customer": {
            "name": customer.name,
            "email": non_empty(&customer.email),
            "signed_in": customer.signed_in,
        },
        "created_at": rfc3339_ms(info.created_at_ms),
    })
}

fn message_json(message: &ChatMessage) -> Value {
    let author = message.author.clone().unwrap_or_default();
    let mut author_json = json!({"role": author.role().wire_name(), "name": author.name});
    if !author.id.is_empty() {
        author_json["id"] = json!(author.id);
    }
    json!({
        "id": message.id,
        "seq": message.seq,
        "author": author_json,
        "text": message.text,
        "at": rfc3339_ms(message.at_ms),
    })
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_contracts::v1::{Author, CommandRejected, EndReason, MessageAdded, Role};

    fn event(info: ConversationInfo, event: Event) -> ConversationEvent {
        ConversationEvent {
            tenant: "t".into(),
            conversation: "c".into(),
            at_ms: 1_700_000_000_000,
            info: Some(info),
            event: Some(event),
        }
    }

    fn change(from: ConversationState, to: ConversationState, reason: EndReason) -> Event {
        Event::State(StateChanged {
            from: from as i32,
            to: to as i32,
            reason: reason as i32,
        })
    }

    fn types(events: &[Outgoing]) -> Vec<&str> {
        events.iter().map(|e| e.event_type).collect()
    }

    #[test]
    fn an_opening_starts_the_conversation_and_changes_its_state() {
        use ConversationState::*;
        let info = ConversationInfo {
            id: "c".into(),
            state: Ai as i32,
            ..Default::default()
        };
        let made = conversation_event(
            &event(info, change(Unspecified, Ai, EndReason::Unspecified)),
            "open:c",
        );
        assert_eq!(
            types(&made),
            ["conversation.started", "conversation.state_changed"]
        );
        assert_eq!(made[0].data["id"], "c");
        assert_eq!(made[1].data["from"], Value::Null);
        assert_eq!(made[1].data["to"], "ai");
        assert_eq!((made[0].ordinal, made[1].ordinal), (0, 1));
        assert!(
            made.iter()
                .all(|e| e.ordering_key == "c" && e.source_id == "open:c")
        );
    }

    #[test]
    fn a_handoff_an_accept_and_an_end_say_what_happened() {
        use ConversationState::*;
        let info = ConversationInfo {
            handoff_reason: "asked".into(),
            summary: "billing".into(),
            assignee: "a1".into(),
            assignee_name: "Ann".into(),
            ..Default::default()
        };
        let handoff = conversation_event(
            &event(info.clone(), change(Ai, Queued, EndReason::Unspecified)),
            "s",
        );
        assert_eq!(
            types(&handoff),
            ["conversation.state_changed", "handoff.requested"]
        );
        assert_eq!(handoff[1].data["reason"], "asked");
        assert_eq!(handoff[1].data["summary"], "billing");

        let accepted = conversation_event(
            &event(info.clone(), change(Queued, Live, EndReason::Unspecified)),
            "s",
        );
        assert_eq!(
            types(&accepted),
            ["conversation.state_changed", "offer.outcome"]
        );
        assert_eq!(accepted[1].data["outcome"], "accepted");
        assert_eq!(accepted[1].data["agent"]["name"], "Ann");

        let ended = conversation_event(
            &event(info, change(Live, Ended, EndReason::AgentEnded)),
            "s",
        );
        assert_eq!(types(&ended), ["conversation.state_changed"]);
        assert_eq!(ended[0].data["reason"], "agent_ended");
        assert_eq!(ended[0].data["from"], "live");
    }

    #[test]
    fn a_message_is_created_and_refusals_make_nothing() {
        let message = ChatMessage {
            id: "m1".into(),
            seq: 3,
            text: "hello".into(),
            author: Some(Author {
                role: Role::Customer as i32,
                id: String::new(),
                name: "Cy".into(),
            }),
            ..Default::default()
        };
        let made = conversation_event(
            &event(
                ConversationInfo::default(),
                Event::Message(MessageAdded {
                    message: Some(message),
                }),
            ),
            "msg:m1",
        );
        assert_eq!(types(&made), ["message.created"]);
        assert_eq!(made[0].data["message"]["text"], "hello");
        assert_eq!(made[0].data["message"]["author"]["role"], "customer");
        let body: Value = serde_json::from_str(&made[0].body()).unwrap();
        assert_eq!(body["type"], "message.created");
        assert_eq!(body["timestamp"], "2023-11-14T22:13:20.000Z");

        let rejected = event(
            ConversationInfo::default(),
            Event::Rejected(CommandRejected::default()),
        );
        assert!(conversation_event(&rejected, "x").is_empty());
    }
}
