//! An offer nobody answers, with the real timer service firing it.

use std::time::Duration;

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{Availability, SupportMode};

use super::support::Harness;

#[tokio::test]
async fn an_unanswered_offer_sets_the_agent_unavailable_there_and_moves_on() {
    let mut h = Harness::with(1, true, |c| {
        c.offer_timeout = Duration::from_millis(300);
    })
    .await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (mut e0, mut e1) = (
        h.agent_events(agents[0]).await,
        h.agent_events(agents[1]).await,
    );
    h.available(agents[0], &mut e0).await;
    h.available(agents[1], &mut e1).await;

    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    // Whoever got it first lets it time out; the other one gets it next.
    let (first, timed_out, mut silent, mut other) = tokio::select! {
        offer = e0.offer() => (agents[0], offer, e0, e1),
        offer = e1.offer() => (agents[1], offer, e1, e0),
    };
    let Event::Withdrawn(withdrawn) = silent.next().await else {
        panic!("expected the offer withdrawn");
    };
    assert_eq!(
        (withdrawn.offer_id, withdrawn.reason.as_str()),
        (timed_out.offer_id.clone(), "timeout")
    );
    let status = silent.status().await;
    assert_eq!(status.space, cx.space.to_string());
    assert_eq!(status.status(), Availability::Unavailable);
    assert_eq!(status.reason, "offer_timeout");

    let next = other.offer().await;
    assert_eq!(next.conversation, c.to_string());
    assert_ne!(next.offer_id, timed_out.offer_id);
    let (snapshot, _) = h.snapshot().await;
    assert!(snapshot.state.agent(first).unwrap().offered().is_empty());
    h.stop().await;
}
