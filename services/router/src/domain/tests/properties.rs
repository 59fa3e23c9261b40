//! Property tests: random sequences of inputs (several agents, three spaces,
//! statuses, handoffs, accepts of live and stale offers, declines, expiries,
//! ends, limit changes, agents found disconnected), with every invariant checked after every step, plus
//! the rules that need the history, judged from the effects alone: queue
//! positions as announced match the real ones, no conversation is assigned
//! twice, no agent is offered a conversation it declined or let time out, no
//! offer id is reused, and the rotation follows the offers made.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use switchboard_contracts::ids::{AgentId, ConversationId};

use super::actions::{AGENTS, SPACES, action};
use super::support::*;
use crate::domain::invariants::{check_state, check_step};
use crate::domain::{Effect, Input, OfferId, Stage, Status, decide};

/// A run's history: the offers made so far and what customers were told.
#[derive(Default)]
struct History {
    offers: Vec<(OfferId, AgentId)>,
    positions: BTreeMap<ConversationId, u32>,
    live: BTreeSet<ConversationId>,
    /// Each conversation's outstanding offer, as the effects told it.
    outstanding: BTreeMap<ConversationId, (OfferId, AgentId)>,
    /// Agents who declined or timed out on each conversation since its handoff.
    passed: BTreeMap<ConversationId, BTreeSet<AgentId>>,
    /// Each agent's latest offer number: its place in the rotation.
    stamps: BTreeMap<AgentId, u64>,
}

impl History {
    /// The `recent`-th latest offer (often still outstanding), or a made-up stale one.
    fn offer(&self, recent: usize) -> (OfferId, AgentId) {
        let stale = (
            OfferId {
                conversation: conversation(1),
                number: u64::MAX,
            },
            agent(1),
        );
        self.offers
            .iter()
            .rev()
            .cycle()
            .nth(recent)
            .copied()
            .unwrap_or(stale)
    }

    /// Records the step's effects; fails on a second assignment or an offer
    /// to an agent who passed on the conversation.
    fn record(&mut self, input: &Input, effects: &[Effect]) -> Result<(), TestCaseError> {
        match input {
            Input::ConversationEnded { conversation } => {
                self.live.remove(conversation);
                self.forget(*conversation);
            }
            Input::Decline { offer, agent }
                if self.outstanding.get(&offer.conversation) == Some(&(*offer, *agent)) =>
            {
                self.pass(*offer);
            }
            Input::OfferExpired { offer }
                if self
                    .outstanding
                    .get(&offer.conversation)
                    .is_some_and(|o| o.0 == *offer) =>
            {
                self.pass(*offer);
            }
            _ => {}
        }
        for effect in effects {
            match effect {
                Effect::Offer {
                    offer,
                    agent,
                    conversation,
                    ..
                } => {
                    let passed = self
                        .passed
                        .get(conversation)
                        .is_some_and(|p| p.contains(agent));
                    prop_assert!(!passed, "{:?} offered {:?} again", agent, conversation);
                    let reused = self.offers.iter().any(|(seen, _)| seen == offer);
                    prop_assert!(!reused, "offer id {} reused", offer);
                    self.offers.push((*offer, *agent));
                    self.stamps.insert(*agent, offer.number);
                    self.outstanding.insert(*conversation, (*offer, *agent));
                }
                Effect::Withdraw { offer, .. } => {
                    self.outstanding.remove(&offer.conversation);
                }
                Effect::Fallback { conversation, .. } => self.forget(*conversation),
                Effect::Assigned { conversation, .. } => {
                    prop_assert!(
                        self.live.insert(*conversation),
                        "{conversation:?} assigned twice"
                    );
                    self.forget(*conversation);
                }
                Effect::QueuePositions { positions, .. } => {
                    self.positions.extend(positions.iter().copied());
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn pass(&mut self, offer: OfferId) {
        if let Some((_, agent)) = self.outstanding.remove(&offer.conversation) {
            self.passed
                .entry(offer.conversation)
                .or_default()
                .insert(agent);
        }
    }

    fn forget(&mut self, conversation: ConversationId) {
        self.outstanding.remove(&conversation);
        self.passed.remove(&conversation);
    }
}

/// The rotation the state keeps is the one the offers made: an agent's
/// stamp is its latest offer's number (forgotten when its record is deleted).
fn check_stamps(tenant: &Tenant, history: &mut History) -> Result<(), TestCaseError> {
    history
        .stamps
        .retain(|agent, _| tenant.state.agent(*agent).is_some());
    for n in 1..=AGENTS {
        let kept = tenant.state.agent(agent(n)).and_then(|a| a.last_offered());
        prop_assert_eq!(
            kept,
            history.stamps.get(&agent(n)).copied(),
            "rotation stamp of agent {}",
            n
        );
    }
    Ok(())
}

/// Every queued customer was last told their real position.
fn check_positions(tenant: &Tenant, history: &History) -> Result<(), TestCaseError> {
    for space in (1..=SPACES).map(space) {
        let Some(record) = tenant.state.space(space) else {
            continue;
        };
        for (index, queued) in record.queue().enumerate() {
            let told = history.positions.get(&queued).copied();
            prop_assert_eq!(
                told,
                u32::try_from(index + 1).ok(),
                "position of {:?}",
                queued
            );
        }
    }
    Ok(())
}

fn setup(tenant: &mut Tenant) {
    for n in 1..=AGENTS {
        let spaces: Vec<u128> = (1..=SPACES).filter(|s| (n + s) % 3 != 0).collect();
        tenant.join(n, &spaces);
        tenant.set(n, None, Status::Available);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_step_of_a_random_run_keeps_every_routing_rule(
        steps in prop::collection::vec((action(), 0u64..3_000), 1..150),
    ) {
        let mut tenant = Tenant::new();
        setup(&mut tenant);
        let mut history = History::default();
        for (action, elapsed) in steps {
            tenant.advance(elapsed);
            let input = action.input(|recent| history.offer(recent));
            let before = tenant.state.clone();
            let effects = decide(&mut tenant.state, input.clone(), tenant.now);
            let checked = check_state(&tenant.state).and_then(|()| check_step(&before, &input, &tenant.state, &effects));
            prop_assert!(checked.is_ok(), "{:?} after {:?} -> {:#?}", checked, input, effects);
            history.record(&input, &effects)?;
            check_positions(&tenant, &history)?;
            check_stamps(&tenant, &mut history)?;
        }
    }

    #[test]
    fn an_accept_and_a_racing_accept_of_the_same_conversation_never_both_win(
        agents in 2u128..=AGENTS,
        declines in 0usize..3,
    ) {
        let mut tenant = Tenant::with_available_agents(agents, &[1]);
        let mut effects = tenant.handoff(1, 1);
        for _ in 0..declines.min(usize::try_from(agents).unwrap_or(0) - 1) {
            let (offer, who) = only_offer(&effects);
            effects = tenant.apply(Input::Decline { offer, agent: who });
        }
        let (offer, who) = only_offer(&effects);
        let won: Vec<bool> = (0..2)
            .map(|_| matches!(tenant.apply(Input::Accept { offer, agent: who })[..], [Effect::Assigned { .. }]))
            .collect();
        prop_assert_eq!(won, vec![true, false]);
        let stage = tenant.state.conversation(conversation(1)).map(|c| c.stage());
        prop_assert_eq!(stage, Some(Stage::Live { agent: who }));
    }
}
