//! Serving the queues: after an input has changed capacity or eligibility,
//! offer waiting conversations, oldest first, each to the eligible agent who
//! was offered a conversation longest ago; record every decision; publish the
//! queue positions that moved.
//!
//! # Cost
//! The pass walks the affected spaces' `waiting` conversations in arrival
//! order only while some agent there is `ready` (available, below the limit),
//! and picks from `ready` in rotation order, stepping over the agents who
//! passed on that conversation. So a step costs O(offers made × log n) plus,
//! per conversation tried, the ready agents that passed on it; it is never
//! O(agents × queue) unless ready agents have passed on most of the queue.
//! The `skipped` record of a decision walks the available agents ahead of the
//! chosen one (O(available) at worst, but it names only the first few); a
//! decision with nobody chosen walks every member of the space. Queue
//! positions cost O(conversations behind the first one that moved), which is
//! also the size of the effect.

use std::collections::{BTreeMap, BTreeSet};

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::effect::{Effect, SKIPPED_LISTED, SkipReason};
use super::state::{Outstanding, Pass, Stage, State, Turn};
use super::types::{OfferId, Status};

/// What one input left to do once its own changes are made.
#[derive(Default)]
pub(crate) struct Step {
    pub(crate) effects: Vec<Effect>,
    /// Spaces whose queues may now be servable.
    serve: BTreeSet<SpaceId>,
    /// Conversations that now need an agent: each gets a decision this step.
    routed: BTreeSet<ConversationId>,
    /// Per space, the earliest arrival whose queue position may have changed.
    moved: BTreeMap<SpaceId, u64>,
}

impl Step {
    pub(crate) fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub(crate) fn serve(&mut self, space: SpaceId) {
        self.serve.insert(space);
    }

    /// The agent's load dropped or its status rose: its available spaces may
    /// now use it.
    pub(crate) fn freed(&mut self, state: &State, agent: AgentId) {
        if let Some(record) = state.agents.get(&agent) {
            self.serve.extend(record.available_spaces());
        }
    }

    /// The conversation is waiting for an agent again (or for the first time).
    pub(crate) fn route(&mut self, conversation: ConversationId, space: SpaceId) {
        self.routed.insert(conversation);
        self.serve.insert(space);
    }

    /// The queue of `space` changed at `arrival`.
    pub(crate) fn moved(&mut self, space: SpaceId, arrival: u64) {
        let earliest = self.moved.entry(space).or_insert(arrival);
        *earliest = (*earliest).min(arrival);
    }

    /// Serves the queues, records decisions for conversations that still wait,
    /// and appends the queue positions that changed.
    pub(crate) fn finish(mut self, state: &mut State, now_ms: u64) -> Vec<Effect> {
        serve(state, &self.serve, now_ms, &mut self.effects);
        for conversation in &self.routed {
            let Some(record) = state.conversations.get(conversation) else {
                continue;
            };
            if matches!(record.stage, Stage::Queued { offer: None }) {
                let (skipped, skipped_total) = everyone_skipped(state, *conversation, record.space);
                self.effects.push(Effect::Decision {
                    conversation: *conversation,
                    space: record.space,
                    chosen: None,
                    skipped,
                    skipped_total,
                });
            }
        }
        for (space_id, from) in &self.moved {
            let Some(space) = state.spaces.get(space_id) else {
                continue;
            };
            let behind = space.queue.range(from..).count();
            let first = space.queue.len() - behind + 1;
            let positions: Vec<(ConversationId, u32)> = space
                .queue
                .range(from..)
                .zip(first..)
                .map(|((_, c), position)| (*c, u32::try_from(position).unwrap_or(u32::MAX)))
                .collect();
            if !positions.is_empty() {
                self.effects.push(Effect::QueuePositions {
                    space: *space_id,
                    positions,
                });
            }
        }
        self.effects
    }
}

/// Offers waiting conversations of `spaces`, merged oldest first across them,
/// until no space has both a ready agent and a conversation left to try.
/// Capacity only shrinks during the pass, so a conversation that found nobody
/// need not be tried again in it.
fn serve(state: &mut State, spaces: &BTreeSet<SpaceId>, now_ms: u64, effects: &mut Vec<Effect>) {
    let mut cursors: BTreeMap<SpaceId, u64> = spaces.iter().map(|s| (*s, 0)).collect();
    loop {
        let mut next: Option<(u64, SpaceId, ConversationId)> = None;
        for (space_id, from) in &cursors {
            let Some(space) = state.spaces.get(space_id) else {
                continue;
            };
            if space.ready.is_empty() {
                continue;
            }
            if let Some((&arrival, &conversation)) = space.waiting.range(from..).next()
                && next.is_none_or(|(oldest, ..)| arrival < oldest)
            {
                next = Some((arrival, *space_id, conversation));
            }
        }
        let Some((arrival, space, conversation)) = next else {
            return;
        };
        cursors.insert(space, arrival + 1);
        if let Some(turn) = pick(state, space, conversation) {
            offer(state, space, conversation, turn, now_ms, effects);
        }
    }
}

