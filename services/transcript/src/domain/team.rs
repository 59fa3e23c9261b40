//! The router's two answers to a queued conversation: an agent accepted it
//! (`queued → live`), or nobody can take it (`queued → ai` with the fallback
//! notice, in `ai_and_team`). Exactly one agent ever gets a conversation: a
//! second accept is a `conflict`, the same one again is a no-op.

use switchboard_contracts::texts;
use switchboard_contracts::v1::{AssignAgent, ConversationState, ReturnToAi};

use super::plan::{Plan, Record};
use super::{MAX_LABEL_CHARS, MAX_TEXT_CHARS, check_length, invalid, notices};
use crate::error::Refusal;

/// The agent who accepted; queued → live with an `agent_joined` notice.
pub fn assign(record: &Record, assign: &AssignAgent, at_ms: i64) -> Result<Plan, Refusal> {
    if assign.agent.trim().is_empty() {
        return Err(invalid("assign.agent must be set"));
    }
    check_length("assign.agent", &assign.agent, MAX_LABEL_CHARS)?;
    check_length("assign.agent_name", &assign.agent_name, MAX_LABEL_CHARS)?;
    let plan = Plan::new(record, at_ms);
    match record.state() {
        ConversationState::Queued => {}
        ConversationState::Ended => return Err(Refusal::ConversationEnded),
        ConversationState::Live if record.info.assignee == assign.agent => return Ok(plan),
        ConversationState::Live => {
            return Err(Refusal::Conflict(
                "the conversation is already assigned to another agent".into(),
            ));
        }
        ConversationState::Ai | ConversationState::Unspecified => {
            return Err(Refusal::Conflict(
                "the conversation is no longer waiting for an agent".into(),
            ));
        }
    }
    let name = match assign.agent_name.trim() {
        "" => texts::DEFAULT_AGENT_NAME,
        name => name,
    };
    let (agent, name) = (assign.agent.clone(), name.to_owned());
    let joined = |after: &mut Record| {
        after.info.assignee = assign.agent.clone();
        after.info.assignee_name = name.clone();
    };
    // The notice's event already names the agent: the customer's
    // `agent_joined` frame is built from it.
    Ok(plan
        .notice(notices::AGENT_JOINED, &format!("{name} joined the chat"))
        .edit_last(joined)
        .change_state(ConversationState::Live, "assign", |after| {
            after.info.assignee = agent;
            after.info.assignee_name = name.clone();
        }))
}

/// Nobody can take it: queued → ai with the fallback notice. The summary and
/// reason stay, for the work item and for a later handoff.
pub fn return_to_ai(record: &Record, back: &ReturnToAi, at_ms: i64) -> Result<Plan, Refusal> {
    check_length("return_to_ai.reason", &back.reason, MAX_LABEL_CHARS)?;
    check_length(
        "return_to_ai.fallback_text",
        &back.fallback_text,
        MAX_TEXT_CHARS,
    )?;
    let plan = Plan::new(record, at_ms);
    match record.state() {
        ConversationState::Queued => {}
        ConversationState::Ai | ConversationState::Unspecified => return Ok(plan),
        ConversationState::Ended => return Err(Refusal::ConversationEnded),
        ConversationState::Live => {
            return Err(Refusal::Conflict(
                "an agent has already accepted the conversation".into(),
            ));
        }
    }
    Ok(plan
        .notice(notices::FALLBACK, fallback_text(&back.fallback_text))
        .change_state(ConversationState::Ai, "return", |after| {
            after.info.handoff_pending = false;
        }))
}

/// The text of a fallback notice: the sender's, or a default that still
/// gives the customer somewhere to go.
pub fn fallback_text(given: &str) -> &str {
    match given.trim() {
        "" => texts::DEFAULT_FALLBACK,
        text => text,
    }
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::ConversationInfo;

    use super::*;
    use crate::domain::plan::Effect;

    fn record(state: ConversationState, assignee: &str) -> Record {
        Record {
            info: ConversationInfo {
                id: "c1".into(),
                state: state as i32,
                assignee: assignee.into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn accept(agent: &str) -> AssignAgent {
        AssignAgent {
            agent: agent.into(),
            agent_name: "Grace".into(),
            offer_id: "o1".into(),
        }
    }

    #[test]
    fn an_accept_makes_a_queued_conversation_live_with_a_joined_notice() {
        let plan = assign(&record(ConversationState::Queued, ""), &accept("a1"), 50).unwrap();
        assert_eq!(
            plan.steps[0].effect,
            Effect::Notice {
                kind: "agent_joined".into(),
                text: "Grace joined the chat".into()
            }
        );
        let after = plan.current();
        assert_eq!(after.state(), ConversationState::Live);
        assert_eq!(
            (
                after.info.assignee.as_str(),
                after.info.assignee_name.as_str()
            ),
            ("a1", "Grace")
        );
        assert_eq!(after.active_since, 50);
    }

    #[test]
    fn a_second_accept_conflicts_and_the_same_one_again_changes_nothing() {
        let live = record(ConversationState::Live, "a1");
        assert!(assign(&live, &accept("a1"), 1).unwrap().is_empty());
        assert_eq!(
            assign(&live, &accept("a2"), 1).unwrap_err().code(),
            "conflict"
        );
        let back_with_ai = record(ConversationState::Ai, "");
        assert_eq!(
            assign(&back_with_ai, &accept("a2"), 1).unwrap_err().code(),
            "conflict"
        );
        let ended = record(ConversationState::Ended, "");
        assert_eq!(
            assign(&ended, &accept("a2"), 1).unwrap_err().code(),
            "conversation_ended"
        );
        assert_eq!(
            assign(&live, &accept(" "), 1).unwrap_err().code(),
            "invalid"
        );
    }

    #[test]
    fn returning_to_the_ai_shows_the_fallback_first() {
        let back = ReturnToAi {
            reason: "no_agents_available".into(),
            fallback_text: "Email us at help@example.com.".into(),
        };
        let plan = return_to_ai(&record(ConversationState::Queued, ""), &back, 8).unwrap();
        assert!(
            matches!(&plan.steps[0].effect, Effect::Notice { kind, text } if kind == "fallback" && text == "Email us at help@example.com.")
        );
        assert_eq!(plan.current().state(), ConversationState::Ai);
        assert!(
            return_to_ai(&record(ConversationState::Ai, ""), &back, 8)
                .unwrap()
                .is_empty()
        );
        let live = record(ConversationState::Live, "a1");
        assert_eq!(
            return_to_ai(&live, &back, 8).unwrap_err().code(),
            "conflict"
        );
        assert_eq!(fallback_text("  "), texts::DEFAULT_FALLBACK);
    }
}
