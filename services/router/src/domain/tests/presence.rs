//! Agents found disconnected (no console for the presence grace), and the
//! reasons the router gives for the unavailability it sets.

use super::support::*;
use crate::domain::{Effect, Input, Stage, Status, StatusReason, WithdrawReason};

fn statuses(tenant: &Tenant, n: u128) -> Vec<(Status, Option<StatusReason>)> {
    let record = tenant.state.agent(agent(n)).unwrap();
    record
        .spaces()
        .keys()
        .map(|s| (record.status_in(*s).unwrap(), record.reason_in(*s)))
        .collect()
}

#[test]
fn a_disconnected_agent_becomes_unavailable_in_every_space_saying_why() {
    let mut tenant = Tenant::with_available_agents(1, &[1, 2, 3]);
    tenant.set(1, Some(3), Status::Unavailable);
    let effects = tenant.disconnect(1);
    let changed: Vec<_> = [1, 2]
        .map(|s| Effect::StatusChanged {
            agent: agent(1),
            space: space(s),
            status: Status::Unavailable,
            reason: StatusReason::Disconnected,
        })
        .into();
    assert_eq!(effects, changed, "space 3 was unavailable already");
    assert_eq!(
        statuses(&tenant, 1),
        vec![
            (Status::Unavailable, Some(StatusReason::Disconnected)),
            (Status::Unavailable, Some(StatusReason::Disconnected)),
            (Status::Unavailable, None),
        ]
    );
}

#[test]
fn an_offer_outstanding_to_a_disconnected_agent_moves_on_at_once() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, first) = only_offer(&tenant.handoff(1, 1));
    assert_eq!(first, agent(1));
    let effects = tenant.disconnect(1);
    assert_eq!(
        effects[0],
        Effect::Withdraw {
            offer,
            agent: agent(1),
            reason: WithdrawReason::Disconnected,
        }
    );
    let (next, to) = only_offer(&effects);
    assert_eq!((next.conversation, to), (conversation(1), agent(2)));
    assert_eq!(tenant.load(1), 0);
}

#[test]
fn a_disconnect_is_no_pass_so_the_agent_back_and_available_may_get_the_conversation_again() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    tenant.handoff(1, 1);
    let effects = tenant.disconnect(1);
    let (offer, _) = only_offer(&effects);
    tenant.set(1, None, Status::Available);
    let effects = tenant.decline(offer, 2);
    assert_eq!(offers(&effects), vec![(conversation(1), agent(1))]);
}

#[test]
fn a_disconnected_agent_keeps_its_live_conversations() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.assign(1, 1);
    tenant.disconnect(1);
    let stage = tenant.state.conversation(conversation(1)).unwrap().stage();
    assert_eq!(stage, Stage::Live { agent: agent(1) });
    assert_eq!(tenant.load(1), 1);
}

#[test]
fn a_disconnect_of_an_unknown_or_already_unavailable_agent_changes_nothing() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.join(2, &[1]);
    let before = tenant.state.clone();
    assert!(tenant.disconnect(2).is_empty());
    assert!(tenant.disconnect(9).is_empty());
    assert_eq!(tenant.state, before);
}

#[test]
fn the_routers_reason_stays_until_the_agent_sets_a_status_there() {
    let mut tenant = Tenant::with_available_agents(1, &[1, 2]);
    tenant.disconnect(1);
    tenant.set(1, Some(2), Status::Unavailable);
    assert_eq!(
        statuses(&tenant, 1),
        vec![
            (Status::Unavailable, Some(StatusReason::Disconnected)),
            (Status::Unavailable, None),
        ],
        "asking, even for what it already is, forgets the reason in that space only"
    );
    tenant.set(1, None, Status::Available);
    assert_eq!(statuses(&tenant, 1), vec![(Status::Available, None); 2]);
}

#[test]
fn an_offer_timeout_is_remembered_as_the_reason_until_the_agent_leaves_the_space() {
    let mut tenant = Tenant::with_available_agents(1, &[1, 2]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    tenant.expire(offer);
    let reason = |t: &Tenant| t.state.agent(agent(1)).unwrap().reason_in(space(1));
    assert_eq!(reason(&tenant), Some(StatusReason::OfferTimeout));
    tenant.disconnect(1);
    assert_eq!(
        reason(&tenant),
        Some(StatusReason::OfferTimeout),
        "a disconnect changes nothing where the agent was already unavailable"
    );
    tenant.join(1, &[2]);
    tenant.join(1, &[1, 2]);
    assert_eq!(reason(&tenant), None);
}

#[test]
fn agents_removed_while_disconnected_leave_no_reason_behind() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.disconnect(1);
    tenant.apply(Input::AgentRemoved { agent: agent(1) });
    assert!(tenant.state.agent(agent(1)).is_none());
}
