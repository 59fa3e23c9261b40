//! The AI agent's handoff settings as the built-in agent obeys them: its own
//! phrase, a different number of unsure answers, and requests for a person
//! answered instead of handed off when that is turned off.

use switchboard_ai_bridge::domain::NO_ANSWER_TEXT;
use switchboard_contracts::v1::{AiHandoff, AiKind, Role, SupportMode};

use crate::harness::Bridge;
use crate::observe::{Seen, handoffs};

fn settings(on_request: bool, after_unsure: u32, phrase: &str) -> Option<AiHandoff> {
    Some(AiHandoff {
        on_request,
        after_unsure,
        phrase: phrase.into(),
    })
}

#[tokio::test]
async fn the_first_unsure_answer_hands_off_with_the_agents_own_phrase_when_set_to_one() {
    let handoff = settings(true, 1, "Over to the team, one moment!");
    let bridge = Bridge::start_with(AiKind::Builtin, SupportMode::AiAndTeam, handoff).await;
    let conversation = bridge.conversation();
    let message = bridge
        .customer_says(conversation, "Do you sell canoes?")
        .await;

    let (command, request) = bridge
        .wait_for("the handoff command", |seen| {
            handoffs(seen, conversation).into_iter().next()
        })
        .await;
    assert_eq!(command.command_id, format!("handoff:{}", message.id));
    assert_eq!(request.reason, "no_confident_answer");
    let posts = bridge.posts(conversation);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1.text, "Over to the team, one moment!");
}

#[tokio::test]
async fn with_handoff_on_request_and_unsure_answers_off_a_request_for_a_person_is_answered() {
    let bridge = Bridge::start_with(
        AiKind::Builtin,
        SupportMode::AiAndTeam,
        settings(false, 0, ""),
    )
    .await;
    let conversation = bridge.conversation();
    bridge.add_message(conversation, Role::Customer, "Do you sell boats?");
    bridge.add_message(conversation, Role::Ai, NO_ANSWER_TEXT);
    bridge
        .customer_says(conversation, "I want to talk to a human")
        .await;

    // Typing goes off only once the turn is fully performed.
    let id = conversation.to_string();
    bridge
        .wait_for("typing off", |seen| {
            seen.iter()
                .any(|s| matches!(s, Seen::Typing(t) if t.conversation == id && !t.on))
                .then_some(())
        })
        .await;
    assert!(handoffs(&bridge.seen(), conversation).is_empty());
    let posts = bridge.posts(conversation);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1.text, NO_ANSWER_TEXT);
}
