//! The queue: positions pushed to waiting customers, and capacity freed by a
//! configuration change used at once.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{ConversationState, Edition, SupportMode};

use super::support::{Harness, WAIT, next_position};

#[tokio::test]
async fn waiting_customers_are_told_their_place_in_the_queue_as_it_moves() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(1, &["ada"], SupportMode::SupportTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let conversations = [
        ConversationId::new(),
        ConversationId::new(),
        ConversationId::new(),
    ];
    let mut positions = Vec::new();
    for c in conversations {
        positions.push(h.queue_positions(c).await);
    }
    for (i, c) in conversations.iter().enumerate() {
        h.hand_off(&cx, *c).await;
        assert_eq!(next_position(&mut positions[i]).await, i as u32 + 1);
    }
    let offer = events.offer().await;
    assert_eq!(offer.conversation, conversations[0].to_string());
    h.accept(agents[0], &offer.offer_id).await;
    assert!(matches!(events.next().await, Event::Assigned(_)));
    assert_eq!(next_position(&mut positions[1]).await, 1);
    assert_eq!(next_position(&mut positions[2]).await, 2);
    h.stop().await;
}

/// Ends decided together move everyone behind them several places in one
/// step: each waiting customer is told the step's result once, so the
/// positions a customer sees only ever go down, never repeat.
#[tokio::test]
async fn a_customer_is_told_each_new_place_once_however_many_leave_ahead_at_once() {
    let mut h = Harness::start().await;
    // One agent with room for one: the first is offered, every other waits.
    let (cx, agents) = h.team(1, &["ada"], SupportMode::SupportTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let conversations: Vec<ConversationId> = (0..6).map(|_| ConversationId::new()).collect();
    let mut positions = Vec::new();
    for (i, c) in conversations.iter().enumerate() {
        let mut subscriber = h.queue_positions(*c).await;
        h.hand_off(&cx, *c).await;
        assert_eq!(next_position(&mut subscriber).await, i as u32 + 1);
        positions.push(subscriber);
    }
    // Published back to back, so that the router may decide them together.
    for c in &conversations[..3] {
        h.end(*c, ConversationState::Queued).await;
    }
    h.end(conversations[3], ConversationState::Queued).await;
    descends(&mut positions[4], 5, 1).await;
    descends(&mut positions[5], 6, 2).await;
    h.stop().await;
}

/// Reads a customer's positions from `from` until `to`, each lower than the
/// one before.
async fn descends(subscriber: &mut async_nats::Subscriber, from: u32, to: u32) {
    let mut seen = vec![from];
    while seen.last() != Some(&to) {
        let position = next_position(subscriber).await;
        assert!(
            position < *seen.last().expect("one at least") && position >= to,
            "told {position} after {seen:?}: a place repeated or went back"
        );
        seen.push(position);
    }
}

#[tokio::test]
async fn raising_the_limit_offers_the_oldest_waiting_conversation_at_once() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(1, &["ada"], SupportMode::SupportTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let (c1, c2, c3) = (
        ConversationId::new(),
        ConversationId::new(),
        ConversationId::new(),
    );
    h.hand_off(&cx, c1).await;
    let offer = events.offer().await;
    h.accept(agents[0], &offer.offer_id).await;
    assert!(matches!(events.next().await, Event::Assigned(_)));
    h.hand_off(&cx, c2).await;
    h.hand_off(&cx, c3).await;
    switchboard_testkit::eventually("both to wait in the queue", WAIT, || async {
        let (s, _) = h.snapshot().await;
        (s.state.conversation(c2).is_some() && s.state.conversation(c3).is_some()).then_some(())
    })
    .await;

    h.tenant(Edition::Premium, 2).await; // no other input follows
    let offer = events.offer().await;
    assert_eq!(offer.conversation, c2.to_string(), "the oldest waiting one");
    h.stop().await;
}

#[tokio::test]
async fn an_agent_added_to_the_space_can_take_the_waiting_conversation() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(1, &["ada"], SupportMode::SupportTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let (c1, c2) = (ConversationId::new(), ConversationId::new());
    h.hand_off(&cx, c1).await;
    events.offer().await;
    h.hand_off(&cx, c2).await;

    let bob = h.agent("bob", &[cx.space]).await;
    h.synced().await;
    let mut bob_events = h.agent_events(bob).await;
    h.available(bob, &mut bob_events).await;
    assert_eq!(bob_events.offer().await.conversation, c2.to_string());
    h.stop().await;
}
