//! Handoffs, the queue and the limit: fallback, waiting, oldest first, positions.

use super::support::*;
use crate::domain::{Effect, FallbackReason, Input, Status, StatusReason, WithdrawReason};

fn fallback(c: u128, s: u128) -> Effect {
    Effect::Fallback {
        conversation: conversation(c),
        space: space(s),
        reason: FallbackReason::NoAgentsAvailable,
    }
}

#[test]
fn a_handoff_with_no_available_agent_falls_back_at_once() {
    let mut tenant = Tenant::new();
    tenant.join(1, &[1]);
    assert_eq!(tenant.handoff(1, 1), vec![fallback(1, 1)]);
    assert_eq!(tenant.handoff(2, 9), vec![fallback(2, 9)], "unknown space");
    assert!(tenant.state.conversation(conversation(1)).is_none());
}

#[test]
fn a_handoff_to_a_space_with_live_chat_off_falls_back() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.apply(Input::SpaceUpdated {
        space: space(1),
        live_chat: false,
    });
    assert_eq!(tenant.handoff(1, 1), vec![fallback(1, 1)]);
}

#[test]
fn turning_live_chat_off_gives_every_waiting_conversation_the_fallback_and_withdraws_its_offer() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    tenant.handoff(1, 1); // offered to agent 1, who is then at the limit
    tenant.handoff(2, 1); // waits
    let effects = tenant.apply(Input::SpaceUpdated {
        space: space(1),
        live_chat: false,
    });
    assert!(effects.contains(&fallback(1, 1)), "{effects:?}");
    assert!(effects.contains(&fallback(2, 1)), "{effects:?}");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Withdraw {
                reason: WithdrawReason::ConversationEnded,
                ..
            }
        )),
        "the outstanding offer is taken back: {effects:?}"
    );
    assert!(tenant.state.conversation(conversation(1)).is_none());
    assert!(tenant.state.conversation(conversation(2)).is_none());
    assert!(offers(&effects).is_empty(), "no new offers there");
}

#[test]
fn a_handoff_waits_when_the_available_agents_are_at_their_limit() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    tenant.assign(1, 1);
    let effects = tenant.handoff(2, 1);
    assert!(offers(&effects).is_empty());
    assert!(!effects.contains(&fallback(2, 1)));
    assert!(effects.contains(&Effect::QueuePositions {
        space: space(1),
        positions: vec![(conversation(2), 1)],
    }));
}

#[test]
fn freed_capacity_goes_to_the_oldest_waiting_conversation() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    tenant.assign(1, 1);
    for c in 2..=4 {
        tenant.handoff(c, 1);
        tenant.advance(10);
    }
    let effects = tenant.end(1);
    assert_eq!(offers(&effects), vec![(conversation(2), agent(1))]);
}

#[test]
fn an_agent_turning_available_is_offered_the_oldest_waiting_conversation() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    tenant.assign(1, 1);
    tenant.handoff(2, 1);
    tenant.handoff(3, 1);
    tenant.join(2, &[1]);
    let effects = tenant.set(2, Some(1), Status::Available);
    assert_eq!(offers(&effects), vec![(conversation(2), agent(2))]);
}

#[test]
fn lowering_the_limit_reassigns_nothing_and_stops_offers_until_below_it() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    for c in 1..=3 {
        tenant.assign(c, 1);
    }
    assert!(tenant.limit(1).is_empty());
    assert_eq!(tenant.load(1), 3);
    assert!(offers(&tenant.handoff(4, 1)).is_empty());
    assert!(offers(&tenant.end(1)).is_empty(), "2 live, limit 1");
    assert!(offers(&tenant.end(2)).is_empty(), "1 live, limit 1");
    assert_eq!(offers(&tenant.end(3)), vec![(conversation(4), agent(1))]);
}

#[test]
fn raising_the_limit_offers_waiting_conversations_at_once() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    tenant.assign(1, 1);
    tenant.handoff(2, 1);
    tenant.handoff(3, 1);
    let effects = tenant.limit(2);
    assert_eq!(offers(&effects), vec![(conversation(2), agent(1))]);
}

#[test]
fn setting_status_without_a_space_applies_to_all_the_agents_spaces() {
    let mut tenant = Tenant::new();
    tenant.join(1, &[1, 2, 3]);
    tenant.set(1, Some(2), Status::Available);
    let effects = tenant.set(1, None, Status::Available);
    let changed = |s| Effect::StatusChanged {
        agent: agent(1),
        space: space(s),
        status: Status::Available,
        reason: StatusReason::Requested,
    };
    assert_eq!(effects, vec![changed(1), changed(3)]);
    tenant.set(1, None, Status::Unavailable);
    let statuses: Vec<Status> = tenant
        .state
        .agent(agent(1))
        .unwrap()
        .spaces()
        .values()
        .copied()
        .collect();
    assert_eq!(statuses, vec![Status::Unavailable; 3]);
}

#[test]
fn queue_positions_move_up_when_a_conversation_ahead_leaves() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    tenant.assign(1, 1);
    for c in 2..=4 {
        let effects = tenant.handoff(c, 1);
        let expected = Effect::QueuePositions {
            space: space(1),
            positions: vec![(conversation(c), u32::try_from(c).unwrap() - 1)],
        };
        assert!(effects.contains(&expected));
    }
    let effects = tenant.end(3);
    assert!(effects.contains(&Effect::QueuePositions {
        space: space(1),
        positions: vec![(conversation(4), 2)],
    }));
    let (offer, _) = only_offer(&tenant.end(1)); // conversation 2 is offered, still queued
    let effects = tenant.accept(offer, 1);
    assert!(effects.contains(&Effect::QueuePositions {
        space: space(1),
        positions: vec![(conversation(4), 1)],
    }));
}

#[test]
fn a_queued_conversation_that_ends_withdraws_its_offer_and_frees_the_agent() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.limit(1);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    tenant.handoff(2, 1);
    let effects = tenant.end(1);
    assert_eq!(
        effects[0],
        Effect::Withdraw {
            offer,
            agent: agent(1),
            reason: WithdrawReason::ConversationEnded,
        }
    );
    assert_eq!(offers(&effects), vec![(conversation(2), agent(1))]);
}

#[test]
fn a_redelivered_handoff_changes_nothing() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.handoff(1, 1);
    let before = tenant.state.clone();
    assert!(tenant.handoff(1, 1).is_empty());
    assert_eq!(tenant.state, before);
}
