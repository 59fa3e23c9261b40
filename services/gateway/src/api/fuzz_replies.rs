//! Fuzzing of what the API reads from other services and renders: routing
//! decisions (from `SB_AUDIT`), the router's space view, work items,
//! conversations and their messages, each valid, changed on the wire, or
//! random bytes, decoded as the routes decode them. Whatever they hold,
//! nothing panics and the rendering is JSON.

use proptest::prelude::*;
use prost::Message;
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationInfo, Customer, RoutingDecision, SkippedAgent, Space,
    SpaceAgent, SpaceView, TranscriptPage, WaitingConversation, WorkItem,
};
use switchboard_testkit::fuzz::{ProtoEdit, config, proto_edits, text, through_the_wire};

use super::decisions::decision_json;
use super::live::{NameOf, render};
use super::render::{conversation_json, message_json, work_item_json};

struct Names;

impl NameOf for Names {
    fn agent(&self, id: &str) -> Option<String> {
        (!id.is_empty()).then(|| format!("Agent {id}"))
    }

    fn experience(&self, _: &str) -> Option<String> {
        None
    }
}

/// `valid` as the route receives it: as is, changed, or garbage.
fn received<T: Message + Default + Clone>(valid: &T, edits: &[ProtoEdit], bytes: &[u8]) -> Vec<T> {
    [
        Some(valid.clone()),
        through_the_wire(valid, edits).ok(),
        T::decode(bytes).ok(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

proptest! {
    #![proptest_config(config(3_000))]

    #[test]
    fn any_reply_the_api_reads_renders_as_json(
        word in text(),
        at_ms in any::<i64>(),
        number in any::<u32>(),
        edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let customer = Customer { name: word.clone(), email: word.clone(), ..Default::default() };
        let info = ConversationInfo {
            id: word.clone(),
            customer: Some(customer.clone()),
            state: number as i32 % 6,
            end_reason: number as i32 % 9,
            created_at_ms: at_ms,
            ..Default::default()
        };
        let message = ChatMessage {
            seq: u64::from(number),
            author: Some(Author { role: number as i32 % 6, id: word.clone(), name: word.clone() }),
            text: word.clone(),
            at_ms,
            notice: word.clone(),
            ..Default::default()
        };
        let decision = RoutingDecision {
            chosen: word.clone(),
            skipped: vec![SkippedAgent { agent: word.clone(), reason: word.clone() }],
            at_ms,
            ..Default::default()
        };
        let view = SpaceView {
            waiting: vec![WaitingConversation {
                customer: Some(customer),
                queued_at_ms: at_ms,
                position: number,
                offered_to: word.clone(),
                offer_expires_at_ms: at_ms,
                ..Default::default()
            }],
            agents: vec![SpaceAgent { agent: word.clone(), load: number, ..Default::default() }],
            limit: number,
            ..Default::default()
        };
        let item = WorkItem { summary: word.clone(), transcript: vec![message.clone()], ..Default::default() };
        let page = TranscriptPage { info: Some(info), messages: vec![message], error: word };
        for decision in received(&decision, &edits, &bytes) {
            prop_assert!(decision_json(&decision).is_object());
        }
        let space = Space::default();
        for view in received(&view, &edits, &bytes) {
            let live = render(&space, &view, &Names, at_ms);
            prop_assert!(serde_json::to_value(&live).is_ok_and(|v| v.is_object()));
        }
        for item in received(&item, &edits, &bytes) {
            prop_assert!(work_item_json(&item).is_object());
        }
        for page in received(&page, &edits, &bytes) {
            prop_assert!(conversation_json(&page.info.unwrap_or_default()).is_object());
            for message in &page.messages {
                prop_assert!(message_json(message).is_object());
            }
        }
    }
}
