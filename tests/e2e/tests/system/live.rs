//! Live chat end to end (SPEC §2–§7): handoff, sign-in, routing, offers,
//! fallbacks and work items — through the customer and agent WebSockets and
//! the HTTP API only, with short durations from the environment.

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, FALLBACK, TeamTenant, customer_token, team_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(crate) async fn system(pairs: &[(&str, &str)]) -> System {
    System::start_with(None, env(pairs)).await
}

/// An agent's socket, set available in every space.
pub(crate) async fn available_agent(system: &System, team: &TeamTenant, index: usize) -> Customer {
    let (mut agent, welcome) = Customer::agent(&system.ws_url(), &team.agents[index].1).await;
    assert_eq!(welcome["agent"]["id"], team.agents[index].0.as_str());
    agent
        .send(json!({"type": "set_status", "status": "available"}))
        .await;
    let status = agent.expect("status").await;
    assert_eq!(status["status"], "available");
    agent
}

/// A signed-in customer who has said hello and one thing to the AI.
pub(crate) async fn signed_in_customer(
    system: &System,
    team: &TeamTenant,
    sub: &str,
) -> (Customer, String) {
    let token = customer_token(&team.ai, sub, "Casey");
    let mut customer = Customer::hello(
        &system.ws_url(),
        &team.ai.widget,
        json!({"type": "hello", "token": token}),
    )
    .await;
    customer
        .say(&format!("{sub}-1"), "how do i reset my password")
        .await;
    let conversation = customer.expect("conversation").await;
    customer.expect_message_from("ai").await;
    (customer, conversation["id"].as_str().unwrap().to_owned())
}

