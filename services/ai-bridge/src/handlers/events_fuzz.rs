//! Fuzzing of the built-in AI agent's way from a conversation event to its
//! answer: events (customer messages in state `ai`, and every other kind;
//! changed on the wire; random bytes) read as the `ai-bridge-turns`
//! handler reads them, then decided against an AI agent record that went
//! through the wire too (its knowledge, next steps and handoff settings).
//!
//! Whatever arrives: nothing panics, what can never be handled is parked
//! (never retried), every decision says something to the customer, and the
//! thread sent to an external platform ends with the customer's message.

use proptest::prelude::*;
use prost::Message;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    AiAgent, AiHandoff, Author, ChatMessage, ConversationEvent, ConversationInfo, Knowledge,
    MessageAdded, SupportMode,
};
use switchboard_testkit::fuzz::{config, proto_edits, text, through_the_wire};

use super::{TRANSCRIPT_TAIL, customer_turn, recent};
use crate::decision::{Decision, HandoffPolicy, Turn, decide, previous_misses};
use crate::domain::{Entry, Index};
use crate::error::{HandlerError, Poison};

fn event(tenant: TenantId, role: i32, state: i32, info: bool, text: String) -> ConversationEvent {
    let conversation = ConversationId::new().to_string();
    ConversationEvent {
        tenant: tenant.to_string(),
        conversation: conversation.clone(),
        at_ms: 1_700_000_000_000,
        info: info.then(|| ConversationInfo {
            id: conversation.clone(),
            tenant: tenant.to_string(),
            state,
            support_mode: SupportMode::AiAndTeam as i32,
            ..Default::default()
        }),
        event: Some(Event::Message(MessageAdded {
            message: Some(ChatMessage {
                id: "m7".into(),
                conversation,
                seq: 7,
                author: Some(Author {
                    role,
                    id: "anon:1".into(),
                    name: "Ada".into(),
                }),
                text,
                ..Default::default()
            }),
        })),
    }
}

fn agent() -> impl Strategy<Value = AiAgent> {
    let knowledge = proptest::collection::vec((text(), text()), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(question, answer)| Knowledge { question, answer })
    });
    let handoff = proptest::option::of((any::<bool>(), 0u32..7, text()).prop_map(
        |(on_request, after_unsure, phrase)| AiHandoff {
            on_request,
            after_unsure,
            phrase,
        },
    ));
    (knowledge, text(), handoff).prop_map(|(knowledge, next_steps, handoff)| AiAgent {
        name: "Sam".into(),
        published: true,
        knowledge: knowledge.collect(),
        next_steps,
        handoff,
        ..Default::default()
    })
}

fn parked(error: &HandlerError) -> Result<(), TestCaseError> {
    prop_assert_eq!(error.disposition(), Disposition::Park, "{}", error);
    prop_assert!(!error.to_string().is_empty());
    Ok(())
}

/// The handler's reading of one delivery, then the built-in agent's turn.
fn check(subject: &str, payload: &[u8], agent: &AiAgent, mode: i32) -> Result<(), TestCaseError> {
    let event = match ConversationEvent::decode(payload) {
        Ok(event) => event,
        Err(source) => {
            let what = "ConversationEvent";
            return parked(&HandlerError::poison(Poison::Undecodable { what, source }));
        }
    };
    let turn = match customer_turn(subject, event) {
        Ok(Some(turn)) => turn,
        Ok(None) => return Ok(()),
        Err(error) => return parked(&error),
    };
    let index = Index::build(agent.knowledge.iter().map(|k| Entry {
        question: k.question.clone(),
        answer: k.answer.clone(),
    }));
    let history = vec![turn.message.clone(); 3];
    let policy = HandoffPolicy::of(agent);
    let decision = decide(
        &Turn {
            mode: SupportMode::try_from(mode).unwrap_or_default(),
            message: &turn.message.text,
            previous_misses: previous_misses(&history, turn.message.seq),
            next_steps: &agent.next_steps,
            handoff: &policy,
        },
        &index,
    );
    let said = match decision {
        Decision::Answer(text) | Decision::NextSteps(text) => text,
        Decision::Handoff { phrase, .. } => phrase,
    };
    prop_assert!(!said.trim().is_empty());
    let thread = recent(history, &turn.message);
    prop_assert!(thread.len() <= TRANSCRIPT_TAIL as usize);
    prop_assert_eq!(thread.last(), Some(&turn.message));
    Ok(())
}

proptest! {
    #![proptest_config(config(3_000))]

    #[test]
    fn any_event_is_answered_skipped_or_parked(
        role in -1i32..6,
        state in -1i32..6,
        info in any::<bool>(),
        message in text(),
        agent in agent(),
        mode in -1i32..5,
        edits in proto_edits(),
        agent_edits in proto_edits(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let tenant = TenantId::new();
        let valid = event(tenant, role, state, info, message);
        let subject = subjects::event(
            tenant,
            valid.conversation.parse().expect("an id"),
            subjects::EventKind::Message,
        );
        // The AI agent record as the configuration cache decodes it.
        let agent = through_the_wire(&agent, &agent_edits).unwrap_or_default();
        check(&subject, &valid.encode_to_vec(), &agent, mode)?;
        if let Ok(changed) = through_the_wire(&valid, &edits) {
            check(&subject, &changed.encode_to_vec(), &agent, mode)?;
        }
        check(&subject, &bytes, &agent, mode)?;
        check("sb.evt.nope.nope", &valid.encode_to_vec(), &agent, mode)?;
    }
}
