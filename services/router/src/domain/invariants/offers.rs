//! The rules about the offers of one step, each judged at the moment it was
//! made. A step first applies the input's own changes (which never raise a
//! load) and then makes its offers, so an agent's load at offer `k` is its
//! final load minus the offers it got from `k` on, and its rotation stamp is
//! that of its last offer before `k`, else its stamp before the step.

use std::collections::BTreeSet;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::{Rule, Violation, broken};
use crate::domain::effect::Effect;
use crate::domain::state::{Stage, State};
use crate::domain::types::{OfferId, Status};

/// An `Offer` effect, with its place among the step's effects.
struct Offered {
    index: usize,
    id: OfferId,
    agent: AgentId,
    space: SpaceId,
}

/// Checks every `Offer` among `effects`: one per conversation, each right
/// after the decision that chose it, each to the right agent.
pub(super) fn check_offers(
    before: &State,
    after: &State,
    effects: &[Effect],
) -> Result<(), Violation> {
    let offers: Vec<Offered> = effects
        .iter()
        .enumerate()
        .filter_map(|(index, effect)| match effect {
            Effect::Offer {
                offer,
                agent,
                space,
                ..
            } => Some(Offered {
                index,
                id: *offer,
                agent: *agent,
                space: *space,
            }),
            _ => None,
        })
        .collect();
    let mut offered = BTreeSet::new();
    for offer in &offers {
        if !offered.insert(offer.id.conversation) {
            return broken(
                Rule::OneAgentPerConversation,
                format!("{:?} offered twice", offer.id.conversation),
            );
        }
        let recorded = offer.index.checked_sub(1).and_then(|i| effects.get(i));
        let matches = matches!(recorded, Some(Effect::Decision { conversation, chosen: Some(chosen), .. })
            if *conversation == offer.id.conversation && *chosen == offer.agent);
        if !matches {
            return broken(
                Rule::DecisionRecorded,
                format!("{:?} has no decision", offer.id),
            );
        }
        check_offer(before, after, &offers, offer)?;
    }
    Ok(())
}

/// Judges one offer at the moment it was made: to an agent available in the
/// space and below the limit, next in rotation, taking the oldest waiting
/// conversation it could.
fn check_offer(
    before: &State,
    after: &State,
    offers: &[Offered],
    offer: &Offered,
) -> Result<(), Violation> {
    let conversation = offer.id.conversation;
    let limit = after.limit.get();
    let load_then = |agent: AgentId| {
        let later = offers
            .iter()
            .filter(|o| o.agent == agent && o.index >= offer.index)
            .count();
        let load = after.agent(agent).map_or(0, |a| a.load());
        load.saturating_sub(u32::try_from(later).unwrap_or(u32::MAX))
    };
    let stamp_then = |agent: AgentId| {
        offers
            .iter()
            .filter(|o| o.agent == agent && o.index < offer.index)
            .map(|o| Some(o.id.number))
            .next_back()
            .unwrap_or_else(|| before.agent(agent).and_then(|a| a.last_offered()))
    };
    let eligible = |agent: AgentId, conversation: ConversationId, space: SpaceId| {
        after
            .agent(agent)
            .is_some_and(|a| a.status_in(space) == Some(Status::Available))
            && after
                .conversation(conversation)
                .is_some_and(|c| !c.passed().contains_key(&agent))
            && load_then(agent) < limit
    };
    if !eligible(offer.agent, conversation, offer.space) {
        return broken(
            Rule::OfferToEligibleAgent,
            format!("{:?} went to ineligible {:?}", offer.id, offer.agent),
        );
    }
    let next = after
        .agents
        .keys()
        .filter(|agent| eligible(**agent, conversation, offer.space))
        .min_by_key(|agent| (stamp_then(**agent), **agent));
    if next != Some(&offer.agent) {
        return broken(
            Rule::RoundRobin,
            format!("{:?} went to {:?}, not {next:?}", offer.id, offer.agent),
        );
    }
    let arrival = |c: &ConversationId| after.conversation(*c).map(|r| r.arrival);
    let waiting_then = |c: &ConversationId| match after.conversation(*c).map(|r| r.stage) {
        Some(Stage::Queued { offer: None }) => true,
        Some(Stage::Queued { offer: Some(o) }) => {
            offers.iter().any(|m| m.id == o.id && m.index > offer.index)
        }
        _ => false,
    };
    let older = after.conversations.iter().find(|(c, record)| {
        arrival(c) < arrival(&conversation)
            && waiting_then(c)
            && eligible(offer.agent, **c, record.space)
    });
    if let Some((older, _)) = older {
        return broken(
            Rule::OldestFirst,
            format!(
                "{:?} got {conversation:?} before older {older:?}",
                offer.agent
            ),
        );
    }
    Ok(())
}
