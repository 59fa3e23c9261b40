//! Round robin: who gets each offer, and how declines move it on.

use super::support::*;
use crate::domain::{Effect, SkipReason, Status};

#[test]
fn offers_rotate_through_agents_least_recently_offered_first() {
    let mut tenant = Tenant::with_available_agents(3, &[1]);
    tenant.limit(20);
    let mut order = Vec::new();
    for c in 1..=7 {
        let (_, who) = only_offer(&tenant.handoff(c, 1));
        order.push(who);
        tenant.advance(1_000);
    }
    let (a, b, c) = (agent(1), agent(2), agent(3));
    assert_eq!(order, vec![a, b, c, a, b, c, a]);
}

#[test]
fn the_rotation_continues_from_whoever_was_offered_longest_ago() {
    let mut tenant = Tenant::with_available_agents(3, &[1]);
    tenant.assign(1, 1); // agent 1
    tenant.set(2, None, Status::Unavailable);
    let (_, third) = only_offer(&tenant.handoff(2, 1));
    assert_eq!(third, agent(3));
    tenant.set(2, None, Status::Available);
    let (_, next) = only_offer(&tenant.handoff(3, 1));
    assert_eq!(next, agent(2), "agent 2 was never offered, so it is next");
    let (_, then) = only_offer(&tenant.handoff(4, 1));
    assert_eq!(then, agent(1));
}

#[test]
fn a_decline_passes_the_conversation_to_the_next_agent_at_once() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, first) = only_offer(&tenant.handoff(1, 1));
    assert_eq!(first, agent(1));
    let effects = tenant.decline(offer, 1);
    assert_eq!(offers(&effects), vec![(conversation(1), agent(2))]);
    let status = tenant.state.agent(agent(1)).unwrap().status_in(space(1));
    assert_eq!(
        status,
        Some(Status::Available),
        "declining keeps availability"
    );
}

#[test]
fn a_declined_agent_is_not_offered_the_same_conversation_again() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    let (second, _) = only_offer(&tenant.decline(offer, 1));
    let effects = tenant.decline(second, 2);
    assert!(offers(&effects).is_empty(), "both declined: {effects:#?}");
    assert!(effects.contains(&Effect::Decision {
        conversation: conversation(1),
        space: space(1),
        chosen: None,
        skipped: vec![
            (agent(1), SkipReason::Declined),
            (agent(2), SkipReason::Declined)
        ],
        skipped_total: 2,
    }));
    // A newcomer still gets it; the decliners get the next conversation.
    tenant.join(3, &[1]);
    let effects = tenant.set(3, None, Status::Available);
    assert_eq!(offers(&effects), vec![(conversation(1), agent(3))]);
    let (_, who) = only_offer(&tenant.handoff(2, 1));
    assert_eq!(who, agent(1));
}

#[test]
fn a_decision_records_who_was_chosen_and_who_was_skipped_and_why() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    tenant.join(3, &[1]); // a member, unavailable
    tenant.limit(1);
    tenant.assign(1, 1); // agent 1, now at the limit
    tenant.assign(2, 1); // agent 2
    tenant.end(2);
    let effects = tenant.handoff(3, 1);
    assert!(effects.contains(&Effect::Decision {
        conversation: conversation(3),
        space: space(1),
        chosen: Some(agent(2)),
        skipped: vec![(agent(1), SkipReason::AtLimit)],
        skipped_total: 1,
    }));
    let (offer, _) = only_offer(&effects);
    let effects = tenant.decline(offer, 2);
    assert!(effects.contains(&Effect::Decision {
        conversation: conversation(3),
        space: space(1),
        chosen: None,
        skipped: vec![
            (agent(1), SkipReason::AtLimit),
            (agent(2), SkipReason::Declined),
            (agent(3), SkipReason::Unavailable),
        ],
        skipped_total: 3,
    }));
}

#[test]
fn offer_ids_are_derived_from_the_state_and_never_repeat_for_a_conversation() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let mut replay = Tenant::with_available_agents(2, &[1]);
    let (first, _) = only_offer(&tenant.handoff(1, 1));
    assert_eq!(
        only_offer(&replay.handoff(1, 1)).0,
        first,
        "same inputs, same id"
    );
    let (second, _) = only_offer(&tenant.decline(first, 1));
    assert_eq!(second.conversation, conversation(1));
    assert_ne!(second, first);
    tenant.end(1);
    let (again, _) = only_offer(&tenant.handoff(1, 1));
    assert!(
        again != first && again != second,
        "a new handoff gets fresh ids"
    );
}
