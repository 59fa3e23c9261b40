//! Deleting configuration never loses a conversation (SPEC §10): deleting
//! an experience, a space, an agent or a widget ends the conversations that
//! depend on it with the fallback (`no_agents_available`); the customer sees
//! `fallback` then `ended`, the transcript stays readable through the API,
//! and work items stay.

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, FALLBACK, TeamTenant, team_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

use crate::live::{available_agent, expect_state, signed_in_customer, system};

fn api(system: &System, team: &TeamTenant, path: &str) -> String {
    format!(
        "{}/api/v1/tenants/{}{path}",
        system.gateway_url(),
        team.ai.id
    )
}

/// `DELETE path` as the tenant's admin: the status and body.
async fn delete(system: &System, team: &TeamTenant, path: &str) -> (u16, Value) {
    let http = reqwest::Client::new();
    admin::call(
        http.delete(api(system, team, path))
            .bearer_auth(&team.ai.admin_token),
        None,
    )
    .await
}

/// The customer is told the fallback, then that the conversation ended.
async fn ends_with_the_fallback(customer: &mut Customer) {
    assert_eq!(customer.expect("fallback").await["text"], FALLBACK);
    assert_eq!(
        customer.expect("ended").await["reason"],
        "no_agents_available"
    );
}

/// The stored thread, read by the admin: it holds the customer's first
/// message and ends with the fallback.
async fn readable(system: &System, team: &TeamTenant, conversation: &str) -> Vec<Value> {
    let messages = admin::transcript(system, &team.ai, conversation).await;
    assert!(
        messages.iter().any(|m| m["author"]["role"] == "customer"),
        "{messages:?}"
    );
    let last = messages.last().expect("messages");
    assert_eq!(
        (last["author"]["role"].as_str(), last["text"].as_str()),
        (Some("system"), Some(FALLBACK)),
        "{messages:?}"
    );
    let http = reqwest::Client::new();
    let (status, info) = admin::call(
        http.get(api(system, team, &format!("/conversations/{conversation}")))
            .bearer_auth(&team.ai.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["state"], "ended", "{info}");
    assert_eq!(info["end_reason"], "no_agents_available", "{info}");
    messages
}

/// The conversation's work item as the admin reads it, once the ended
/// conversation's transcript is attached.
async fn work_item(system: &System, team: &TeamTenant, conversation: &str) -> Value {
    let http = reqwest::Client::new();
    let url = api(system, team, "/work-items");
    switchboard_testkit::eventually("the work item", std::time::Duration::from_secs(15), || {
        let request = http.get(&url).bearer_auth(&team.ai.admin_token);
        async move {
            let (status, body) = admin::call(request, None).await;
            assert_eq!(status, 200, "{body}");
            body["items"]
                .as_array()?
                .iter()
                .find(|i| {
                    i["conversation"] == conversation
                        && i["transcript"].as_array().is_some_and(|t| !t.is_empty())
                })
                .cloned()
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_experience_ends_its_conversations_with_the_ai_and_in_the_queue() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut with_ai, ai_conversation) = signed_in_customer(&system, &team, "del-a").await;
    let (mut waiting, queued_conversation) = signed_in_customer(&system, &team, "del-b").await;
    waiting.send(json!({"type": "request_human"})).await;
    expect_state(&mut waiting, "queued").await;
    alice.expect("offer").await;

    let (status, body) = delete(
        &system,
        &team,
        &format!("/experiences/{}", team.ai.experience),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    ends_with_the_fallback(&mut with_ai).await;
    ends_with_the_fallback(&mut waiting).await;
    assert_eq!(
        alice.expect("offer_withdrawn").await["reason"],
        "conversation_closed"
    );
    readable(&system, &team, &ai_conversation).await;
    readable(&system, &team, &queued_conversation).await;
    let item = work_item(&system, &team, &queued_conversation).await;
    assert_eq!(item["status"], "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_space_ends_the_conversations_waiting_there() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "del-c").await;
    customer.send(json!({"type": "request_human"})).await;
    expect_state(&mut customer, "queued").await;
    alice.expect("offer").await;

    // Still the experience's routed space: refused, nothing changes.
    let space = format!("/spaces/{}", team.space);
    let (status, body) = delete(&system, &team, &space).await;
    assert_eq!(status, 409, "{body}");
    let http = reqwest::Client::new();
    let (status, other) = admin::call(
        http.post(api(&system, &team, "/spaces"))
            .bearer_auth(&team.ai.admin_token),
        Some(json!({"name": "Billing"})),
    )
    .await;
    assert_eq!(status, 201, "{other}");
    let (status, body) = admin::call(
        http.patch(api(
            &system,
            &team,
            &format!("/experiences/{}", team.ai.experience),
        ))
        .bearer_auth(&team.ai.admin_token),
        Some(json!({"routed_space": other["id"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = delete(&system, &team, &space).await;
    assert_eq!(status, 204, "{body}");
    // The conversation keeps its own space, which is gone: it ends.
    ends_with_the_fallback(&mut customer).await;
    alice.expect("offer_withdrawn").await;
    readable(&system, &team, &conversation).await;
    let item = work_item(&system, &team, &conversation).await;
    assert_eq!(item["status"], "open");
    assert!(item["assignee"].is_null(), "{item}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_agent_ends_their_live_conversations_with_the_fallback() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "del-d").await;
    customer.send(json!({"type": "request_human"})).await;
    let offer = alice.expect("offer").await;
    alice
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    alice.expect("assigned").await;
    expect_state(&mut customer, "live").await;

    let (status, body) = delete(&system, &team, &format!("/agents/{}", team.agents[0].0)).await;
    assert_eq!(status, 204, "{body}");

    ends_with_the_fallback(&mut customer).await;
    readable(&system, &team, &conversation).await;
    let item = work_item(&system, &team, &conversation).await;
    assert_eq!(item["status"], "open");
    assert_eq!(item["assignee"]["name"], "Alice", "{item}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_widget_ends_the_conversation_open_on_it() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "del-e").await;

    let (status, body) = delete(
        &system,
        &team,
        &format!(
            "/experiences/{}/widgets/{}",
            team.ai.experience, team.ai.widget
        ),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    ends_with_the_fallback(&mut customer).await;
    let messages = readable(&system, &team, &conversation).await;
    assert!(
        messages.iter().any(|m| m["author"]["role"] == "ai"),
        "the AI's answers stay: {messages:?}"
    );
}
