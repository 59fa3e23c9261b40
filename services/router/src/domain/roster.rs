//! Inputs about the roster: agents joining, leaving, setting their
//! availability and being found disconnected, and the site's limit. Each only changes records and marks
//! what to serve; [`super::decide()`] serves afterwards.

use std::collections::BTreeSet;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::decide::withdraw;
use super::effect::{Effect, StatusReason, WithdrawReason};
use super::serve::Step;
use super::state::{Agent, State};
use super::types::{Limit, Status};

pub(super) fn upsert_agent(
    state: &mut State,
    id: AgentId,
    spaces: BTreeSet<SpaceId>,
    step: &mut Step,
) {
    let Some(agent) = state.agents.get(&id) else {
        let agent = Agent {
            spaces: spaces
                .into_iter()
                .map(|s| (s, Status::Unavailable))
                .collect(),
            ..Agent::default()
        };
        state.insert_agent(id, agent);
        return;
    };
    // Offers in spaces the agent left are taken back and passed on.
    let stranded: Vec<ConversationId> = agent
        .offered
        .iter()
        .filter(|c| {
            state
                .conversations
                .get(c)
                .is_some_and(|record| !spaces.contains(&record.space))
        })
        .copied()
        .collect();
    for conversation in stranded {
        withdraw(state, conversation, WithdrawReason::AgentLeftSpace, step);
    }
    state.update_agent(id, |agent| {
        agent.spaces.retain(|space, _| spaces.contains(space));
        agent.reasons.retain(|space, _| spaces.contains(space));
        for space in spaces {
            agent.spaces.entry(space).or_insert(Status::Unavailable);
        }
        agent.removed = false;
    });
}

pub(super) fn remove_agent(state: &mut State, id: AgentId, step: &mut Step) {
    if !state.agents.contains_key(&id) {
        return;
    }
    upsert_agent(state, id, BTreeSet::new(), step);
    let live = state.update_agent(id, |agent| {
        agent.removed = true;
        agent.live.len()
    });
    if live == Some(0) {
        state.remove_agent(id);
    }
}

pub(super) fn set_status(
    state: &mut State,
    id: AgentId,
    space: Option<SpaceId>,
    status: Status,
    step: &mut Step,
) {
    let Some(agent) = state.agents.get(&id) else {
        return;
    };
    let changed: Vec<SpaceId> = agent
        .spaces
        .iter()
        .filter(|(s, current)| space.is_none_or(|wanted| wanted == **s) && **current != status)
        .map(|(s, _)| *s)
        .collect();
    state.update_agent(id, |agent| {
        for space in &changed {
            agent.spaces.insert(*space, status);
        }
        // The agent has spoken: the router's reason no longer explains anything.
        agent
            .reasons
            .retain(|s, _| space.is_some_and(|wanted| wanted != *s));
    });
    for space in changed {
        step.push(Effect::StatusChanged {
            agent: id,
            space,
            status,
            reason: StatusReason::Requested,
        });
        if status == Status::Available {
            step.serve(space);
        }
    }
}

/// No console of the agent was connected for the presence grace (SPEC §5):
/// it becomes unavailable in every space where it was available, and every
/// offer outstanding to it is withdrawn and passed on at once. Unlike an
/// offer timeout this is no pass on those conversations: once back and
/// available, the agent may be offered them again.
pub(super) fn disconnect(state: &mut State, id: AgentId, step: &mut Step) {
    let Some(agent) = state.agents.get(&id) else {
        return;
    };
    let offered: Vec<ConversationId> = agent.offered.iter().copied().collect();
    let available: Vec<SpaceId> = agent.available_spaces().collect();
    for conversation in offered {
        withdraw(state, conversation, WithdrawReason::Disconnected, step);
    }
    state.update_agent(id, |agent| {
        for space in &available {
            agent.spaces.insert(*space, Status::Unavailable);
            agent.reasons.insert(*space, StatusReason::Disconnected);
        }
    });
    for space in available {
        step.push(Effect::StatusChanged {
            agent: id,
            space,
            status: Status::Unavailable,
            reason: StatusReason::Disconnected,
        });
    }
}

pub(super) fn change_limit(state: &mut State, limit: Limit, step: &mut Step) {
    let raised = limit > state.limit;
    state.set_limit(limit);
    if raised {
        for space in state.spaces.keys() {
            step.serve(*space);
        }
    }
}
