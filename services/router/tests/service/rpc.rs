//! The agent view over `sb.rpc.router.{tenant}`.

use std::time::Duration;

use switchboard_contracts::ids::{AgentId, ConversationId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{AgentQuery, AgentView, Availability, SupportMode};

use super::support::Harness;

async fn view(h: &Harness, agent: AgentId) -> AgentView {
    let query = AgentQuery {
        tenant: h.tenant.to_string(),
        agent: agent.to_string(),
    };
    h.bus
        .request(
            subjects::router_rpc(h.tenant),
            &query,
            Duration::from_secs(5),
        )
        .await
        .expect("an answer")
}

#[tokio::test]
async fn an_agent_query_shows_statuses_offers_and_live_conversations() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada"], SupportMode::AiAndTeam).await;
    let agent = agents[0];
    let mut events = h.agent_events(agent).await;
    h.available(agent, &mut events).await;
    let (live, offered) = (ConversationId::new(), ConversationId::new());
    h.hand_off(&cx, live).await;
    let offer = events.offer().await;
    h.accept(agent, &offer.offer_id).await;
    assert!(matches!(events.next().await, Event::Assigned(_)));
    h.hand_off(&cx, offered).await;
    let pending = events.offer().await;

    let answer = view(&h, agent).await;
    assert_eq!(answer.error, "");
    assert_eq!(answer.spaces.len(), 1);
    assert_eq!(answer.spaces[0].space, cx.space.to_string());
    assert_eq!(answer.spaces[0].status(), Availability::Available);
    assert_eq!(answer.live_conversations, vec![live.to_string()]);
    assert_eq!(answer.offers.len(), 1);
    let shown = &answer.offers[0];
    assert_eq!(
        (shown.offer_id.as_str(), shown.conversation.as_str()),
        (pending.offer_id.as_str(), offered.to_string().as_str())
    );
    assert_eq!(
        shown.customer.as_ref().map(|c| c.name.as_str()),
        Some("Casey")
    );
    assert_eq!(shown.expires_at_ms, pending.expires_at_ms);
    h.stop().await;
}

#[tokio::test]
async fn an_agent_the_router_has_not_routed_yet_is_unavailable_and_a_stranger_is_not_found() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(3, &["ada"], SupportMode::AiAndTeam).await;
    let fresh = view(&h, agents[0]).await;
    assert_eq!(fresh.error, "");
    assert_eq!(fresh.spaces.len(), 1);
    assert_eq!(fresh.spaces[0].space, cx.space.to_string());
    assert_eq!(fresh.spaces[0].status(), Availability::Unavailable);
    assert_eq!(view(&h, AgentId::new()).await.error, "not_found");
    h.stop().await;
}
