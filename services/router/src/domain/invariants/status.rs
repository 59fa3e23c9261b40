//! The rules about agents' availability in one step: every status change
//! says who caused it, and a disconnect leaves the agent unavailable
//! everywhere without touching anyone else.

use super::{Rule, Violation, broken};
use crate::domain::effect::{Effect, StatusReason};
use crate::domain::input::Input;
use crate::domain::state::State;
use crate::domain::types::Status;

/// Each `StatusChanged` matches its input (the agent asked, its offer timed
/// out, it was found disconnected), and the state after the step holds it.
pub(super) fn check_status_effects(
    before: &State,
    input: &Input,
    after: &State,
    effects: &[Effect],
) -> Result<(), Violation> {
    for effect in effects {
        let Effect::StatusChanged {
            agent,
            space,
            status,
            reason,
        } = effect
        else {
            continue;
        };
        let caused = match (reason, input) {
            (StatusReason::Requested, Input::SetStatus { agent: a, .. }) => a == agent,
            (StatusReason::OfferTimeout, Input::OfferExpired { offer }) => before
                .conversation(offer.conversation)
                .and_then(|c| c.offer())
                .is_some_and(|o| o.id == *offer && o.agent == *agent),
            (StatusReason::Disconnected, Input::AgentDisconnected { agent: a }) => a == agent,
            _ => false,
        };
        let record = after.agent(*agent);
        let holds = record.and_then(|a| a.status_in(*space)) == Some(*status);
        let explained = match reason {
            StatusReason::Requested => record.and_then(|a| a.reason_in(*space)).is_none(),
            _ => record.and_then(|a| a.reason_in(*space)) == Some(*reason),
        };
        if !caused || !holds || !explained {
            return broken(
                Rule::StatusReasonMatchesCause,
                format!("{agent:?} {status:?} in {space:?} for {reason:?} on {input:?}"),
            );
        }
    }
    Ok(())
}

/// After `AgentDisconnected`: the agent is unavailable in every space, holds
/// no offer and keeps its live conversations; every other agent's
/// availability is as it was.
pub(super) fn check_disconnected(
    before: &State,
    input: &Input,
    after: &State,
) -> Result<(), Violation> {
    let Input::AgentDisconnected { agent } = input else {
        return Ok(());
    };
    let fail = |detail: String| broken(Rule::DisconnectedEverywhere, detail);
    if let Some(record) = after.agent(*agent) {
        if let Some((space, _)) = record
            .spaces()
            .iter()
            .find(|(_, status)| **status == Status::Available)
        {
            return fail(format!("{agent:?} still available in {space:?}"));
        }
        if !record.offered().is_empty() {
            return fail(format!("{agent:?} still holds {:?}", record.offered()));
        }
        if before.agent(*agent).map(|a| a.live()) != Some(record.live()) {
            return fail(format!("{agent:?}'s live conversations changed"));
        }
    }
    for (id, was) in before.agents() {
        let now = after.agent(id).map(|a| a.spaces());
        if id != *agent && now != Some(was.spaces()) {
            return fail(format!("{id:?}'s availability changed too"));
        }
    }
    Ok(())
}
