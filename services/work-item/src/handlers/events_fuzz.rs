//! Fuzzing of the `work-item-events` consumer's plain code: conversation
//! events (every state change a conversation makes, with and without its
//! info; changed on the wire; random bytes), decoded, decided and addressed
//! as the handler does, then composed into an item from a thread that may
//! hold anything. Whatever arrives: nothing panics, what can never become
//! an item is parked (never retried), and a composed item has a summary and
//! a description.

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationEvent, ConversationInfo, Customer, StateChanged,
};
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{Failure, address};
use crate::domain::{Step, compose, decide};

fn event(
    tenant: TenantId,
    conversation: ConversationId,
    from: i32,
    to: i32,
    info: bool,
) -> ConversationEvent {
    ConversationEvent {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: 1_700_000_000_000,
        info: info.then(|| ConversationInfo {
            id: conversation.to_string(),
            tenant: tenant.to_string(),
            routed_space: SpaceId::new().to_string(),
            customer: Some(Customer {
                name: "Ada".into(),
                ..Default::default()
            }),
            summary: "my parcel".into(),
            handoff_reason: "customer_request".into(),
            last_seq: 3,
            assignee: "agent-1".into(),
            ..Default::default()
        }),
        event: Some(Event::State(StateChanged {
            from,
            to,
            reason: 0,
        })),
    }
}

fn thread() -> impl Strategy<Value = Vec<ChatMessage>> {
    let message = (any::<u64>(), -1i32..6, text(), any::<i64>(), text()).prop_map(
        |(seq, role, text, at_ms, name)| ChatMessage {
            seq: seq % 8,
            author: Some(Author {
                role,
                id: String::new(),
                name,
            }),
            text,
            at_ms,
            ..Default::default()
        },
    );
    proptest::collection::vec(message, 0..8)
}

/// The handler's order: decode, decide, address; then the item.
fn check(subject: &str, payload: &[u8], thread: &[ChatMessage]) -> Result<(), TestCaseError> {
    let event = match ConversationEvent::decode(payload) {
        Ok(event) => event,
        Err(error) => return parked(&Failure::from(error)),
    };
    let Some(step) = decide(&event) else {
        return Ok(());
    };
    let (tenant, conversation) = match address(&event, subject) {
        Ok(ids) => ids,
        Err(error) => return parked(&Failure::from(error)),
    };
    let handoff_seq = match step {
        Step::Open {
            straight_to_team: true,
        } => 0,
        Step::Open { .. } => event.info.as_ref().map_or(0, |i| i.last_seq),
        Step::Assign | Step::Close { .. } => u64::MAX,
    };
    match compose(
        tenant,
        conversation,
        event.info.as_ref(),
        thread,
        handoff_seq,
        event.at_ms,
    ) {
        Ok(item) => {
            prop_assert!(
                !item.summary.is_empty() && !item.description.is_empty(),
                "{item:?}"
            );
            prop_assert!(item.summary.chars().count() <= 201, "{item:?}");
        }
        Err(error) => parked(&Failure::from(error))?,
    }
    Ok(())
}

fn parked(failure: &Failure) -> Result<(), TestCaseError> {
    prop_assert_eq!(failure.disposition(), Disposition::Park, "{}", failure);
    prop_assert!(!failure.to_string().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(config(6_000))]

    #[test]
    fn any_event_becomes_an_item_is_skipped_or_is_parked(
        from in -1i32..6,
        to in -1i32..6,
        info in any::<bool>(),
        edits in proto_edits(),
        thread in thread(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (tenant, conversation) = (TenantId::new(), ConversationId::new());
        let subject = subjects::event(tenant, conversation, subjects::EventKind::State);
        let valid = event(tenant, conversation, from, to, info);
        check(&subject, &valid.encode_to_vec(), &thread)?;
        if let Ok(changed) = through_the_wire(&valid, &edits) {
            check(&subject, &changed.encode_to_vec(), &thread)?;
        }
        check(&subject, &bytes, &thread)?;
    }
}
