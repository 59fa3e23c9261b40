//! Credentials end to end: rotating an agent's token, deleting the agent or
//! deactivating them closes their open consoles within a second, on every
//! gateway (two here), with an `error` frame naming why and a 1008 close;
//! a deactivated agent's live conversation ends with the fallback and
//! reactivating restores sign-in; a deactivated admin's token is refused
//! until they are reactivated.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::{FALLBACK, TeamTenant, call, team_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

use super::live::{available_agent, expect_state, signed_in_customer};

/// What the operations guide promises: a revoked console is gone within it.
const PROMPTLY: Duration = Duration::from_secs(1);
/// RFC 6455 "policy violation": the console must not reconnect with it.
const REFUSED: u16 = 1008;

/// One system with a second gateway beside the first.
async fn two_gateways() -> System {
    let mut system = System::start().await;
    system.add_gateway().await;
    system
}

/// `method path` on the tenant's API as its first site admin.
async fn admin_call(
    system: &System,
    team: &TeamTenant,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!(
        "{}/api/v1/tenants/{}/{path}",
        system.gateway_url(),
        team.ai.id
    );
    let request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(&team.ai.admin_token);
    call(request, body).await
}

/// Agent `index` signed in on each gateway.
async fn consoles_everywhere(system: &System, team: &TeamTenant, index: usize) -> Vec<Customer> {
    let mut consoles = Vec::new();
    for instance in 0..system.gateway_addrs.len() {
        let (console, welcome) =
            Customer::agent(&system.ws_url_of(instance), &team.agents[index].1).await;
        assert_eq!(welcome["agent"]["id"], team.agents[index].0.as_str());
        consoles.push(console);
    }
    consoles
}

/// Each console gets `error {unauthorized}` whose message says `why`, then
/// a 1008 close, within [`PROMPTLY`] of `since`.
async fn all_signed_out(consoles: &mut [Customer], since: Instant, why: &str) {
    for console in consoles {
        let (code, reason) = console.closed().await;
        let elapsed = since.elapsed();
        assert_eq!(code, REFUSED, "{reason}");
        let error = console
            .frames
            .iter()
            .rev()
            .find(|f| f["type"] == "error")
            .unwrap_or_else(|| panic!("no error frame before the close: {:?}", console.frames));
        assert_eq!(error["code"], "unauthorized", "{error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{message}");
        assert!(elapsed < PROMPTLY, "closed after {elapsed:?}");
        eprintln!("lifecycle: console closed {elapsed:?} after the change ({why})");
    }
}

