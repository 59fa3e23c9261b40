//! The conversation's one inactivity timer, `inactivity.{conversation}` in
//! the timer service's bucket. It publishes `ConversationCommand
//! {check_inactivity}` back to the conversation's own command subject, so
//! the check runs in the conversation's lane like any other command.
//!
//! It is scheduled when a conversation enters `ai` or `live` and re-armed by
//! each check; a message never touches it (see `domain::inactivity`). Every
//! schedule is idempotent — same id, same due time, same message id — so a
//! handler that crashed after its commit and runs again on redelivery
//! schedules exactly what it would have, and the timer fires once.

use std::collections::HashMap;

use prost::Message;
use switchboard_bus::BusError;
use switchboard_bus::propagation;
use switchboard_bus::timers::Timers;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{CheckInactivity, ConversationCommand, ConversationState, Timer};
use switchboard_runtime::clock;

use crate::domain::Record;
use crate::domain::inactivity::{self, Limits};

/// The timer id of a conversation's inactivity check (UUIDs are KV-safe).
pub fn timer_id(conversation: ConversationId) -> String {
    format!("inactivity.{conversation}")
}

/// The command the timer publishes when due at `due_ms`. Its id is also the
/// `Nats-Msg-Id`: one check per conversation and due time, however often
/// the timer fires.
pub fn check_command(
    tenant: TenantId,
    conversation: ConversationId,
    due_ms: i64,
) -> ConversationCommand {
    ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: due_ms,
        command_id: format!("inact:{conversation}:{due_ms}"),
        command: Some(Command::CheckInactivity(CheckInactivity {})),
    }
}

/// Schedules and cancels inactivity checks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct InactivityTimer {
    timers: Timers,
    limits: Limits,
}

impl InactivityTimer {
    pub fn new(timers: Timers, limits: Limits) -> Self {
        Self { timers, limits }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Brings the timer in line with `record`: the next check when its clock
    /// runs, a cancel when it ended, nothing while queued (a check that fires
    /// then finds nothing to do and does not re-arm). `fired_due` is the due
    /// time of the check being handled, which a re-arm must come after.
    pub async fn follow(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        record: &Record,
        fired_due: Option<i64>,
    ) -> Result<(), BusError> {
        let due = match fired_due {
            Some(fired) => inactivity::recheck_at(record, self.limits, fired),
            None => inactivity::next_check(record, self.limits),
        };
        match due {
            Some(due) => self.schedule(tenant, conversation, due).await,
            None if record.state() == ConversationState::Ended => {
                self.cancel(conversation).await;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Schedules the check at `due_ms`, replacing the pending one.
    pub async fn schedule(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        due_ms: i64,
    ) -> Result<(), BusError> {
        let command = check_command(tenant, conversation, due_ms);
        let mut trace = async_nats::HeaderMap::new();
        propagation::inject_current(&mut trace);
        let headers: HashMap<String, String> = trace
            .iter()
            .filter_map(|(name, values)| {
                Some((name.to_string(), values.first()?.as_str().to_owned()))
            })
            .collect();
        let timer = Timer {
            id: timer_id(conversation),
            due_ms: u64::try_from(due_ms).unwrap_or(1).max(1),
            subject: subjects::command(tenant, conversation),
            msg_id: command.command_id.clone(),
            payload: command.encode_to_vec(),
            scheduled_at_ms: clock::now_ms_unsigned(),
            headers,
        };
        self.timers.schedule(&timer).await?;
        tracing::debug!(%conversation, due_ms, "inactivity check scheduled");
        Ok(())
    }

    /// Cancels the conversation's check. Best effort: a check that fires
    /// anyway finds the conversation ended and does nothing.
    pub async fn cancel(&self, conversation: ConversationId) {
        if let Err(error) = self.timers.cancel(&timer_id(conversation)).await {
            tracing::warn!(%conversation, %error, "could not cancel the inactivity check");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_command_names_its_due_time_in_its_id() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let command = check_command(t, c, 1_234);
        assert_eq!(command.command_id, format!("inact:{c}:1234"));
        assert_eq!(command.at_ms, 1_234);
        assert!(matches!(command.command, Some(Command::CheckInactivity(_))));
        let id = timer_id(c);
        assert!(
            switchboard_contracts::streams::timer_keys::is_valid_id(&id),
            "{id}"
        );
    }
}
