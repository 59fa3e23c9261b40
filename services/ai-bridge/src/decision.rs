//! What the built-in AI agent does with one customer message, as a pure
//! function of the support mode, the message, the knowledge base and the
//! conversation's recent misses. The handlers load those, call [`decide`], then
//! perform the [`Decision`].
//!
//! This composes the retrieval and intent rules of [`crate::domain`] with the
//! support mode (SPEC §3, §4 (b)) and the AI agent's handoff settings
//! ([`HandoffPolicy`]). Handoff is only *decided* here: the events handler
//! performs it by telling the customer (the policy's phrase) and asking
//! the transcript service, which owns the conversation, to hand it over (it
//! applies the sign-in rule and takes the customer's first message as the
//! summary the team sees).

use switchboard_contracts::v1::{AiAgent, ChatMessage, Role, SupportMode};

use crate::domain::{
    Answer, Index, MISSES_BEFORE_HANDOFF, NO_ANSWER_TEXT, asks_for_human, should_hand_off,
};

pub use switchboard_contracts::texts::{DEFAULT_NEXT_STEPS, HANDOFF as HANDOFF_TEXT};

/// The AI agent's handoff settings as the built-in agent applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffPolicy {
    /// Hand off when the customer's message asks for a person.
    pub on_request: bool,
    /// Hand off at this many unsure answers in a row; 0 = never.
    pub after_unsure: u32,
    /// Said as the agent hands off.
    pub phrase: String,
}

impl Default for HandoffPolicy {
    fn default() -> Self {
        Self {
            on_request: true,
            after_unsure: MISSES_BEFORE_HANDOFF,
            phrase: HANDOFF_TEXT.to_owned(),
        }
    }
}

impl HandoffPolicy {
    /// The agent's stored settings; the defaults for a record that has none
    /// (written before the settings existed), the default phrase when its
    /// own is empty.
    pub fn of(agent: &AiAgent) -> Self {
        let Some(handoff) = &agent.handoff else {
            return Self::default();
        };
        let phrase = handoff.phrase.trim();
        Self {
            on_request: handoff.on_request,
            after_unsure: handoff.after_unsure,
            phrase: if phrase.is_empty() {
                HANDOFF_TEXT
            } else {
                phrase
            }
            .to_owned(),
        }
    }
}

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
    /// When the AI agent hands off (in `ai_and_team` mode).
    pub handoff: &'a HandoffPolicy,
}

/// Why the AI agent wants a person to take over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffReason {
    /// The customer's message asks for a person.
    CustomerAsked,
    /// No confident answer as many times in a row as the settings allow.
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
    /// `ai_and_team` mode: say `phrase`, then hand the conversation to the
    /// support team.
    Handoff {
        reason: HandoffReason,
        phrase: String,
    },
}

/// Decides the reply to one customer message. In `ai_and_team` mode with
/// `on_request` off, a message asking for a person is answered like any
/// other question (the widget's "Talk to a person" still hands off).
pub fn decide(turn: &Turn<'_>, index: &Index) -> Decision {
    let wants_person = asks_for_human(turn.message);
    let policy = turn.handoff;
    match turn.mode {
        SupportMode::AiAndTeam => {
            let handoff = |reason| Decision::Handoff {
                reason,
                phrase: policy.phrase.clone(),
            };
            if wants_person && policy.on_request {
                return handoff(HandoffReason::CustomerAsked);
            }
            let answer = index.best(turn.message);
            let confident = matches!(answer, Answer::Confident { .. });
            let (_, hand_off) =
                should_hand_off(turn.previous_misses, confident, policy.after_unsure);
            if hand_off {
                handoff(HandoffReason::NoConfidentAnswer)
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

/// The reply for a retrieval result. A knowledge entry with a blank answer
/// (the API refuses one, but a record may come from elsewhere) must not
/// post an empty message: the customer gets the no-answer text instead.
fn answer_text(answer: Answer) -> String {
    match answer {
        Answer::Confident { answer, .. } if !answer.trim().is_empty() => answer,
        Answer::Confident { .. } | Answer::NotConfident { .. } => NO_ANSWER_TEXT.to_owned(),
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
mod tests;
