//! The built-in agent's decisions: answers, next steps, and handoff as the
//! AI agent's settings allow.

use std::sync::LazyLock;

use switchboard_contracts::v1::{AiHandoff, Author};

use super::*;
use crate::domain::Entry;

static DEFAULTS: LazyLock<HandoffPolicy> = LazyLock::new(HandoffPolicy::default);

fn index() -> Index {
    Index::build([Entry {
        question: "How do I reset my password?".into(),
        answer: "Use the Forgot password link on the sign-in page.".into(),
    }])
}

fn turn(mode: SupportMode, message: &str, previous_misses: u32) -> Turn<'_> {
    Turn {
        mode,
        message,
        previous_misses,
        next_steps: "Email help@example.com.",
        handoff: &DEFAULTS,
    }
}

fn handoff(reason: HandoffReason) -> Decision {
    Decision::Handoff {
        reason,
        phrase: HANDOFF_TEXT.into(),
    }
}

fn policy(on_request: bool, after_unsure: u32, phrase: &str) -> HandoffPolicy {
    HandoffPolicy::of(&AiAgent {
        handoff: Some(AiHandoff {
            on_request,
            after_unsure,
            phrase: phrase.into(),
        }),
        ..AiAgent::default()
    })
}

fn message(seq: u64, role: Role, text: &str) -> ChatMessage {
    ChatMessage {
        seq,
        author: Some(Author {
            role: role as i32,
            ..Default::default()
        }),
        text: text.into(),
        ..Default::default()
    }
}

#[test]
fn a_known_question_is_answered_from_the_knowledge_base() {
    let decision = decide(
        &turn(SupportMode::AiAgent, "how do I reset my password", 0),
        &index(),
    );
    assert_eq!(
        decision,
        Decision::Answer("Use the Forgot password link on the sign-in page.".into())
    );
}

#[test]
fn an_unknown_question_gets_the_no_answer_text() {
    let decision = decide(
        &turn(SupportMode::AiAgent, "what are your prices", 5),
        &index(),
    );
    assert_eq!(decision, Decision::Answer(NO_ANSWER_TEXT.into()));
}

#[test]
fn a_request_for_a_person_in_ai_agent_mode_gets_the_next_steps() {
    let decision = decide(
        &turn(SupportMode::AiAgent, "let me talk to a human", 0),
        &index(),
    );
    assert_eq!(
        decision,
        Decision::NextSteps("Email help@example.com.".into())
    );
    let mut bare = turn(SupportMode::AiAgent, "let me talk to a human", 0);
    bare.next_steps = "  ";
    assert_eq!(
        decide(&bare, &index()),
        Decision::NextSteps(DEFAULT_NEXT_STEPS.into())
    );
}

#[test]
fn a_request_for_a_person_in_ai_and_team_mode_hands_off() {
    let decision = decide(
        &turn(SupportMode::AiAndTeam, "let me talk to a human", 0),
        &index(),
    );
    assert_eq!(decision, handoff(HandoffReason::CustomerAsked));
}

#[test]
fn the_second_miss_in_a_row_hands_off_in_ai_and_team_mode_only() {
    let first = decide(
        &turn(SupportMode::AiAndTeam, "what are your prices", 0),
        &index(),
    );
    assert_eq!(first, Decision::Answer(NO_ANSWER_TEXT.into()));
    let second = decide(
        &turn(SupportMode::AiAndTeam, "what are your prices", 1),
        &index(),
    );
    assert_eq!(second, handoff(HandoffReason::NoConfidentAnswer));
    let ai_only = decide(
        &turn(SupportMode::AiAgent, "what are your prices", 1),
        &index(),
    );
    assert_eq!(ai_only, Decision::Answer(NO_ANSWER_TEXT.into()));
}

#[test]
fn an_agent_without_handoff_settings_gets_the_defaults() {
    assert_eq!(
        HandoffPolicy::of(&AiAgent::default()),
        HandoffPolicy::default()
    );
    assert_eq!(policy(true, 2, "  ").phrase, HANDOFF_TEXT);
}

#[test]
fn with_on_request_off_a_request_for_a_person_is_answered_instead() {
    let settings = policy(false, 2, "");
    let mut asks = turn(SupportMode::AiAndTeam, "let me talk to a human", 0);
    asks.handoff = &settings;
    assert_eq!(
        decide(&asks, &index()),
        Decision::Answer(NO_ANSWER_TEXT.into())
    );
    // The unsure-answers rule still applies to such a message.
    asks.previous_misses = 1;
    assert_eq!(
        decide(&asks, &index()),
        Decision::Handoff {
            reason: HandoffReason::NoConfidentAnswer,
            phrase: HANDOFF_TEXT.into(),
        }
    );
}

#[test]
fn the_handoff_uses_the_configured_phrase() {
    let settings = policy(true, 2, "Passing you to Ana from billing.");
    let mut asks = turn(SupportMode::AiAndTeam, "can I speak to a person", 0);
    asks.handoff = &settings;
    assert_eq!(
        decide(&asks, &index()),
        Decision::Handoff {
            reason: HandoffReason::CustomerAsked,
            phrase: "Passing you to Ana from billing.".into(),
        }
    );
}

#[test]
fn after_unsure_sets_how_many_misses_in_a_row_hand_off() {
    let unsure = |after_unsure: u32, previous_misses: u32| {
        let settings = policy(true, after_unsure, "");
        let mut t = turn(
            SupportMode::AiAndTeam,
            "what are your prices",
            previous_misses,
        );
        t.handoff = &settings;
        decide(&t, &index())
    };
    assert_eq!(unsure(1, 0), handoff(HandoffReason::NoConfidentAnswer));
    assert_eq!(unsure(3, 1), Decision::Answer(NO_ANSWER_TEXT.into()));
    assert_eq!(unsure(3, 2), handoff(HandoffReason::NoConfidentAnswer));
    assert_eq!(unsure(0, 40), Decision::Answer(NO_ANSWER_TEXT.into()));
}

#[test]
fn misses_are_counted_back_to_the_last_real_answer() {
    let transcript = [
        message(1, Role::Customer, "hi"),
        message(2, Role::Ai, "Hello!"),
        message(3, Role::Customer, "prices?"),
        message(4, Role::Ai, NO_ANSWER_TEXT),
        message(5, Role::Customer, "costs?"),
        message(6, Role::Ai, NO_ANSWER_TEXT),
        message(7, Role::Customer, "pricing?"),
        message(8, Role::Ai, NO_ANSWER_TEXT),
    ];
    assert_eq!(
        previous_misses(&transcript, 7),
        2,
        "the answer to 7 itself is ignored"
    );
    assert_eq!(previous_misses(&transcript, 5), 1);
    assert_eq!(previous_misses(&transcript, 3), 0);
    let after_agent = [
        message(4, Role::Ai, NO_ANSWER_TEXT),
        message(5, Role::System, "An agent joined"),
    ];
    assert_eq!(previous_misses(&after_agent, 9), 0);
}

#[test]
fn a_knowledge_entry_with_a_blank_answer_gets_the_no_answer_text_not_an_empty_message() {
    let blank = Index::build([Entry {
        question: "How do I reset my password?".into(),
        answer: " ".into(),
    }]);
    let decision = decide(
        &turn(SupportMode::AiAgent, "How do I reset my password?", 0),
        &blank,
    );
    assert_eq!(decision, Decision::Answer(NO_ANSWER_TEXT.into()));
}