/// The first ready agent in rotation order who has not passed on the conversation.
fn pick(state: &State, space: SpaceId, conversation: ConversationId) -> Option<Turn> {
    let passed = &state.conversations.get(&conversation)?.passed;
    state
        .spaces
        .get(&space)?
        .ready
        .iter()
        .find(|turn| !passed.contains_key(&turn.agent))
        .copied()
}

fn offer(
    state: &mut State,
    space: SpaceId,
    conversation: ConversationId,
    chosen: Turn,
    now_ms: u64,
    effects: &mut Vec<Effect>,
) {
    let (skipped, skipped_total) = skipped_before(state, conversation, space, chosen);
    state.offers_made += 1;
    let number = state.offers_made;
    let id = OfferId {
        conversation,
        number,
    };
    let expires_at = now_ms.saturating_add(state.config.offer_timeout_ms);
    state.update_agent(chosen.agent, |agent| {
        agent.offered.insert(conversation);
        agent.last_offered = Some(number);
    });
    if let Some(record) = state.conversations.get_mut(&conversation) {
        record.stage = Stage::Queued {
            offer: Some(Outstanding {
                id,
                agent: chosen.agent,
                expires_at,
            }),
        };
        if let Some(space) = state.spaces.get_mut(&space) {
            space.waiting.remove(&record.arrival);
        }
    }
    effects.push(Effect::Decision {
        conversation,
        space,
        chosen: Some(chosen.agent),
        skipped,
        skipped_total,
    });
    effects.push(Effect::Offer {
        offer: id,
        conversation,
        agent: chosen.agent,
        space,
        expires_at,
    });
}

/// The first [`SKIPPED_LISTED`] of `skipped`, and how many there are.
fn listed(
    skipped: impl Iterator<Item = (AgentId, SkipReason)>,
) -> (Vec<(AgentId, SkipReason)>, u32) {
    let mut list = Vec::new();
    let mut total: u32 = 0;
    for entry in skipped {
        if list.len() < SKIPPED_LISTED {
            list.push(entry);
        }
        total = total.saturating_add(1);
    }
    (list, total)
}

/// The available agents ahead of `chosen` in the rotation, each with why it
/// was passed over (all of them were: `chosen` is the first eligible one).
fn skipped_before(
    state: &State,
    conversation: ConversationId,
    space: SpaceId,
    chosen: Turn,
) -> (Vec<(AgentId, SkipReason)>, u32) {
    let Some(space) = state.spaces.get(&space) else {
        return (Vec::new(), 0);
    };
    listed(
        space
            .available
            .range(..chosen)
            .filter_map(|turn| Some((turn.agent, skip_reason(state, conversation, turn.agent)?))),
    )
}

/// Every member of the space with why it cannot take the conversation now.
fn everyone_skipped(
    state: &State,
    conversation: ConversationId,
    space: SpaceId,
) -> (Vec<(AgentId, SkipReason)>, u32) {
    let Some(record) = state.spaces.get(&space) else {
        return (Vec::new(), 0);
    };
    listed(record.members.iter().filter_map(|agent| {
        let available = state
            .agents
            .get(agent)
            .and_then(|a| a.status_in(space))
            .is_some_and(|status| status == Status::Available);
        let reason = if available {
            skip_reason(state, conversation, *agent)?
        } else {
            SkipReason::Unavailable
        };
        Some((*agent, reason))
    }))
}

/// Why an available agent is not eligible for the conversation; `None` if it is.
fn skip_reason(state: &State, conversation: ConversationId, agent: AgentId) -> Option<SkipReason> {
    let passed = state
        .conversations
        .get(&conversation)
        .and_then(|c| c.passed.get(&agent));
    match passed {
        Some(Pass::Declined) => Some(SkipReason::Declined),
        Some(Pass::TimedOut) => Some(SkipReason::TimedOut),
        None => match state.agents.get(&agent) {
            Some(record) if state.has_room(record) => None,
            _ => Some(SkipReason::AtLimit),
        },
    }
}
