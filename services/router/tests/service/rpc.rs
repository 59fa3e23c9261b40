//! The agent view over `sb.rpc.router.{tenant}` and the space view over
//! `sb.rpc.router.{tenant}.spaces`.

use std::time::Duration;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::agent_event::Event;
use switchboard_contracts::v1::{
    AgentQuery, AgentView, Availability, SpaceQuery, SpaceView, SupportMode,
};

use super::support::{Harness, next_position};

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

async fn space_view(h: &Harness, subject_tenant: TenantId, space: &str) -> SpaceView {
    let query = SpaceQuery {
        tenant: h.tenant.to_string(),
        space: space.to_owned(),
    };
    h.bus
        .request(
            subjects::space_view_rpc(subject_tenant),
            &query,
            Duration::from_secs(5),
        )
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_space_query_shows_the_queue_in_order_with_its_offer_and_every_agents_status_and_load() {
    let mut h = Harness::start().await;
    let (cx, agents) = h.team(1, &["ada", "bob"], SupportMode::AiAndTeam).await;
    let (ada, bob) = (agents[0], agents[1]);
    let mut events = h.agent_events(ada).await;
    h.available(ada, &mut events).await;
    let (first, second) = (ConversationId::new(), ConversationId::new());
    h.hand_off(&cx, first).await;
    let offer = events.offer().await;
    let mut behind = h.queue_positions(second).await;
    h.hand_off(&cx, second).await;
    assert_eq!(next_position(&mut behind).await, 2, "Ada is at the limit");

    let shown = space_view(&h, h.tenant, &cx.space.to_string()).await;
    assert_eq!(shown.error, "");
    assert!(shown.live_chat);
    assert_eq!(shown.limit, 1);
    let waiting: Vec<(String, u32, String)> = shown
        .waiting
        .iter()
        .map(|w| (w.conversation.clone(), w.position, w.offered_to.clone()))
        .collect();
    assert_eq!(
        waiting,
        [
            (first.to_string(), 1, ada.to_string()),
            (second.to_string(), 2, String::new()),
        ]
    );
    let head = &shown.waiting[0];
    assert_eq!(head.offer_expires_at_ms, offer.expires_at_ms);
    assert_eq!(head.experience, cx.id.to_string());
    assert_eq!(
        head.customer.as_ref().map(|c| c.name.as_str()),
        Some("Casey")
    );
    assert!(head.queued_at_ms > 0 && head.queued_at_ms <= shown.waiting[1].queued_at_ms);
    let mut rows: Vec<(String, Availability, u32)> = shown
        .agents
        .iter()
        .map(|a| (a.agent.clone(), a.status(), a.load))
        .collect();
    rows.sort();
    let mut expected = vec![
        (ada.to_string(), Availability::Available, 1),
        (bob.to_string(), Availability::Unavailable, 0),
    ];
    expected.sort();
    assert_eq!(rows, expected);
    h.stop().await;
}

#[tokio::test]
async fn a_space_query_for_an_unknown_space_is_not_found_and_one_sent_for_another_tenant_is_invalid()
 {
    let mut h = Harness::start().await;
    let (cx, _) = h.team(3, &["ada"], SupportMode::AiAndTeam).await;
    let space = cx.space.to_string();
    assert_eq!(space_view(&h, h.tenant, &space).await.error, "");
    assert_eq!(
        space_view(&h, h.tenant, &SpaceId::new().to_string())
            .await
            .error,
        "not_found"
    );
    assert_eq!(
        space_view(&h, TenantId::new(), &space).await.error,
        "invalid",
        "the tenant comes from the subject"
    );
    assert_eq!(space_view(&h, h.tenant, "not-an-id").await.error, "invalid");
    h.stop().await;
}
