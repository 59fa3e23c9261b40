//! The routing rules as checks, for the property tests here and for the
//! service's own tests: [`check_state`] on any state, [`check_step`] on one
//! input's before/after states and effects. Each check recomputes its answer
//! from the records by brute force, independently of the indexes the core
//! uses, so a wrong index shows up as a violation rather than agreeing with
//! itself.

mod offers;
mod status;
mod step;

use std::collections::{BTreeMap, BTreeSet};

use switchboard_contracts::ids::{AgentId, ConversationId};

pub use step::check_step;

use super::effect::StatusReason;
use super::state::{Stage, State, Turn};
use super::types::Status;

/// A broken routing rule, with what broke it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule:?} broken: {detail}")]
pub struct Violation {
    pub rule: Rule,
    pub detail: String,
}

/// The rules [`check_state`] and [`check_step`] enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The space indexes match the agent and conversation records.
    Indexes,
    /// Agents' pending offers and live conversations match the conversations.
    Accounting,
    /// A conversation is offered to or live with at most one agent.
    OneAgentPerConversation,
    /// An outstanding offer is to a member of the space who has not passed on it.
    OfferToEligibleAgent,
    /// No conversation waits without an offer while an eligible agent could take it.
    NobodyIdleWhileWaiting,
    /// No agent's load grows past the limit (a lowered limit only stops growth).
    Limit,
    /// Only the outstanding offer's agent can win it, once.
    AssignedOnce,
    /// A refused accept, or a stale decline or expiry, changes nothing.
    StaleInputChangesNothing,
    /// Each offer goes to the eligible agent offered longest ago (ties by id).
    RoundRobin,
    /// An agent is offered the oldest waiting conversation it is eligible for.
    OldestFirst,
    /// A handoff falls back exactly when nobody in the space is available or
    /// live chat is off; the accept-window fallback only for a queued conversation.
    Fallback,
    /// Every offer comes with the decision that chose it.
    DecisionRecorded,
    /// An offer timeout sets the agent unavailable in that space and no other.
    TimeoutInThatSpaceOnly,
    /// A reason the router gave is kept only for a space where the agent is
    /// a member and still unavailable, and is never the agent's own asking.
    ReasonWhileUnavailable,
    /// A status change names its cause: the agent's asking, an offer
    /// timeout, a disconnect; each only on its own input, and it holds after
    /// the step.
    StatusReasonMatchesCause,
    /// A disconnected agent is unavailable everywhere, holds no offer and
    /// keeps its live conversations; nobody else's availability changes.
    DisconnectedEverywhere,
}

pub(crate) fn broken(rule: Rule, detail: impl Into<String>) -> Result<(), Violation> {
    Err(Violation {
        rule,
        detail: detail.into(),
    })
}

/// Checks every rule that holds of a state on its own.
pub fn check_state(state: &State) -> Result<(), Violation> {
    check_accounting(state)?;
    check_indexes(state)?;
    check_reasons(state)?;
    check_nobody_idle(state)
}

fn check_reasons(state: &State) -> Result<(), Violation> {
    for (id, agent) in &state.agents {
        for (space, reason) in &agent.reasons {
            let status = agent.status_in(*space);
            if status != Some(Status::Unavailable) || *reason == StatusReason::Requested {
                return broken(
                    Rule::ReasonWhileUnavailable,
                    format!("{id:?} keeps {reason:?} in {space:?} while {status:?}"),
                );
            }
        }
    }
    Ok(())
}

