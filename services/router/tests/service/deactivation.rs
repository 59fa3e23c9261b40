//! A deactivated agent leaves the roster as a deleted one does: their
//! outstanding offer moves on at once, nothing more is offered to them,
//! and reactivated they come back unavailable, where every agent starts.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::SupportMode;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_router::domain::Status;

use super::support::Harness;

#[tokio::test]
async fn a_deactivated_agents_offer_moves_on_and_reactivated_they_start_unavailable() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (mut events, mut others) = (
        h.agent_events(agents[0]).await,
        h.agent_events(agents[1]).await,
    );
    h.available(agents[0], &mut events).await;
    let c1 = ConversationId::new();
    h.hand_off(&cx, c1).await;
    let offer = events.offer().await;
    h.available(agents[1], &mut others).await;

    // The change reaches the router as a `config_changed` input.
    h.put_agent_as(agents[0], "ada", &[cx.space], true).await;
    match events.next().await {
        Event::Withdrawn(withdrawn) => {
            assert_eq!(withdrawn.offer_id, offer.offer_id);
            assert_eq!(withdrawn.reason, "agent_left_space");
        }
        other => panic!("expected the offer withdrawn, got {other:?}"),
    }
    let moved = others.offer().await;
    assert_eq!(moved.conversation, c1.to_string());
    let (snapshot, _) = h.snapshot().await;
    assert!(
        snapshot.state.agent(agents[0]).is_none(),
        "out of the roster: nothing can be offered to them"
    );

    h.put_agent_as(agents[0], "ada", &[cx.space], false).await;
    h.synced().await;
    // Only a change is echoed: turning available is one, so they came back
    // unavailable; and they are offered work again.
    h.available(agents[0], &mut events).await;
    let (snapshot, _) = h.snapshot().await;
    let back = snapshot.state.agent(agents[0]).expect("back in the roster");
    assert_eq!(back.status_in(cx.space), Some(Status::Available));
    let c2 = ConversationId::new();
    h.hand_off(&cx, c2).await;
    assert_eq!(events.offer().await.conversation, c2.to_string());
    h.stop().await;
}
