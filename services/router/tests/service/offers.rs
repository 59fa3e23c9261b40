//! Offers: round robin, decline, accept, a second accept, redelivery.

use switchboard_contracts::ids::{AgentId, ConversationId};
use switchboard_contracts::streams;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{ConversationState, RouteAccept, RouteDecline, SupportMode};

use super::support::Harness;

/// The agent the rotation starts with: nobody was offered anything yet, so
/// ties go by id.
fn first_and_second(agents: &[AgentId]) -> (AgentId, AgentId) {
    let (a, b) = (agents[0], agents[1]);
    if a < b { (a, b) } else { (b, a) }
}

#[tokio::test]
async fn a_handoff_goes_to_one_agent_and_the_next_to_whoever_was_offered_longest_ago() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (first, second) = first_and_second(&agents);
    let (mut e1, mut e2) = (h.agent_events(first).await, h.agent_events(second).await);
    h.available(first, &mut e1).await;
    h.available(second, &mut e2).await;

    let c1 = ConversationId::new();
    h.hand_off(&cx, c1).await;
    let offer = e1.offer().await;
    assert_eq!(offer.conversation, c1.to_string());
    assert_eq!(
        offer.customer.as_ref().map(|c| c.name.as_str()),
        Some("Casey")
    );
    assert_eq!(offer.summary, "Where is my order?");
    assert_eq!(offer.experience, cx.id.to_string());
    let (snapshot, _) = h.snapshot().await;
    assert!(
        snapshot.state.agent(second).unwrap().offered().is_empty(),
        "one offer at a time"
    );

    let c2 = ConversationId::new();
    h.hand_off(&cx, c2).await;
    assert_eq!(e2.offer().await.conversation, c2.to_string());
    let c3 = ConversationId::new();
    h.hand_off(&cx, c3).await;
    assert_eq!(e1.offer().await.conversation, c3.to_string());
    h.stop().await;
}

#[tokio::test]
async fn declining_passes_the_offer_to_the_other_agent_at_once() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (first, second) = first_and_second(&agents);
    let (mut e1, mut e2) = (h.agent_events(first).await, h.agent_events(second).await);
    h.available(first, &mut e1).await;
    h.available(second, &mut e2).await;

    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let declined = e1.offer().await;
    h.route(Input::Decline(RouteDecline {
        offer_id: declined.offer_id.clone(),
        agent: first.to_string(),
    }))
    .await;
    let passed_on = e2.offer().await;
    assert_eq!(passed_on.conversation, c.to_string());
    assert_ne!(passed_on.offer_id, declined.offer_id);
    let (snapshot, _) = h.snapshot().await;
    let first_agent = snapshot.state.agent(first).unwrap();
    assert!(first_agent.offered().is_empty());
    assert_eq!(
        first_agent.status_in(cx.space),
        Some(switchboard_router::domain::Status::Available),
        "a decline leaves the agent's availability alone"
    );
    h.stop().await;
}

#[tokio::test]
async fn an_accept_assigns_the_conversation_and_a_second_accept_is_refused() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (first, second) = first_and_second(&agents);
    let (mut e1, mut e2) = (h.agent_events(first).await, h.agent_events(second).await);
    h.available(first, &mut e1).await;
    h.available(second, &mut e2).await;
    let mut commands = h.commands().await;

    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let offer = e1.offer().await;
    h.accept(first, &offer.offer_id).await;
    let Event::Assigned(assigned) = e1.next().await else {
        panic!("expected assigned");
    };
    assert_eq!(
        (assigned.conversation, assigned.offer_id.clone()),
        (c.to_string(), offer.offer_id.clone())
    );
    let command = commands.next().await;
    assert_eq!(command.command_id, format!("assign:{}", offer.offer_id));
    let Some(Command::Assign(assign)) = command.command else {
        panic!("expected an assign command");
    };
    assert_eq!(assign.agent, first.to_string());
    assert!(assign.agent_name == "ada" || assign.agent_name == "bob");

    for (agent, events) in [(second, &mut e2), (first, &mut e1)] {
        h.accept(agent, &offer.offer_id).await;
        let Event::Refused(refused) = events.next().await else {
            panic!("expected refused");
        };
        assert_eq!(refused.code, "conflict");
        assert_eq!(refused.message, "That conversation is no longer available");
    }
    h.stop().await;
}

#[tokio::test]
async fn a_redelivered_input_re_performs_its_effects_and_changes_nothing() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada"], SupportMode::AiAndTeam).await;
    let agent = agents[0];
    let mut events = h.agent_events(agent).await;
    h.available(agent, &mut events).await;
    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let offer = events.offer().await;
    let accept = Input::Accept(RouteAccept {
        offer_id: offer.offer_id.clone(),
        agent: agent.to_string(),
    });
    h.route_as("accept-1", "accept-1", accept.clone()).await;
    assert!(matches!(events.next().await, Event::Assigned(_)));
    let (before, revision) = h.snapshot().await;
    let stream = h.bus.js.get_stream(streams::COMMANDS).await.unwrap();
    let commands_before = stream.get_info().await.unwrap().state.messages;

    // The same input again, stored as a new message: what a redelivery looks like to the router.
    h.route_as("accept-1", "accept-1-again", accept).await;
    assert!(
        matches!(events.next().await, Event::Assigned(_)),
        "the recorded effect is performed again, not a refusal"
    );
    let (after, revision_after) = h.snapshot().await;
    assert_eq!(revision_after, revision, "nothing was written");
    assert_eq!(after.state, before.state);
    assert_eq!(
        stream.get_info().await.unwrap().state.messages,
        commands_before
    );
    assert!(h.routers[0].counters.inputs_replayed.get() >= 1);
    h.stop().await;
}

#[tokio::test]
async fn a_conversation_that_ends_while_queued_withdraws_its_offer() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada"], SupportMode::SupportTeam).await;
    let mut events = h.agent_events(agents[0]).await;
    h.available(agents[0], &mut events).await;
    let c = ConversationId::new();
    h.hand_off(&cx, c).await;
    let offer = events.offer().await;
    h.end(c, ConversationState::Queued).await;
    let Event::Withdrawn(withdrawn) = events.next().await else {
        panic!("expected the offer withdrawn");
    };
    assert_eq!(
        (withdrawn.offer_id, withdrawn.reason.as_str()),
        (offer.offer_id, "conversation_closed")
    );
    let (snapshot, _) = h.snapshot().await;
    assert!(snapshot.state.conversation(c).is_none());
    h.stop().await;
}
