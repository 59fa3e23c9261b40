//! The routing policy: [`decide`] applies one input to a tenant's state and
//! returns what the shell must do.
//!
//! Every handler first makes the input's own changes (which only ever lower
//! loads, change statuses or put conversations back to waiting), then
//! `Step::finish` serves the queues once. Keeping that order is what lets
//! the invariants reason about a step as "changes, then offers".

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::effect::{Effect, FallbackReason, RefuseReason, StatusReason, WithdrawReason};
use super::input::Input;
use super::roster::{change_limit, disconnect, remove_agent, set_status, upsert_agent};
use super::serve::Step;
use super::state::{Conversation, Outstanding, Pass, Stage, State};
use super::types::{OfferId, Status};

/// Applies `input` to `state` at `now_ms` (milliseconds since the epoch) and
/// returns the effects, in the order the shell should perform them. Pure:
/// the same state, input and time always give the same effects.
pub fn decide(state: &mut State, input: Input, now_ms: u64) -> Vec<Effect> {
    let mut step = Step::default();
    match input {
        Input::AgentUpserted { agent, spaces } => {
            upsert_agent(state, agent, spaces.into_iter().collect(), &mut step);
        }
        Input::AgentRemoved { agent } => remove_agent(state, agent, &mut step),
        Input::SetStatus {
            agent,
            space,
            status,
        } => set_status(state, agent, space, status, &mut step),
        Input::SpaceUpdated { space, live_chat } => {
            update_space(state, space, live_chat, &mut step);
        }
        Input::LimitChanged { limit } => change_limit(state, limit, &mut step),
        Input::Handoff {
            conversation,
            space,
        } => handoff(state, conversation, space, now_ms, &mut step),
        Input::Accept { offer, agent } => accept(state, offer, agent, &mut step),
        Input::Decline { offer, agent } => decline(state, offer, agent, &mut step),
        Input::OfferExpired { offer } => expire(state, offer, &mut step),
        Input::AcceptWindowExpired { conversation } => {
            if is_queued(state, conversation)
                && let Some(record) = drop_queued(
                    state,
                    conversation,
                    WithdrawReason::AcceptTimeout,
                    &mut step,
                )
            {
                step.push(Effect::Fallback {
                    conversation,
                    space: record.space,
                    reason: FallbackReason::AcceptTimeout,
                });
            }
        }
        Input::ConversationEnded { conversation } => end(state, conversation, &mut step),
        Input::AgentDisconnected { agent } => disconnect(state, agent, &mut step),
    }
    step.finish(state, now_ms)
}

fn handoff(
    state: &mut State,
    conversation: ConversationId,
    space_id: SpaceId,
    now_ms: u64,
    step: &mut Step,
) {
    if state.conversations.contains_key(&conversation) {
        return;
    }
    let open = state
        .spaces
        .get(&space_id)
        .is_some_and(|space| space.live_chat && !space.available.is_empty());
    if !open {
        step.push(Effect::Fallback {
            conversation,
            space: space_id,
            reason: FallbackReason::NoAgentsAvailable,
        });
        return;
    }
    state.arrivals += 1;
    let arrival = state.arrivals;
    state.conversations.insert(
        conversation,
        Conversation {
            space: space_id,
            arrival,
            queued_at: now_ms,
            stage: Stage::Queued { offer: None },
            passed: Default::default(),
        },
    );
    let space = state.spaces.entry(space_id).or_default();
    space.queue.insert(arrival, conversation);
    space.waiting.insert(arrival, conversation);
    step.push(Effect::Queued {
        conversation,
        space: space_id,
        accept_until: now_ms.saturating_add(state.config.accept_window_ms),
    });
    step.moved(space_id, arrival);
    step.route(conversation, space_id);
}

fn accept(state: &mut State, offer: OfferId, agent: AgentId, step: &mut Step) {
    let Some(outstanding) = outstanding(state, offer).filter(|o| o.agent == agent) else {
        step.push(Effect::AcceptRefused {
            offer,
            agent,
            reason: RefuseReason::NoLongerAvailable,
        });
        return;
    };
    let conversation = offer.conversation;
    state.update_agent(outstanding.agent, |record| {
        record.offered.remove(&conversation);
        record.live.insert(conversation);
    });
    let Some(record) = state.conversations.get_mut(&conversation) else {
        return;
    };
    record.stage = Stage::Live { agent };
    record.passed.clear();
    let (space, arrival) = (record.space, record.arrival);
    if let Some(queue) = state.spaces.get_mut(&space) {
        queue.queue.remove(&arrival);
    }
    step.moved(space, arrival);
    step.push(Effect::Assigned {
        offer,
        conversation,
        agent,
        space,
    });
}

/// The agent declines: it is remembered as having passed (its availability
/// stays), and the conversation moves on at once.
fn decline(state: &mut State, offer: OfferId, agent: AgentId, step: &mut Step) {
    if outstanding(state, offer).is_some_and(|o| o.agent == agent) {
        take_offer(state, offer.conversation, step);
        remember_pass(state, offer.conversation, agent, Pass::Declined);
    }
}

