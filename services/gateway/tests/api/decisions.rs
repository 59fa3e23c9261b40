//! A conversation's routing decision record: replayed from `SB_AUDIT` in
//! the order the router recorded it, for admins and the accepting agent.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{
    ConversationInfo, ConversationState, RoutingDecision, SkippedAgent,
};

use super::helpers::*;

fn skipped(agent: &str, reason: &str) -> SkippedAgent {
    SkippedAgent {
        agent: agent.into(),
        reason: reason.into(),
    }
}

#[tokio::test]
async fn decisions_read_back_in_order_with_who_was_skipped_and_why() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (agent, token) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let (other_agent, other_token) = app.agent(&tenant, "ada@acme.test", &[&space]).await;
    let info = |assignee: &str| ConversationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        state: ConversationState::Live as i32,
        assignee: assignee.into(),
        ..Default::default()
    };
    let (placed, neighbour) = (info(&agent), info(""));
    super::fakes::serve_transcripts(
        &app.state.bus,
        vec![
            (placed.clone(), Vec::new()),
            (neighbour.clone(), Vec::new()),
        ],
    )
    .await;
    let tenant_id: TenantId = tenant.id.parse().expect("tenant id");
    let conversation: ConversationId = placed.id.parse().expect("conversation id");
    let record = |n: i64, chosen: &str, skipped: Vec<SkippedAgent>| RoutingDecision {
        tenant: tenant.id.clone(),
        conversation: placed.id.clone(),
        space: space.clone(),
        chosen: chosen.into(),
        skipped,
        offer_id: if chosen.is_empty() {
            String::new()
        } else {
            format!("{}:{n}", placed.id)
        },
        at_ms: 1_764_000_000_000 + n,
        input_id: format!("input-{n}"),
    };
    let records = [
        record(
            1,
            "",
            vec![
                skipped(&agent, "at_limit"),
                skipped(&other_agent, "unavailable"),
            ],
        ),
        record(2, &other_agent, vec![skipped(&agent, "at_limit")]),
        record(3, &agent, vec![skipped(&other_agent, "timed_out")]),
        record(
            4,
            &agent,
            vec![
                skipped(&other_agent, "declined"),
                skipped("gone", "not_in_space"),
            ],
        ),
    ];
    for (n, decision) in records.iter().enumerate() {
        app.state
            .bus
            .publish_durable(
                subjects::decision(tenant_id, conversation),
                &format!("d{n}"),
                decision,
            )
            .await
            .expect("decision stored");
    }
    // Another conversation's decision on the neighbouring subject stays out.
    let elsewhere: ConversationId = neighbour.id.parse().expect("conversation id");
    app.state
        .bus
        .publish_durable(
            subjects::decision(tenant_id, elsewhere),
            "other",
            &records[0],
        )
        .await
        .expect("decision stored");

    let path = |id: &str| format!("/conversations/{id}/decisions");
    let (status, body) = app
        .admin(&tenant, "GET", &path(&placed.id), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let decisions = body["decisions"].as_array().expect("a list");
    assert_eq!(decisions.len(), 4, "{body}");
    assert_eq!(decisions[0]["at"], "2025-11-24T16:00:00.001Z");
    assert_eq!(decisions[0]["kind"], "none_eligible");
    assert!(decisions[0].get("agent").is_none());
    assert_eq!(
        decisions[0]["skipped"],
        json!([{"agent": agent, "why": "at_limit"}, {"agent": other_agent, "why": "unavailable"}])
    );
    assert_eq!(
        (&decisions[1]["kind"], &decisions[1]["agent"]),
        (&json!("offered"), &json!(other_agent))
    );
    assert_eq!(decisions[1]["offer_id"], json!(format!("{}:2", placed.id)));
    assert_eq!(decisions[2]["skipped"][0]["why"], "timed_out");
    assert_eq!(
        decisions[3]["skipped"],
        json!([{"agent": other_agent, "why": "declined"}]),
        "an agent outside the space was never a candidate"
    );
    assert_eq!(decisions[3]["agent"], json!(agent));

    let (status, mine) = app
        .as_token(&tenant, &token, "GET", &path(&placed.id), Value::Null)
        .await;
    assert_eq!(
        (status, &mine),
        (StatusCode::OK, &body),
        "the accepting agent"
    );
    let (status, refused) = app
        .as_token(&tenant, &other_token, "GET", &path(&placed.id), Value::Null)
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    let (status, body) = app
        .admin(&tenant, "GET", &path(&neighbour.id), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["decisions"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
}

#[tokio::test]
async fn a_conversation_never_routed_has_an_empty_record_and_an_unknown_one_is_not_found() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let known = ConversationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        state: ConversationState::Ai as i32,
        ..Default::default()
    };
    super::fakes::serve_transcripts(&app.state.bus, vec![(known.clone(), Vec::new())]).await;
    let (status, body) = app
        .admin(
            &tenant,
            "GET",
            &format!("/conversations/{}/decisions", known.id),
            Value::Null,
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"items": [], "next_cursor": null, "decisions": []})
        )
    );
    let unknown = uuid::Uuid::now_v7();
    let (status, body) = app
        .admin(
            &tenant,
            "GET",
            &format!("/conversations/{unknown}/decisions"),
            Value::Null,
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}