/// A `hello` with `token` is refused with `unauthorized` saying `why`.
async fn hello_refused(system: &System, token: &str, why: &str) {
    let mut console = Customer::open(&format!("{}/ws/agent", system.ws_url()))
        .await
        .expect("connect");
    console.send(json!({"type": "hello", "token": token})).await;
    let error = console.expect("error").await;
    assert_eq!(error["code"], "unauthorized", "{error}");
    assert!(
        error["message"].as_str().unwrap_or_default().contains(why),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_an_agents_token_closes_their_consoles_on_every_gateway_within_a_second() {
    let system = two_gateways().await;
    let team = team_tenant(&system, "ai_and_team", &["Alice", "Bob"]).await;
    let mut alice = consoles_everywhere(&system, &team, 0).await;
    let mut bob = consoles_everywhere(&system, &team, 1).await;

    let path = format!("agents/{}/token", team.agents[0].0);
    let since = Instant::now();
    let (status, rotated) = admin_call(&system, &team, reqwest::Method::POST, &path, None).await;
    assert_eq!(status, 200, "{rotated}");
    all_signed_out(&mut alice, since, "this token was revoked").await;

    hello_refused(&system, &team.agents[0].1, "not a valid agent token").await;
    let new_token = rotated["token"].as_str().expect("a new token");
    for instance in 0..system.gateway_addrs.len() {
        Customer::agent(&system.ws_url_of(instance), new_token).await;
    }
    // Bob's consoles were not touched.
    for console in &mut bob {
        console
            .send(json!({"type": "set_status", "status": "available"}))
            .await;
        assert_eq!(console.expect("status").await["status"], "available");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_agent_closes_their_consoles_on_every_gateway_within_a_second() {
    let system = two_gateways().await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = consoles_everywhere(&system, &team, 0).await;

    let path = format!("agents/{}", team.agents[0].0);
    let since = Instant::now();
    let (status, body) = admin_call(&system, &team, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "{body}");
    all_signed_out(&mut alice, since, "this agent was deleted").await;
    hello_refused(&system, &team.agents[0].1, "not a valid agent token").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deactivated_agent_is_signed_out_everywhere_their_chat_ends_and_reactivating_restores_sign_in()
 {
    let system = two_gateways().await;
    let team = team_tenant(&system, "ai_and_team", &["Alice"]).await;
    let mut alice = available_agent(&system, &team, 0).await;
    let (mut customer, conversation) = signed_in_customer(&system, &team, "life-d").await;
    customer.send(json!({"type": "request_human"})).await;
    let offer = alice.expect("offer").await;
    alice
        .send(json!({"type": "accept", "offer_id": offer["offer_id"]}))
        .await;
    assert_eq!(
        alice.expect("assigned").await["conversation"],
        conversation.as_str()
    );
    expect_state(&mut customer, "live").await;
    let (elsewhere, _) = Customer::agent(&system.ws_url_of(1), &team.agents[0].1).await;
    let mut consoles = vec![alice, elsewhere];

    let path = format!("agents/{}", team.agents[0].0);
    let since = Instant::now();
    let (status, agent) = admin_call(
        &system,
        &team,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!((status, &agent["active"]), (200, &json!(false)), "{agent}");
    all_signed_out(&mut consoles, since, "this agent was deactivated").await;

    // Nobody can answer the customer any more: the fallback, then the end.
    assert_eq!(customer.expect("fallback").await["text"], FALLBACK);
    assert_eq!(
        customer.expect("ended").await["reason"],
        "no_agents_available"
    );

    hello_refused(&system, &team.agents[0].1, "this agent was deactivated").await;
    let work_items = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/tenants/{}/work-items",
            system.gateway_url(),
            team.ai.id
        ))
        .bearer_auth(&team.agents[0].1);
    let (status, refused) = call(work_items, None).await;
    assert_eq!(status, 401, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deactivated"),
        "{refused}"
    );

    let (status, agent) = admin_call(
        &system,
        &team,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"active": true})),
    )
    .await;
    assert_eq!((status, &agent["active"]), (200, &json!(true)), "{agent}");
    // The same token again; back where every agent starts.
    let (_, welcome) = Customer::agent(&system.ws_url(), &team.agents[0].1).await;
    assert_eq!(welcome["spaces"][0]["status"], "unavailable", "{welcome}");
    assert_eq!(welcome["conversations"], json!([]), "{welcome}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deactivated_admin_is_refused_until_reactivated() {
    let system = System::start().await;
    let team = team_tenant(&system, "ai_and_team", &[]).await;
    let (status, admin) = admin_call(
        &system,
        &team,
        reqwest::Method::POST,
        "admins",
        Some(json!({"name": "Dana", "email": "dana@example.com", "role": "site_admin"})),
    )
    .await;
    assert_eq!(status, 201, "{admin}");
    let (id, token) = (
        admin["id"].as_str().unwrap(),
        admin["token"].as_str().unwrap(),
    );
    let tenant_url = format!("{}/api/v1/tenants/{}", system.gateway_url(), team.ai.id);
    let as_dana = || reqwest::Client::new().get(&tenant_url).bearer_auth(token);
    assert_eq!(call(as_dana(), None).await.0, 200);

    let path = format!("admins/{id}");
    let (status, body) = admin_call(
        &system,
        &team,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    let (status, refused) = call(as_dana(), None).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (401, &json!("unauthorized")),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("this admin was deactivated"),
        "{refused}"
    );
    // On every route, writes included.
    let spaces = reqwest::Client::new()
        .post(format!("{tenant_url}/spaces"))
        .bearer_auth(token);
    let (status, _) = call(spaces, Some(json!({"name": "Sneaky"}))).await;
    assert_eq!(status, 401);

    let (status, first) = admin_call(
        &system,
        &team,
        reqwest::Method::PATCH,
        "admins/first",
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, 409, "{first}");

    let (status, body) = admin_call(
        &system,
        &team,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"active": true})),
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    assert_eq!(call(as_dana(), None).await.0, 200);
}
