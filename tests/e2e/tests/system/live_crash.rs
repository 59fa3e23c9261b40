//! SIGKILL of a live-chat service mid-handoff (SPEC §9): the router, the
//! timer or the work-item service dies while a customer waits for a person;
//! after a restart the offer still arrives, the accept still wins once, and
//! the work item still exists.

use serde_json::json;
use switchboard_e2e::admin::team_tenant;

use super::live::{available_agent, expect_state, signed_in_customer, system, work_item_of};

async fn handoff_survives(victim: &str) {
    let mut system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut agent = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "crash-1").await;

    customer.send(json!({"type": "request_human"})).await;
    system.kill(victim).await;
    system.restart(victim).await;
    expect_state(&mut customer, "queued").await;

    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"], conversation.as_str());
    agent
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    agent.expect("assigned").await;
    expect_state(&mut customer, "live").await;
    customer.send(json!({"type": "end"})).await;
    customer.expect("ended").await;

    let item = work_item_of(&system, &team, 0, &conversation).await;
    assert_eq!(item["assignee"]["name"], "Alice");
    let offers = agent.frames.iter().filter(|f| f["type"] == "offer").count();
    let assigned = agent
        .frames
        .iter()
        .filter(|f| f["type"] == "assigned")
        .count();
    assert_eq!((offers, assigned), (1, 1), "one offer, one assignment");
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_router_mid_handoff_loses_no_offer() {
    handoff_survives("router").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_timer_service_mid_handoff_changes_nothing_the_customer_sees() {
    handoff_survives("timer").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_work_item_service_mid_handoff_still_leaves_the_work_item() {
    handoff_survives("work-item").await;
}
