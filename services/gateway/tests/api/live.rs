//! A space's live view (`GET …/spaces/{space}/live`): the router's view
//! with names from the configuration, and who may read it, against a
//! stand-in router on the bus.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::v1::{
    Availability, Customer, SpaceAgent, SpaceView, WaitingConversation,
};

use super::admins::{experience_admin, two_experiences};
use super::helpers::*;

fn waiting(conversation: &str, position: u32, experience: &str) -> WaitingConversation {
    WaitingConversation {
        conversation: conversation.into(),
        customer: Some(Customer {
            name: "Casey".into(),
            email: "casey@example.com".into(),
            signed_in: true,
            ..Default::default()
        }),
        experience: experience.into(),
        queued_at_ms: 1_700_000_000_000,
        position,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_site_admin_sees_who_waits_in_queue_order_whom_it_is_offered_to_and_each_agents_load() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (agent, _) = app.agent(&tenant, "grace@example.com", &[&space]).await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let mut first = waiting("c-1", 1, &shop);
    first.offered_to = agent.clone();
    first.offer_expires_at_ms = 1_700_000_120_000;
    let view = SpaceView {
        live_chat: true,
        limit: 3,
        waiting: vec![first, waiting("c-2", 2, &shop)],
        agents: vec![SpaceAgent {
            agent: agent.clone(),
            status: Availability::Available as i32,
            load: 1,
        }],
        error: String::new(),
    };
    let seen = super::fakes::serve_space_view(&app.state.bus, view).await;

    let path = format!("/spaces/{space}/live");
    let (status, body) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["space"],
        json!({"id": space, "name": "Billing", "live_chat": true})
    );
    assert_eq!(body["limit"], json!(3));
    let rows = body["waiting"].as_array().expect("waiting rows");
    let order: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["conversation"].as_str().unwrap(),
                r["position"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, [("c-1", 1), ("c-2", 2)]);
    let head = &rows[0];
    assert_eq!(
        head["customer"],
        json!({"name": "Casey", "email": "casey@example.com"})
    );
    assert_eq!(head["experience"], json!({"id": shop, "name": "Shop"}));
    assert_eq!(head["since"], json!("2023-11-14T22:13:20.000Z"));
    assert!(head["waiting_seconds"].as_u64().unwrap() > 0);
    assert_eq!(
        head["offered_to"],
        json!({"id": agent, "name": "Grace Hopper", "expires_at": "2023-11-14T22:15:20.000Z"})
    );
    assert_eq!(rows[1]["offered_to"], Value::Null);
    assert_eq!(
        body["agents"],
        json!([{"id": agent, "name": "Grace Hopper", "status": "available", "load": 1, "limit": 3, "connected": false}])
    );
    let query = seen.lock().unwrap().last().cloned().expect("a query");
    assert_eq!(
        (query.tenant.as_str(), query.space.as_str()),
        (tenant.id.as_str(), space.as_str())
    );
}

#[tokio::test]
async fn an_experience_admin_is_refused_and_an_unknown_or_foreign_space_is_not_found() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let (_, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let seen = super::fakes::serve_space_view(&app.state.bus, SpaceView::default()).await;

    let path = format!("/spaces/{space}/live");
    let (status, body) = app
        .as_token(&tenant, &token, "GET", &path, Value::Null)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(code(&body), "forbidden");
    assert!(message(&body).contains("spaces"), "{body}");

    let unknown = "/spaces/0190a0b0-0000-7000-8000-00000000000a/live";
    let (status, body) = app.admin(&tenant, "GET", unknown, Value::Null).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let other = app.tenant("premium").await;
    let (status, _) = app.admin(&other, "GET", &path, Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's space");
    let (status, _) = app
        .admin(&tenant, "GET", "/spaces/x/live", Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        seen.lock().unwrap().is_empty(),
        "the router was never asked"
    );
}

#[tokio::test]
async fn a_router_that_refuses_or_is_not_there_is_503() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let path = format!("/spaces/{space}/live");
    let (status, body) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        "nobody answers: {body}"
    );

    let refusal = SpaceView {
        error: "not_found".into(),
        ..Default::default()
    };
    super::fakes::serve_space_view(&app.state.bus, refusal).await;
    let (status, body) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(message(&body).contains("retry"), "{body}");
}
