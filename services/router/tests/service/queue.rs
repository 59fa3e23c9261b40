//! The queue: positions pushed to waiting customers, and capacity freed by a
//! configuration change used at once.

use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{Edition, RouteConversationClosed, SupportMode};

use super::support::{self, Harness, WAIT, next_position};

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

/// Closings decided together move everyone behind them several places in
/// one step: each waiting customer is told the step's result once, not once
/// per closing (a step of three closings told the last customer "3" three
/// times).
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
    // Published while no router runs, so that the next one finds the four
    // closings waiting together.
    let (bus, tenant) = (h.bus.clone(), h.tenant);
    let leaving = conversations[..4].to_vec();
    h.while_stopped(async move {
        for c in leaving {
            let id = format!("closed:{c}");
            support::publish_input(&bus, tenant, &id, &id, closed(c)).await;
        }
    })
    .await;
    switchboard_testkit::eventually("the four closings decided", WAIT, || async {
        let (snapshot, _) = h.snapshot().await;
        let state = &snapshot.state;
        conversations[..4]
            .iter()
            .all(|c| state.conversation(*c).is_none())
            .then_some(())
    })
    .await;
    // The next router usually finds the four waiting together and decides
    // them in one step, but may take them in more (a first delivery can
    // hold only some). Either way each step tells the last customer its new
    // place once: the places heard only go down, to six less four.
    let last = &mut positions[5];
    let mut heard = Vec::new();
    loop {
        let place = next_position(last).await;
        heard.push(place);
        if place <= 2 {
            break;
        }
    }
    assert_eq!(heard.last(), Some(&2), "six places less four: {heard:?}");
    assert!(
        heard.windows(2).all(|pair| pair[0] > pair[1]),
        "each place told once: {heard:?}"
    );
    // The next thing the last customer hears is the next move, not the
    // same place again.
    h.route(closed(conversations[4])).await;
    assert_eq!(next_position(last).await, 1);
    h.stop().await;
}

fn closed(conversation: ConversationId) -> Input {
    Input::ConversationClosed(RouteConversationClosed {
        conversation: conversation.to_string(),
    })
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