pub(crate) async fn expect_state(socket: &mut Customer, state: &str) -> Value {
    loop {
        let frame = socket.expect("conversation").await;
        if frame["state"] == state {
            return frame;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_is_handed_to_an_agent_who_accepts_and_they_chat_until_the_agent_ends_it() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut agent = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "cust-a").await;

    customer.send(json!({"type": "request_human"})).await;
    expect_state(&mut customer, "queued").await;
    assert_eq!(customer.expect("queued").await["position"], 1);

    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"], conversation.as_str());
    assert_eq!(offer["customer"]["name"], "Casey");
    assert!(offer["expires_at"].is_string());
    // The admin's live view, read from the router's committed state: the
    // customer waits, offered to Alice, whose pending offer is her load.
    let live = admin::live_view(&system, &team).await;
    let waiting = &live["waiting"][0];
    assert_eq!(waiting["conversation"], conversation.as_str());
    assert_eq!(waiting["position"], 1);
    assert_eq!(waiting["offered_to"]["name"], "Alice");
    assert_eq!(waiting["offered_to"]["expires_at"], offer["expires_at"]);
    assert_eq!(
        live["agents"],
        json!([{"id": team.agents[0].0, "name": "Alice", "status": "available", "load": 1, "limit": 3, "connected": true}])
    );
    agent
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    let assigned = agent.expect("assigned").await;
    let roles: Vec<&str> = assigned["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["author"]["role"].as_str())
        .collect();
    assert!(
        roles.contains(&"ai"),
        "the agent sees the AI part: {roles:?}"
    );

    assert_eq!(
        customer.expect("agent_joined").await["agent"]["name"],
        "Alice"
    );
    expect_state(&mut customer, "live").await;
    let live = admin::live_view(&system, &team).await;
    assert_eq!(live["waiting"], json!([]), "nobody waits once accepted");
    assert_eq!(
        live["agents"][0]["load"], 1,
        "the live conversation is her load"
    );

    customer.send(json!({"type": "typing", "on": true})).await;
    assert_eq!(agent.expect("typing").await["role"], "customer");
    agent
        .send(json!({"type": "typing", "conversation": conversation, "on": true}))
        .await;
    assert_eq!(customer.expect("typing").await["role"], "agent");

    customer.say("cust-a-2", "my invoice is wrong").await;
    let from_customer = agent.expect_message_from("customer").await;
    assert_eq!(from_customer["text"], "my invoice is wrong");
    agent
        .send(json!({"type": "message", "conversation": conversation, "client_id": "ag-1", "text": "Let me check that."}))
        .await;
    assert_eq!(
        customer.expect_message_from("agent").await["text"],
        "Let me check that."
    );

    agent
        .send(json!({"type": "end", "conversation": conversation}))
        .await;
    assert_eq!(customer.expect("ended").await["reason"], "agent_ended");
    assert_eq!(agent.expect("ended").await["reason"], "agent_ended");

    // The work item outlives the chat: assigned, transcript attached, still open.
    let item = work_item_of(&system, &team, 0, &conversation).await;
    assert_eq!(item["status"], "open");
    assert_eq!(item["assignee"]["name"], "Alice");
    assert!(!item["transcript"].as_array().unwrap().is_empty());
    let http = reqwest::Client::new();
    let (status, moved) = admin::call(
        http.patch(format!(
            "{}/api/v1/tenants/{}/work-items/{}",
            system.gateway_url(),
            team.ai.id,
            item["id"].as_str().unwrap()
        ))
        .bearer_auth(&team.agents[0].1),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "resolved");

    // Through all of it, every service stayed within its bus permissions.
    assert_eq!(system.bus_violations(), Vec::<String>::new());
}

/// The conversation's work item, as the agent sees it (waits for it to have a
/// transcript when the conversation has ended).
pub(crate) async fn work_item_of(
    system: &System,
    team: &TeamTenant,
    agent: usize,
    conversation: &str,
) -> Value {
    let http = reqwest::Client::new();
    let url = format!(
        "{}/api/v1/tenants/{}/work-items",
        system.gateway_url(),
        team.ai.id
    );
    switchboard_testkit::eventually("the work item", std::time::Duration::from_secs(15), || {
        let request = http.get(&url).bearer_auth(&team.agents[agent].1);
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
async fn an_anonymous_customer_signs_in_and_the_same_thread_goes_to_a_person() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut agent = available_agent(&system, &team, 0).await;
    let mut customer =
        Customer::hello(&system.ws_url(), &team.ai.widget, json!({"type": "hello"})).await;
    customer.say("anon-1", "how long does shipping take?").await;
    let conversation = customer.expect("conversation").await["id"].clone();
    customer.expect_message_from("ai").await;

    customer.send(json!({"type": "request_human"})).await;
    customer.expect("sign_in_required").await;

    let token = customer_token(&team.ai, "cust-b", "Blake");
    customer
        .send(json!({"type": "sign_in", "token": token}))
        .await;
    let queued = expect_state(&mut customer, "queued").await;
    assert_eq!(queued["id"], conversation, "the same thread continues");
    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"], conversation);
    assert_eq!(offer["customer"]["name"], "Blake");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decline_passes_the_offer_to_the_next_agent_at_once() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let mut bob = available_agent(&system, &team, 1).await;
    let (mut customer, _) = signed_in_customer(&system, &team, "cust-c").await;
    customer.send(json!({"type": "request_human"})).await;

    // Round robin starts with whoever was offered longest ago; either may be first.
    let (first, second) = tokio::select! {
        offer = alice.expect("offer") => ((&mut alice, offer), &mut bob),
        offer = bob.expect("offer") => ((&mut bob, offer), &mut alice),
    };
    let (first_socket, offer) = first;
    first_socket
        .send(json!({"type": "decline", "offer_id": offer["offer_id"]}))
        .await;
    let next = second.expect("offer").await;
    assert_eq!(next["conversation"], offer["conversation"]);
    assert_ne!(next["offer_id"], offer["offer_id"]);
    // The first agent's late accept of the declined offer is refused.
    first_socket
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    assert_eq!(first_socket.expect("error").await["code"], "conflict");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_offer_sets_the_agent_unavailable_in_that_space_and_moves_on() {
    let system = system(&[("SWITCHBOARD_OFFER_TIMEOUT", "1s")]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let mut bob = available_agent(&system, &team, 1).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "cust-d").await;
    customer.send(json!({"type": "request_human"})).await;

    let (silent, other) = tokio::select! {
        _ = alice.expect("offer") => (&mut alice, &mut bob),
        _ = bob.expect("offer") => (&mut bob, &mut alice),
    };
    let status = silent.expect("status").await;
    assert_eq!(
        (status["status"].as_str(), status["reason"].as_str()),
        (Some("unavailable"), Some("offer_timeout"))
    );
    assert_eq!(
        other.expect("offer").await["conversation"],
        conversation.as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_nobody_available_the_customer_gets_the_fallback_and_the_ai_again() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let (mut customer, _) = signed_in_customer(&system, &team, "cust-e").await;
    customer.send(json!({"type": "request_human"})).await;
    assert_eq!(customer.expect("fallback").await["text"], FALLBACK);
    expect_state(&mut customer, "ai").await;
    customer
        .say("cust-e-2", "what is your refund policy?")
        .await;
    assert_eq!(
        customer.expect_message_from("ai").await["text"],
        "Full refunds within 30 days."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn in_support_team_mode_nobody_available_ends_the_conversation() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "support_team", &["Alice"]).await;
    let token = customer_token(&team.ai, "cust-f", "Finn");
    let mut customer = Customer::hello(
        &system.ws_url(),
        &team.ai.widget,
        json!({"type": "hello", "token": token}),
    )
    .await;
    customer.say("f-1", "I need help with my order").await;
    assert_eq!(customer.expect("fallback").await["text"], FALLBACK);
    assert_eq!(
        customer.expect("ended").await["reason"],
        "no_agents_available"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_conversation_nobody_accepts_ends_after_the_accept_window_and_keeps_its_work_item()
{
    let system = system(&[
        ("SWITCHBOARD_ACCEPT_WINDOW", "1500ms"),
        ("SWITCHBOARD_OFFER_TIMEOUT", "60s"),
    ])
    .await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "cust-g").await;
    customer.send(json!({"type": "request_human"})).await;
    alice.expect("offer").await;
    assert_eq!(customer.expect("fallback").await["text"], FALLBACK);
    assert_eq!(customer.expect("ended").await["reason"], "accept_timeout");
    let withdrawn = alice.expect("offer_withdrawn").await;
    assert!(withdrawn["offer_id"].is_string());
    let item = work_item_of(&system, &team, 0, &conversation).await;
    assert_eq!(item["status"], "open");
    assert!(item["assignee"].is_null(), "unassigned: {item}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_downgraded_to_standard_keeps_its_settings_but_gets_the_fallback() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let _alice = available_agent(&system, &team, 0).await;
    let http = reqwest::Client::new();
    let (status, body) = admin::call(
        http.patch(format!(
            "{}/api/v1/tenants/{}",
            system.gateway_url(),
            team.ai.id
        ))
        .bearer_auth(&system.operator_token),
        Some(json!({"edition": "standard"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (mut customer, _) = signed_in_customer(&system, &team, "cust-h").await;
    customer.send(json!({"type": "request_human"})).await;
    assert!(customer.expect("fallback").await["text"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_at_the_limit_gets_the_next_conversation_only_when_one_ends() {
    let system = system(&[]).await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let http = reqwest::Client::new();
    let (status, body) = admin::call(
        http.patch(format!(
            "{}/api/v1/tenants/{}/chat-settings",
            system.gateway_url(),
            team.ai.id
        ))
        .bearer_auth(&team.ai.admin_token),
        Some(json!({"maximum_conversations": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut first, first_id) = signed_in_customer(&system, &team, "cust-i").await;
    first.send(json!({"type": "request_human"})).await;
    let offer = alice.expect("offer").await;
    alice
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    alice.expect("assigned").await;

    let (mut second, second_id) = signed_in_customer(&system, &team, "cust-j").await;
    second.send(json!({"type": "request_human"})).await;
    assert_eq!(
        second.expect("queued").await["position"],
        1,
        "it waits: Alice is at her limit"
    );

    first.send(json!({"type": "end"})).await;
    first.expect("ended").await;
    let next = alice.expect("offer").await;
    assert_eq!(next["conversation"], second_id.as_str());
    assert_ne!(first_id, second_id);
}
