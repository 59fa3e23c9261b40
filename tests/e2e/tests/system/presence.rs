//! Agent presence end to end (SPEC §5): a dropped console keeps the agent's
//! availability, but with no console for the presence grace the agent is set
//! unavailable everywhere (reason `disconnected`) and its offer moves on.
//! Short durations from the environment: a 2 s grace, a 500 ms refresh.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::{TeamTenant, team_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

use super::live::{available_agent, expect_state, signed_in_customer, system};

const GRACE: Duration = Duration::from_secs(2);

async fn presence_system() -> System {
    system(&[
        ("SWITCHBOARD_PRESENCE_GRACE", "2s"),
        ("SWITCHBOARD_PRESENCE_REFRESH", "500ms"),
    ])
    .await
}

/// A signed-in customer waiting for a person; returns the conversation.
async fn waiting_customer(system: &System, team: &TeamTenant, sub: &str) -> (Customer, String) {
    let (mut customer, conversation) = signed_in_customer(system, team, sub).await;
    customer.send(json!({"type": "request_human"})).await;
    expect_state(&mut customer, "queued").await;
    (customer, conversation)
}

/// The agent's console opened again: its welcome, and the `status` frames
/// that explain what the router set while it was away.
async fn comes_back(system: &System, team: &TeamTenant, index: usize) -> (Customer, Value) {
    Customer::agent(&system.ws_url(), &team.agents[index].1).await
}

async fn told_disconnected(agent: &mut Customer, welcome: &Value, space: &str) {
    let shown = &welcome["spaces"][0];
    assert_eq!(
        (&shown["id"], &shown["status"], &shown["reason"]),
        (&json!(space), &json!("unavailable"), &json!("disconnected")),
        "{welcome}"
    );
    let status = agent.expect("status").await;
    assert_eq!(
        (&status["space"], &status["status"], &status["reason"]),
        (&json!(space), &json!("unavailable"), &json!("disconnected"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_closed_for_the_grace_leaves_its_agent_unavailable_and_the_offer_moves_on() {
    let system = presence_system().await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (_customer, conversation) = waiting_customer(&system, &team, "pres-a").await;
    let offer = alice.expect("offer").await;
    assert_eq!(offer["conversation"], conversation.as_str());
    let mut bob = available_agent(&system, &team, 1).await;

    let closed_at = Instant::now();
    alice.close().await;
    let moved = bob.expect("offer").await;
    assert_eq!(moved["conversation"], conversation.as_str());
    assert!(
        closed_at.elapsed() >= GRACE,
        "not before the grace: {:?}",
        closed_at.elapsed()
    );

    let (mut alice, welcome) = comes_back(&system, &team, 0).await;
    told_disconnected(&mut alice, &welcome, &team.space).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_reloaded_within_the_grace_keeps_its_availability_and_its_offer() {
    let system = presence_system().await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob", "Wes"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (_first, kept) = waiting_customer(&system, &team, "pres-b1").await;
    let offer = alice.expect("offer").await;
    assert_eq!(offer["conversation"], kept.as_str());
    // Wes, never offered anything, is next in the rotation.
    let mut wes = available_agent(&system, &team, 2).await;
    let (_second, witnessed) = waiting_customer(&system, &team, "pres-b2").await;
    assert_eq!(
        wes.expect("offer").await["conversation"],
        witnessed.as_str()
    );
    let mut bob = available_agent(&system, &team, 1).await;

    // Alice reloads the page; then Wes closes his laptop for good.
    alice.close().await;
    let (mut alice, welcome) = comes_back(&system, &team, 0).await;
    assert_eq!(welcome["spaces"][0]["status"], "available", "{welcome}");
    let pending = alice.expect("offer").await;
    assert_eq!(pending["offer_id"], offer["offer_id"]);
    wes.close().await;

    // Wes's offer moving to Bob shows the grace has run out since Alice's
    // reload as well: hers stayed where it was.
    assert_eq!(
        bob.expect("offer").await["conversation"],
        witnessed.as_str()
    );
    alice
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    let assigned = alice.expect("assigned").await;
    assert_eq!(assigned["conversation"], kept.as_str());
    let unexpected: Vec<&Value> = alice
        .frames
        .iter()
        .filter(|f| f["type"] == "status" || f["type"] == "offer_withdrawn")
        .collect();
    assert!(unexpected.is_empty(), "nothing moved: {unexpected:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_on_a_gateway_killed_outright_is_set_unavailable_after_the_grace() {
    let mut system = presence_system().await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (_customer, conversation) = waiting_customer(&system, &team, "pres-c").await;
    assert_eq!(
        alice.expect("offer").await["conversation"],
        conversation.as_str()
    );

    // SIGKILL: no close is written; the record just stops being refreshed.
    system.kill("gateway").await;
    let killed_at = Instant::now();
    system.restart("gateway").await;
    let mut bob = available_agent(&system, &team, 1).await;
    let moved = bob.expect("offer").await;
    assert_eq!(moved["conversation"], conversation.as_str());
    assert!(
        killed_at.elapsed() >= GRACE,
        "not before the grace: {:?}",
        killed_at.elapsed()
    );

    let (mut alice, welcome) = comes_back(&system, &team, 0).await;
    told_disconnected(&mut alice, &welcome, &team.space).await;
}
