//! What a command does to a conversation, as data. A [`Plan`] is a list of
//! [`Step`]s, each one event to publish and the [`Record`] as it stands
//! after it; the store writes the last record and the steps' messages in one
//! transaction, and every event carries its step's record — "the
//! conversation as it stands after this event".

use switchboard_contracts::v1::{ConversationInfo, ConversationState, EndReason};

/// A conversation as its owner keeps it: what events carry, plus the
/// bookkeeping they do not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub info: ConversationInfo,
    /// The inactivity base a warning was sent for (see
    /// [`super::inactivity::base`]); 0 when none was.
    pub warned_at: i64,
    /// When the conversation last entered `ai` or `live`.
    pub active_since: i64,
    /// State changes after the opening one.
    pub transitions: u64,
    /// The command that ended the conversation, and the state it ended from.
    pub end_command: String,
    pub ended_from: ConversationState,
}

impl Record {
    pub fn state(&self) -> ConversationState {
        self.info.state()
    }

    pub fn signed_in(&self) -> bool {
        self.info.customer.as_ref().is_some_and(|c| c.signed_in)
    }
}

/// The event a step publishes.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A system message carrying this notice (`ChatMessage.notice`); the
    /// store gives it its seq and id, and its event id is `msg:{id}`.
    Notice { kind: String, text: String },
    /// `StateChanged{from → the step's state}`; the reason is the record's
    /// end reason when it ended.
    State {
        from: ConversationState,
        msg_id: String,
    },
    /// `CustomerIdentified`: the record's customer is now signed in.
    Identified { msg_id: String },
    /// `InactivityWarning{ends_at_ms}`.
    Inactive { ends_at_ms: i64, msg_id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub effect: Effect,
    pub after: Record,
}

/// Steps built one after another from a starting record. An empty plan is a
/// no-op: the command is acknowledged and nothing is published.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    start: Record,
    at_ms: i64,
    pub steps: Vec<Step>,
}

impl Plan {
    /// An empty plan over `record`, for a command handled at `at_ms`.
    pub fn new(record: &Record, at_ms: i64) -> Self {
        Self {
            start: record.clone(),
            at_ms,
            steps: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The record after every step so far.
    pub fn current(&self) -> &Record {
        self.steps.last().map_or(&self.start, |step| &step.after)
    }

    /// Appends a step that changes the record with `edit` and publishes `effect`.
    fn push(mut self, effect: Effect, edit: impl FnOnce(&mut Record)) -> Self {
        let mut after = self.current().clone();
        edit(&mut after);
        self.steps.push(Step { effect, after });
        self
    }

    /// A system message with notice `kind`.
    pub fn notice(self, kind: &str, text: &str) -> Self {
        let effect = Effect::Notice {
            kind: kind.to_owned(),
            text: text.to_owned(),
        };
        self.push(effect, |_| {})
    }

    /// Changes the record the last step leaves (its event carries the
    /// change); does nothing on an empty plan.
    pub fn edit_last(mut self, edit: impl FnOnce(&mut Record)) -> Self {
        if let Some(step) = self.steps.last_mut() {
            edit(&mut step.after);
        }
        self
    }

    /// A state change named `kind` (`handoff`, `assign`, `return`, `end`):
    /// entering `ai` or `live` restarts the inactivity clock, and the event
    /// id is `end:{conversation}` for the end (there is one) or
    /// `{kind}:{conversation}:{n}` with `n` counting the conversation's
    /// state changes, so a second handoff after a return to the AI is a new
    /// event and not a duplicate of the first.
    pub fn change_state(
        self,
        to: ConversationState,
        kind: &str,
        edit: impl FnOnce(&mut Record),
    ) -> Self {
        let (at_ms, current) = (self.at_ms, self.current());
        let from = current.state();
        let transitions = current.transitions + 1;
        let id = &current.info.id;
        let msg_id = if to == ConversationState::Ended {
            format!("end:{id}")
        } else {
            format!("{kind}:{id}:{transitions}")
        };
        self.push(Effect::State { from, msg_id }, |after| {
            after.info.state = to as i32;
            after.transitions = transitions;
            if matches!(to, ConversationState::Ai | ConversationState::Live) {
                after.active_since = at_ms;
            }
            edit(after);
        })
    }

    /// The customer signed in; `edit` records who.
    pub fn identified(self, edit: impl FnOnce(&mut Record)) -> Self {
        let msg_id = format!("identified:{}", self.current().info.id);
        self.push(Effect::Identified { msg_id }, edit)
    }

    /// The inactivity warning for `base`, ending at `ends_at_ms`.
    pub fn inactive(self, base: i64, ends_at_ms: i64) -> Self {
        let msg_id = format!("inactive:{}:{base}", self.current().info.id);
        self.push(Effect::Inactive { ends_at_ms, msg_id }, |after| {
            after.warned_at = base;
        })
    }

    /// The same end event again, changing nothing: for an end command that
    /// ended the conversation before command outcomes were kept.
    pub fn repeat_end(self) -> Self {
        let current = self.current();
        let effect = Effect::State {
            from: current.ended_from,
            msg_id: format!("end:{}", current.info.id),
        };
        self.push(effect, |_| {})
    }
}

/// The reason an event's `StateChanged` carries for a step's record.
pub fn state_reason(after: &Record) -> EndReason {
    if after.state() == ConversationState::Ended {
        after.info.end_reason()
    } else {
        EndReason::Unspecified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            info: ConversationInfo {
                id: "c1".into(),
                state: ConversationState::Queued as i32,
                ..Default::default()
            },
            transitions: 1,
            ..Default::default()
        }
    }

    #[test]
    fn each_step_starts_from_the_record_the_last_one_left() {
        let plan = Plan::new(&record(), 5_000)
            .notice("fallback", "Nobody is free.")
            .change_state(ConversationState::Ai, "return", |_| {});
        assert_eq!(plan.steps.len(), 2);
        assert_eq!(plan.steps[0].after.state(), ConversationState::Queued);
        let last = plan.current();
        assert_eq!(last.state(), ConversationState::Ai);
        assert_eq!((last.transitions, last.active_since), (2, 5_000));
        assert_eq!(
            plan.steps[1].effect,
            Effect::State {
                from: ConversationState::Queued,
                msg_id: "return:c1:2".into()
            }
        );
    }

    #[test]
    fn the_end_has_one_event_id_and_queueing_keeps_the_activity_clock() {
        let plan =
            Plan::new(&record(), 5_000).change_state(ConversationState::Ended, "end", |_| {});
        assert!(
            matches!(&plan.steps[0].effect, Effect::State { msg_id, .. } if msg_id == "end:c1")
        );
        let mut ai = record();
        ai.info.state = ConversationState::Ai as i32;
        let queued =
            Plan::new(&ai, 9_000).change_state(ConversationState::Queued, "handoff", |_| {});
        assert_eq!(queued.current().active_since, 0);
    }
}