fn check_accounting(state: &State) -> Result<(), Violation> {
    let mut holders: BTreeMap<ConversationId, AgentId> = BTreeMap::new();
    for (id, agent) in &state.agents {
        for conversation in agent.offered.iter().chain(&agent.live) {
            if let Some(other) = holders.insert(*conversation, *id) {
                return broken(
                    Rule::OneAgentPerConversation,
                    format!("{conversation:?} held by {other:?} and {id:?}"),
                );
            }
        }
        for conversation in &agent.offered {
            let offer = state.conversation(*conversation).and_then(|c| c.offer());
            if offer.is_none_or(|o| o.agent != *id) {
                return broken(
                    Rule::Accounting,
                    format!("{id:?} counts a stale offer of {conversation:?}"),
                );
            }
        }
        for conversation in &agent.live {
            let stage = state.conversation(*conversation).map(|c| c.stage);
            if stage != Some(Stage::Live { agent: *id }) {
                return broken(
                    Rule::Accounting,
                    format!("{id:?} counts {conversation:?} as live: {stage:?}"),
                );
            }
        }
    }
    for (id, conversation) in &state.conversations {
        let queued = state
            .space(conversation.space)
            .and_then(|s| s.queue.get(&conversation.arrival));
        let waiting = state
            .space(conversation.space)
            .and_then(|s| s.waiting.get(&conversation.arrival));
        match conversation.stage {
            Stage::Live { agent } => {
                if !state.agent(agent).is_some_and(|a| a.live.contains(id)) || queued.is_some() {
                    return broken(
                        Rule::Accounting,
                        format!("live {id:?} not held by {agent:?} alone"),
                    );
                }
            }
            Stage::Queued { offer } => {
                if queued != Some(id) || (waiting == Some(id)) != offer.is_none() {
                    return broken(Rule::Accounting, format!("{id:?} misplaced in its queue"));
                }
                if let Some(offer) = offer {
                    let member = state
                        .agent(offer.agent)
                        .and_then(|a| a.status_in(conversation.space));
                    if offer.id.conversation != *id
                        || !state
                            .agent(offer.agent)
                            .is_some_and(|a| a.offered.contains(id))
                    {
                        return broken(
                            Rule::Accounting,
                            format!("offer {:?} not counted", offer.id),
                        );
                    }
                    if member.is_none() || conversation.passed.contains_key(&offer.agent) {
                        return broken(
                            Rule::OfferToEligibleAgent,
                            format!(
                                "{:?} is with {:?}, outside the space or passed",
                                offer.id, offer.agent
                            ),
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_indexes(state: &State) -> Result<(), Violation> {
    for (space_id, space) in &state.spaces {
        let members: BTreeSet<AgentId> = state
            .agents
            .iter()
            .filter(|(_, a)| a.spaces.contains_key(space_id))
            .map(|(id, _)| *id)
            .collect();
        let available: BTreeSet<Turn> = members
            .iter()
            .filter_map(|id| state.agents.get(id).map(|a| (id, a)))
            .filter(|(_, a)| a.spaces.get(space_id) == Some(&Status::Available))
            .map(|(id, a)| a.turn(*id))
            .collect();
        let ready: BTreeSet<Turn> = available
            .iter()
            .filter(|t| {
                state
                    .agents
                    .get(&t.agent)
                    .is_some_and(|a| state.has_room(a))
            })
            .copied()
            .collect();
        if space.members != members || space.available != available || space.ready != ready {
            return broken(
                Rule::Indexes,
                format!("agent indexes of {space_id:?} are stale"),
            );
        }
        for (arrival, id) in &space.queue {
            let entry = state.conversation(*id);
            if entry.is_none_or(|c| c.space != *space_id || c.arrival != *arrival) {
                return broken(
                    Rule::Indexes,
                    format!("{id:?} queued in {space_id:?} by mistake"),
                );
            }
        }
        if space
            .waiting
            .iter()
            .any(|(k, v)| space.queue.get(k) != Some(v))
        {
            return broken(
                Rule::Indexes,
                format!("{space_id:?} waits on an unqueued conversation"),
            );
        }
    }
    Ok(())
}

/// Brute force over every waiting conversation and every agent.
fn check_nobody_idle(state: &State) -> Result<(), Violation> {
    for (id, conversation) in &state.conversations {
        if conversation.stage != (Stage::Queued { offer: None }) {
            continue;
        }
        let idle = state.agents.iter().find(|(agent_id, agent)| {
            agent.spaces.get(&conversation.space) == Some(&Status::Available)
                && agent.load() < state.limit.get()
                && !conversation.passed.contains_key(agent_id)
        });
        if let Some((agent, _)) = idle {
            return broken(
                Rule::NobodyIdleWhileWaiting,
                format!("{id:?} waits while {agent:?} could take it"),
            );
        }
    }
    Ok(())
}
