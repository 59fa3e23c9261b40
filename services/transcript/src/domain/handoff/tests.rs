//! The sign-in rule and the handoff's bookkeeping, without a database.

use switchboard_contracts::texts;
use switchboard_contracts::v1::{ConversationInfo, ConversationState, Customer, SupportMode};

use super::*;
use crate::domain::plan::Effect;

fn record(signed_in: bool, state: ConversationState) -> Record {
    Record {
        info: ConversationInfo {
            id: "c1".into(),
            state: state as i32,
            support_mode: SupportMode::AiAndTeam as i32,
            customer: Some(Customer {
                key: if signed_in { "user:ada" } else { "anon:x" }.into(),
                name: "Ada".into(),
                signed_in,
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn request(summary: &str) -> RequestHandoff {
    RequestHandoff {
        reason: "customer_asked".into(),
        summary: summary.into(),
        requested_by: Role::Customer as i32,
    }
}

fn ada() -> IdentifyCustomer {
    IdentifyCustomer {
        customer: Some(Customer {
            key: "user:ada".into(),
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            signed_in: false,
        }),
    }
}

#[test]
fn a_signed_in_customer_is_queued_with_the_first_message_as_summary() {
    let plan = handoff(
        &record(true, ConversationState::Ai),
        &request(""),
        Some(" My order is late "),
        7,
    )
    .unwrap();
    assert_eq!(plan.steps.len(), 1);
    let after = plan.current();
    assert_eq!(after.state(), ConversationState::Queued);
    assert_eq!(after.info.summary, "My order is late");
    assert_eq!(after.info.handoff_reason, "customer_asked");
    assert!(
        matches!(&plan.steps[0].effect, Effect::State { from: ConversationState::Ai, msg_id } if msg_id == "handoff:c1:1")
    );
    let given = handoff(
        &record(true, ConversationState::Ai),
        &request("Refund for order 42"),
        Some("hi"),
        7,
    )
    .unwrap();
    assert_eq!(given.current().info.summary, "Refund for order 42");
}

#[test]
fn an_anonymous_customer_is_asked_to_sign_in_and_stays_with_the_ai() {
    let plan = handoff(&record(false, ConversationState::Ai), &request(""), None, 7).unwrap();
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(
        plan.steps[0].effect,
        Effect::Notice {
            kind: "sign_in_required".into(),
            text: texts::SIGN_IN_REQUIRED.into()
        }
    );
    let after = plan.current();
    assert_eq!(after.state(), ConversationState::Ai);
    assert!(after.info.handoff_pending);
    assert_eq!(after.info.handoff_reason, "customer_asked");
}

#[test]
fn signing_in_carries_a_pending_handoff_on() {
    let pending = handoff(&record(false, ConversationState::Ai), &request(""), None, 7)
        .unwrap()
        .current()
        .clone();
    let plan = identify(&pending, &ada(), Some("Where is my parcel?"), 9).unwrap();
    assert_eq!(plan.steps.len(), 2);
    assert!(matches!(plan.steps[0].effect, Effect::Identified { .. }));
    let customer = plan.steps[0].after.info.customer.clone().unwrap();
    assert!(customer.signed_in);
    assert_eq!(customer.email, "ada@example.com");
    let after = plan.current();
    assert_eq!(after.state(), ConversationState::Queued);
    assert!(!after.info.handoff_pending);
    assert_eq!(after.info.summary, "Where is my parcel?");
}

#[test]
fn identifying_without_a_pending_handoff_only_records_the_customer() {
    let plan = identify(&record(false, ConversationState::Ai), &ada(), None, 9).unwrap();
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.current().state(), ConversationState::Ai);
}

#[test]
fn identifying_a_signed_in_conversation_is_a_no_op_or_a_conflict() {
    let signed_in = record(true, ConversationState::Ai);
    assert!(identify(&signed_in, &ada(), None, 9).unwrap().is_empty());
    let mut someone_else = ada();
    someone_else.customer.as_mut().unwrap().key = "user:bob".into();
    assert_eq!(
        identify(&signed_in, &someone_else, None, 9)
            .unwrap_err()
            .code(),
        "conflict"
    );
    assert_eq!(
        identify(&signed_in, &IdentifyCustomer::default(), None, 9)
            .unwrap_err()
            .code(),
        "invalid"
    );
}

#[test]
fn a_handoff_outside_state_ai_is_a_no_op_and_after_the_end_a_refusal() {
    for state in [ConversationState::Queued, ConversationState::Live] {
        assert!(
            handoff(&record(true, state), &request(""), None, 7)
                .unwrap()
                .is_empty()
        );
    }
    let ended = handoff(
        &record(true, ConversationState::Ended),
        &request(""),
        None,
        7,
    );
    assert_eq!(ended.unwrap_err().code(), "conversation_ended");
}

#[test]
fn an_ai_agent_conversation_has_no_team_to_hand_off_to() {
    let mut ai_only = record(true, ConversationState::Ai);
    ai_only.info.support_mode = SupportMode::AiAgent as i32;
    assert_eq!(
        handoff(&ai_only, &request(""), None, 7).unwrap_err().code(),
        "invalid"
    );
}

#[test]
fn a_handoff_without_a_reason_names_who_asked() {
    let mut by_ai = request("");
    by_ai.reason.clear();
    by_ai.requested_by = Role::Ai as i32;
    let plan = handoff(&record(true, ConversationState::Ai), &by_ai, None, 7).unwrap();
    assert_eq!(plan.current().info.handoff_reason, "ai_handoff");
}
