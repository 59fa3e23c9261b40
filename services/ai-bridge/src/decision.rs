//! What the built-in AI agent does with one customer message, as a pure
//! function of the support mode, the message, the knowledge base and the
//! conversation's recent misses. The handlers load those, call [`decide`], then
//! perform the [`Decision`].
//!
//! This composes the retrieval and intent rules of [`crate::domain`] with the
//! support mode (SPEC §3, §4 (b)). Handoff is only *decided* here: the events
//! handler performs it by telling the customer ([`HANDOFF_TEXT`]) and asking
//! the transcript service, which owns the conversation, to hand it over (it
//! applies the sign-in rule and takes the customer's first message as the
//! summary the team sees).

use switchboard_contracts::v1::{ChatMessage, Role, SupportMode};

use crate::domain::{Answer, Index, NO_ANSWER_TEXT, asks_for_human, should_hand_off};

pub use switchboard_contracts::texts::{DEFAULT_NEXT_STEPS, HANDOFF as HANDOFF_TEXT};

/// Everything [`decide`] looks at besides the knowledge base.
#[derive(Debug, Clone, Copy)]
pub struct Turn<'a> {
    pub mode: SupportMode,
    /// The customer's message.
    pub message: &'a str,
    /// Unconfident AI replies in a row just before this message (see
    /// [`previous_misses`]).
    pub previous_misses: u32,
    /// The AI agent's configured next-steps message; may be empty.
    pub next_steps: &'a str,
}

/// Why the AI agent wants a person to take over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffReason {
    /// The customer's message asks for a person.
    CustomerAsked,
    /// No confident answer twice in a row.
    NoConfidentAnswer,
}

impl HandoffReason {
    /// The snake_case name recorded on the work item and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::CustomerAsked => "customer_asked",
            HandoffReason::NoConfidentAnswer => "no_confident_answer",
        }
    }
}

/// The AI agent's move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Reply with this text: the knowledge answer, or [`NO_ANSWER_TEXT`].
    Answer(String),
    /// `ai_agent` mode and the customer asked for a person (SPEC §3).
    NextSteps(String),
    /// `ai_and_team` mode: hand the conversation to the support team.
    Handoff { reason: HandoffReason },
}

/// Decides the reply to one customer message.
pub fn decide(turn: &Turn<'_>, index: &Index) -> Decision {
    let wants_person = asks_for_human(turn.message);
    match turn.mode {
        SupportMode::AiAndTeam => {
            if wants_person {
                return Decision::Handoff {
                    reason: HandoffReason::CustomerAsked,
                };
            }
            let answer = index.best(turn.message);
            let confident = matches!(answer, Answer::Confident { .. });
            let (_, hand_off) = should_hand_off(turn.previous_misses, confident);
            if hand_off {
                Decision::Handoff {
                    reason: HandoffReason::NoConfidentAnswer,
                }
            } else {
                Decision::Answer(answer_text(answer))
            }
        }
        // `support_team` conversations never reach the AI; should one be in state
        // `ai` anyway, answering as in `ai_agent` mode is the safe behaviour.
        _ => {
            if wants_person {
                Decision::NextSteps(next_steps_text(turn.next_steps))
            } else {
                Decision::Answer(answer_text(index.best(turn.message)))
            }
        }
    }
}

/// The agent's configured next-steps message, or the default when unset.
pub fn next_steps_text(configured: &str) -> String {
    let text = configured.trim();
    if text.is_empty() {
        DEFAULT_NEXT_STEPS
    } else {
        text
    }
    .to_owned()
}

fn answer_text(answer: Answer) -> String {
    match answer {
        Answer::Confident { answer, .. } => answer,
        Answer::NotConfident { .. } => NO_ANSWER_TEXT.to_owned(),
    }
}

/// The streak of unconfident AI replies before the customer message numbered
/// `current_seq`, read back from the transcript so the bridge stores nothing:
/// newest first, customer messages are skipped, an AI no-answer counts, and any
/// other AI reply, agent or system message ends the streak. Messages from
/// `current_seq` on are ignored, so a redelivered message (whose answer may
/// already be stored) is decided the same way again.
pub fn previous_misses(transcript: &[ChatMessage], current_seq: u64) -> u32 {
    let mut misses = 0;
    for message in transcript.iter().rev().filter(|m| m.seq < current_seq) {
        let role = message
            .author
            .as_ref()
            .map(|a| a.role())
            .unwrap_or_default();
        match role {
            Role::Customer => continue,
            Role::Ai if message.text == NO_ANSWER_TEXT => misses += 1,
            _ => break,
        }
    }
    misses
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::Author;

    use super::*;
    use crate::domain::Entry;

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
        }
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
        assert_eq!(
            decision,
            Decision::Handoff {
                reason: HandoffReason::CustomerAsked,
            }
        );
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
        assert_eq!(
            second,
            Decision::Handoff {
                reason: HandoffReason::NoConfidentAnswer,
            }
        );
        let ai_only = decide(
            &turn(SupportMode::AiAgent, "what are your prices", 1),
            &index(),
        );
        assert_eq!(ai_only, Decision::Answer(NO_ANSWER_TEXT.into()));
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
}
