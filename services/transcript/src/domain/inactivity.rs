//! The inactivity clock (SPEC §4): in `ai` and `live`, no message from
//! either side for `warn` warns both sides; `end` more ends the conversation
//! with reason `inactivity`.
//!
//! A message costs no timer call: it only moves `last_activity`. One timer
//! per conversation is scheduled for the earliest moment something could be
//! due ([`next_check`]); when it fires, [`check`] looks at the real clock and
//! either acts or names the next moment to look again.
//!
//! The clock counts from the *base*: the later of the last message and the
//! moment the conversation last entered `ai` or `live`, so the time a
//! customer spent waiting in the queue does not count against the agent
//! who just joined.

use std::time::Duration;

use switchboard_contracts::v1::{ConversationState, EndConversation, EndReason};

use super::lifecycle;
use super::plan::{Plan, Record};

/// A re-armed check never comes sooner than this after the one that
/// re-armed it: with clocks slightly apart a check could otherwise re-arm
/// itself for the very moment it fired, under the same message id, and be
/// dropped as a duplicate.
pub const MIN_RECHECK_MS: i64 = 250;

/// How long silence lasts before the warning, and before the end after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub warn_ms: i64,
    pub end_ms: i64,
}

impl Limits {
    pub fn new(warn: Duration, end: Duration) -> Self {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4);
        Self {
            warn_ms: ms(warn).max(1),
            end_ms: ms(end).max(1),
        }
    }
}

/// States the clock runs in.
pub fn watched(state: ConversationState) -> bool {
    matches!(state, ConversationState::Ai | ConversationState::Live)
}

/// Where the silence is counted from (epoch ms).
pub fn base(record: &Record) -> i64 {
    record
        .info
        .last_activity_ms
        .max(record.active_since)
        .max(record.info.created_at_ms)
}

/// When to look next: the warning time, or once warned for this base the end
/// time. `None` when the clock does not run (queued, ended).
pub fn next_check(record: &Record, limits: Limits) -> Option<i64> {
    if !watched(record.state()) {
        return None;
    }
    let base = base(record);
    let warn_at = base.saturating_add(limits.warn_ms);
    Some(if record.warned_at == base {
        warn_at.saturating_add(limits.end_ms)
    } else {
        warn_at
    })
}

/// When the check that fired for `fired_due` should look again.
pub fn recheck_at(record: &Record, limits: Limits, fired_due: i64) -> Option<i64> {
    next_check(record, limits).map(|due| due.max(fired_due.saturating_add(MIN_RECHECK_MS)))
}

/// What a check at `now` does: nothing (too early, already warned, not
/// watched), the warning, or the end.
pub fn check(record: &Record, limits: Limits, now: i64, command_id: &str) -> Plan {
    let plan = Plan::new(record, now);
    if !watched(record.state()) {
        return plan;
    }
    let base = base(record);
    let warn_at = base.saturating_add(limits.warn_ms);
    let ends_at = warn_at.saturating_add(limits.end_ms);
    if now < warn_at {
        plan
    } else if now < ends_at {
        if record.warned_at == base {
            plan
        } else {
            plan.inactive(base, ends_at)
        }
    } else {
        let end = EndConversation {
            reason: EndReason::Inactivity as i32,
            ..Default::default()
        };
        // A well-formed end of a watched conversation cannot be refused.
        lifecycle::end(record, &end, command_id, now).unwrap_or(plan)
    }
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::v1::ConversationInfo;

    use super::*;
    use crate::domain::plan::Effect;

    const LIMITS: Limits = Limits {
        warn_ms: 1_000,
        end_ms: 500,
    };

    fn record(state: ConversationState, last_activity: i64) -> Record {
        Record {
            info: ConversationInfo {
                id: "c1".into(),
                state: state as i32,
                created_at_ms: 100,
                last_activity_ms: last_activity,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn silence_warns_once_then_ends_with_reason_inactivity() {
        let quiet = record(ConversationState::Ai, 10_000);
        assert!(check(&quiet, LIMITS, 10_999, "k").is_empty(), "never early");
        assert_eq!(next_check(&quiet, LIMITS), Some(11_000));

        let warned = check(&quiet, LIMITS, 11_000, "k");
        assert!(
            matches!(&warned.steps[0].effect, Effect::Inactive { ends_at_ms: 11_500, msg_id } if msg_id == "inactive:c1:10000")
        );
        let warned = warned.current().clone();
        assert!(
            check(&warned, LIMITS, 11_200, "k").is_empty(),
            "warned once"
        );
        assert_eq!(next_check(&warned, LIMITS), Some(11_500));

        let ended = check(&warned, LIMITS, 11_500, "k");
        let after = ended.current();
        assert_eq!(after.state(), ConversationState::Ended);
        assert_eq!(after.info.end_reason(), EndReason::Inactivity);
    }

    #[test]
    fn a_message_after_the_warning_starts_the_clock_again() {
        let mut warned = record(ConversationState::Live, 10_000);
        warned.warned_at = 10_000;
        warned.info.last_activity_ms = 11_300;
        assert!(check(&warned, LIMITS, 11_500, "k").is_empty());
        assert_eq!(next_check(&warned, LIMITS), Some(12_300));
    }

    #[test]
    fn entering_a_watched_state_counts_from_then() {
        let mut joined = record(ConversationState::Live, 10_000);
        joined.active_since = 50_000;
        assert_eq!(next_check(&joined, LIMITS), Some(51_000));
        assert!(check(&joined, LIMITS, 50_900, "k").is_empty());
    }

    #[test]
    fn queued_and_ended_conversations_are_not_watched() {
        for state in [ConversationState::Queued, ConversationState::Ended] {
            let idle = record(state, 1);
            assert!(check(&idle, LIMITS, 1_000_000, "k").is_empty());
            assert_eq!(next_check(&idle, LIMITS), None);
        }
    }

    #[test]
    fn a_recheck_never_lands_on_the_moment_that_fired_it() {
        let quiet = record(ConversationState::Ai, 10_000);
        assert_eq!(recheck_at(&quiet, LIMITS, 11_000), Some(11_250));
        assert_eq!(recheck_at(&quiet, LIMITS, 5_000), Some(11_000));
    }
}
