//! Agents joining, leaving and being removed while holding offers and conversations.

use super::support::*;
use crate::domain::{Effect, Input, Status, WithdrawReason};

#[test]
fn a_new_agent_starts_unavailable_in_every_space() {
    let mut tenant = Tenant::new();
    tenant.join(1, &[1, 2]);
    let statuses: Vec<Status> = tenant
        .state
        .agent(agent(1))
        .unwrap()
        .spaces()
        .values()
        .copied()
        .collect();
    assert_eq!(statuses, vec![Status::Unavailable; 2]);
}

#[test]
fn an_agent_leaving_a_space_has_its_offer_there_withdrawn_and_passed_on() {
    let mut tenant = Tenant::with_available_agents(2, &[1, 2]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    let effects = tenant.join(1, &[2]);
    assert_eq!(
        effects[0],
        Effect::Withdraw {
            offer,
            agent: agent(1),
            reason: WithdrawReason::AgentLeftSpace,
        }
    );
    assert_eq!(offers(&effects), vec![(conversation(1), agent(2))]);
    let status = tenant.state.agent(agent(1)).unwrap().status_in(space(2));
    assert_eq!(
        status,
        Some(Status::Available),
        "other spaces are untouched"
    );
}

#[test]
fn a_removed_agent_keeps_counting_its_live_conversations_until_they_end() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.assign(1, 1);
    tenant.apply(Input::AgentRemoved { agent: agent(1) });
    assert_eq!(tenant.load(1), 1);
    assert!(tenant.state.agent(agent(1)).unwrap().spaces().is_empty());
    tenant.end(1);
    assert!(tenant.state.agent(agent(1)).is_none());
}
