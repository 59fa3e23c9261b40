//! Accepts, offer timeouts and the accept window.

use super::support::*;
use crate::domain::{
    Effect, FallbackReason, Input, RefuseReason, Stage, Status, StatusReason, WithdrawReason,
};

#[test]
fn an_offer_expires_after_the_offer_timeout() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    let effects = tenant.handoff(1, 1);
    let expires_at = effects.iter().find_map(|e| match e {
        Effect::Offer { expires_at, .. } => Some(*expires_at),
        _ => None,
    });
    assert_eq!(expires_at, Some(tenant.now + OFFER_TIMEOUT));
    assert!(effects.contains(&Effect::Queued {
        conversation: conversation(1),
        space: space(1),
        accept_until: tenant.now + ACCEPT_WINDOW,
    }));
}

#[test]
fn the_first_accept_wins_and_a_second_accept_is_refused() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    let effects = tenant.accept(offer, 1);
    assert_eq!(
        effects[0],
        Effect::Assigned {
            offer,
            conversation: conversation(1),
            agent: agent(1),
            space: space(1),
        }
    );
    let stage = tenant.state.conversation(conversation(1)).unwrap().stage();
    assert_eq!(stage, Stage::Live { agent: agent(1) });
    let refused = Effect::AcceptRefused {
        offer,
        agent: agent(1),
        reason: RefuseReason::NoLongerAvailable,
    };
    assert_eq!(tenant.accept(offer, 1), vec![refused]);
    assert_eq!(tenant.load(1), 1);
}

#[test]
fn an_accept_by_an_agent_the_offer_was_not_made_to_is_refused() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    let effects = tenant.accept(offer, 2);
    assert!(matches!(effects[..], [Effect::AcceptRefused { .. }]));
    assert!(!matches!(
        tenant.accept(offer, 1)[0],
        Effect::AcceptRefused { .. }
    ));
}

#[test]
fn an_offer_timeout_makes_the_agent_unavailable_in_that_space_only_and_passes_it_on() {
    let mut tenant = Tenant::with_available_agents(2, &[1, 2]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    tenant.advance(OFFER_TIMEOUT);
    let effects = tenant.expire(offer);
    assert_eq!(
        effects[..2],
        [
            Effect::Withdraw {
                offer,
                agent: agent(1),
                reason: WithdrawReason::OfferTimeout,
            },
            Effect::StatusChanged {
                agent: agent(1),
                space: space(1),
                status: Status::Unavailable,
                reason: StatusReason::OfferTimeout,
            },
        ]
    );
    assert_eq!(offers(&effects), vec![(conversation(1), agent(2))]);
    let first = tenant.state.agent(agent(1)).unwrap();
    assert_eq!(first.status_in(space(1)), Some(Status::Unavailable));
    assert_eq!(first.status_in(space(2)), Some(Status::Available));
}

#[test]
fn a_late_accept_after_the_offer_timed_out_is_refused() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    tenant.expire(offer);
    let effects = tenant.accept(offer, 1);
    assert!(matches!(effects[..], [Effect::AcceptRefused { .. }]));
    assert_eq!(tenant.load(1), 0);
}

#[test]
fn an_expiry_of_an_offer_already_answered_is_ignored() {
    let mut tenant = Tenant::with_available_agents(2, &[1]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    tenant.accept(offer, 1);
    assert!(tenant.expire(offer).is_empty());
    let status = tenant.state.agent(agent(1)).unwrap().status_in(space(1));
    assert_eq!(status, Some(Status::Available));
}

#[test]
fn an_accept_window_expiry_withdraws_the_offer_and_falls_back() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    let (offer, _) = only_offer(&tenant.handoff(1, 1));
    tenant.advance(ACCEPT_WINDOW);
    let effects = tenant.apply(Input::AcceptWindowExpired {
        conversation: conversation(1),
    });
    assert_eq!(
        effects,
        vec![
            Effect::Withdraw {
                offer,
                agent: agent(1),
                reason: WithdrawReason::AcceptTimeout,
            },
            Effect::Fallback {
                conversation: conversation(1),
                space: space(1),
                reason: FallbackReason::AcceptTimeout,
            },
        ]
    );
    assert!(tenant.state.conversation(conversation(1)).is_none());
    assert_eq!(tenant.load(1), 0);
}

#[test]
fn an_accept_window_expiry_of_a_live_conversation_is_ignored() {
    let mut tenant = Tenant::with_available_agents(1, &[1]);
    tenant.assign(1, 1);
    let effects = tenant.apply(Input::AcceptWindowExpired {
        conversation: conversation(1),
    });
    assert!(effects.is_empty());
    assert_eq!(tenant.load(1), 1);
}
