//! Ending a conversation (with the fallback notice just before the end when
//! the sender gives one) and plain notices.

use switchboard_contracts::v1::{ConversationState, EndConversation, PostNotice};

use super::plan::{Plan, Record};
use super::post::end_reason;
use super::{MAX_TEXT_CHARS, check_length, check_text, invalid, notices};
use crate::error::Refusal;

/// Notice kinds are snake_case words (they become frame names in clients).
const MAX_KIND_CHARS: usize = 64;

/// Ends the conversation. Exactly one end wins: ending an ended conversation
/// changes nothing and publishes nothing, except for the command that ended
/// it, whose event is due again (a redelivery).
pub fn end(
    record: &Record,
    end: &EndConversation,
    command_id: &str,
    at_ms: i64,
) -> Result<Plan, Refusal> {
    let reason = end_reason(end)?;
    check_length("end.fallback_text", &end.fallback_text, MAX_TEXT_CHARS)?;
    let plan = Plan::new(record, at_ms);
    if record.state() == ConversationState::Ended {
        if !command_id.is_empty() && record.end_command == command_id {
            return Ok(plan.repeat_end());
        }
        return Ok(plan);
    }
    let plan = match end.fallback_text.trim() {
        "" => plan,
        text => plan.notice(notices::FALLBACK, text),
    };
    let from = plan.current().state();
    let command_id = command_id.to_owned();
    Ok(plan.change_state(ConversationState::Ended, "end", |after| {
        after.info.end_reason = reason as i32;
        after.info.handoff_pending = false;
        after.end_command = command_id;
        after.ended_from = from;
    }))
}

/// A system message that is also a notice to the customer.
pub fn notice(record: &Record, notice: &PostNotice, at_ms: i64) -> Result<Plan, Refusal> {
    let kind = notice.kind.trim();
    let well_formed = !kind.is_empty()
        && kind.len() <= MAX_KIND_CHARS
        && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !well_formed {
        return Err(invalid(
            "notice.kind must be 1-64 characters of a-z and _ (e.g. fallback)",
        ));
    }
    check_text("notice.text", &notice.text)?;
    if record.state() == ConversationState::Ended {
        return Err(Refusal::ConversationEnded);
    }
    Ok(Plan::new(record, at_ms).notice(kind, &notice.text))
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::{ConversationInfo, EndReason};

    use super::*;
    use crate::domain::plan::Effect;

    fn record(state: ConversationState) -> Record {
        Record {
            info: ConversationInfo {
                id: "c1".into(),
                state: state as i32,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn ending(reason: EndReason, fallback: &str) -> EndConversation {
        EndConversation {
            reason: reason as i32,
            fallback_text: fallback.into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_end_with_fallback_text_stores_the_notice_first() {
        let plan = end(
            &record(ConversationState::Queued),
            &ending(EndReason::AcceptTimeout, "Call us."),
            "end-1",
            3,
        )
        .unwrap();
        assert!(matches!(&plan.steps[0].effect, Effect::Notice { kind, .. } if kind == "fallback"));
        let after = plan.current();
        assert_eq!(after.state(), ConversationState::Ended);
        assert_eq!(after.info.end_reason(), EndReason::AcceptTimeout);
        assert_eq!(
            (after.end_command.as_str(), after.ended_from),
            ("end-1", ConversationState::Queued)
        );
        assert_eq!(
            end(
                &record(ConversationState::Ai),
                &ending(EndReason::CustomerEnded, ""),
                "e",
                3
            )
            .unwrap()
            .steps
            .len(),
            1
        );
    }

    #[test]
    fn ending_again_repeats_only_for_the_command_that_ended_it() {
        let mut ended = record(ConversationState::Ended);
        ended.end_command = "end-1".into();
        ended.ended_from = ConversationState::Live;
        let repeat = end(&ended, &ending(EndReason::AgentEnded, ""), "end-1", 4).unwrap();
        assert!(matches!(
            repeat.steps[0].effect,
            Effect::State {
                from: ConversationState::Live,
                ..
            }
        ));
        assert!(
            end(&ended, &ending(EndReason::AgentEnded, ""), "end-2", 4)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            end(&ended, &EndConversation::default(), "end-3", 4)
                .unwrap_err()
                .code(),
            "invalid"
        );
    }

    #[test]
    fn a_notice_needs_a_kind_and_text_and_a_conversation_that_has_not_ended() {
        let good = PostNotice {
            kind: "fallback".into(),
            text: "Try again later.".into(),
        };
        assert_eq!(
            notice(&record(ConversationState::Ai), &good, 1)
                .unwrap()
                .steps
                .len(),
            1
        );
        let bad_kind = PostNotice {
            kind: "Fall Back".into(),
            ..good.clone()
        };
        assert_eq!(
            notice(&record(ConversationState::Ai), &bad_kind, 1)
                .unwrap_err()
                .code(),
            "invalid"
        );
        let blank = PostNotice {
            text: " ".into(),
            ..good.clone()
        };
        assert!(notice(&record(ConversationState::Ai), &blank, 1).is_err());
        assert_eq!(
            notice(&record(ConversationState::Ended), &good, 1)
                .unwrap_err()
                .code(),
            "conversation_ended"
        );
    }
}