/// Nobody answered: the agent becomes unavailable in that space only, is
/// remembered as having passed, and the conversation moves on at once.
fn expire(state: &mut State, offer: OfferId, step: &mut Step) {
    let Some(outstanding) = outstanding(state, offer) else {
        return;
    };
    let agent = outstanding.agent;
    withdraw(
        state,
        offer.conversation,
        WithdrawReason::OfferTimeout,
        step,
    );
    let Some(space) = remember_pass(state, offer.conversation, agent, Pass::TimedOut) else {
        return;
    };
    if state.agent(agent).and_then(|a| a.status_in(space)) == Some(Status::Available) {
        state.update_agent(agent, |record| {
            record.spaces.insert(space, Status::Unavailable);
            record.reasons.insert(space, StatusReason::OfferTimeout);
        });
        step.push(Effect::StatusChanged {
            agent,
            space,
            status: Status::Unavailable,
            reason: StatusReason::OfferTimeout,
        });
    }
}

/// Records that `agent` passed on the conversation; returns its space.
fn remember_pass(
    state: &mut State,
    conversation: ConversationId,
    agent: AgentId,
    pass: Pass,
) -> Option<SpaceId> {
    let record = state.conversations.get_mut(&conversation)?;
    record.passed.insert(agent, pass);
    Some(record.space)
}

fn end(state: &mut State, conversation: ConversationId, step: &mut Step) {
    match state.conversations.get(&conversation).map(|c| c.stage) {
        None => {}
        Some(Stage::Queued { .. }) => {
            drop_queued(state, conversation, WithdrawReason::ConversationEnded, step);
        }
        Some(Stage::Live { agent }) => {
            state.conversations.remove(&conversation);
            let left = state.update_agent(agent, |record| {
                record.live.remove(&conversation);
                record.removed && record.load() == 0
            });
            if left == Some(true) {
                state.remove_agent(agent);
            }
            step.freed(state, agent);
        }
    }
}

fn is_queued(state: &State, conversation: ConversationId) -> bool {
    state
        .conversations
        .get(&conversation)
        .is_some_and(|c| matches!(c.stage, Stage::Queued { .. }))
}

/// The offer, if it is its conversation's outstanding one.
fn outstanding(state: &State, offer: OfferId) -> Option<Outstanding> {
    state
        .conversations
        .get(&offer.conversation)?
        .offer()
        .filter(|o| o.id == offer)
}

/// Takes the conversation's outstanding offer back from its agent (who regains
/// the capacity) and routes the conversation again.
fn take_offer(
    state: &mut State,
    conversation: ConversationId,
    step: &mut Step,
) -> Option<Outstanding> {
    let record = state.conversations.get_mut(&conversation)?;
    let Stage::Queued { offer: Some(offer) } = record.stage else {
        return None;
    };
    record.stage = Stage::Queued { offer: None };
    let (space, arrival) = (record.space, record.arrival);
    state
        .spaces
        .entry(space)
        .or_default()
        .waiting
        .insert(arrival, conversation);
    state.update_agent(offer.agent, |agent| {
        agent.offered.remove(&conversation);
    });
    step.freed(state, offer.agent);
    step.route(conversation, space);
    Some(offer)
}

/// [`take_offer`], telling the agent why.
pub(super) fn withdraw(
    state: &mut State,
    conversation: ConversationId,
    reason: WithdrawReason,
    step: &mut Step,
) {
    if let Some(offer) = take_offer(state, conversation, step) {
        step.push(Effect::Withdraw {
            offer: offer.id,
            agent: offer.agent,
            reason,
        });
    }
}

/// Forgets a queued conversation, withdrawing its offer with `reason`.
/// Live chat turned on or off in a space. Off (SPEC §10): no new offers
/// there, and every conversation waiting in it gets the fallback at once,
/// oldest first, its outstanding offer withdrawn; what the fallback means
/// (back to the AI, or the end) is the conversation owner's to apply.
fn update_space(state: &mut State, space: SpaceId, live_chat: bool, step: &mut Step) {
    let record = state.spaces.entry(space).or_default();
    record.live_chat = live_chat;
    if live_chat {
        return;
    }
    let waiting: Vec<ConversationId> = record.queue.values().copied().collect();
    for conversation in waiting {
        if drop_queued(state, conversation, WithdrawReason::ConversationEnded, step).is_some() {
            step.push(Effect::Fallback {
                conversation,
                space,
                reason: FallbackReason::NoAgentsAvailable,
            });
        }
    }
}

fn drop_queued(
    state: &mut State,
    conversation: ConversationId,
    reason: WithdrawReason,
    step: &mut Step,
) -> Option<Conversation> {
    withdraw(state, conversation, reason, step);
    let record = state.conversations.remove(&conversation)?;
    if let Some(space) = state.spaces.get_mut(&record.space) {
        space.queue.remove(&record.arrival);
        space.waiting.remove(&record.arrival);
    }
    step.moved(record.space, record.arrival);
    Some(record)
}
