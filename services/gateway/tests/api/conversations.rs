//! Reading conversations: over the bus, admins and the agent who accepted them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

#[tokio::test]
async fn a_conversation_is_unavailable_while_no_transcript_service_answers() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (status, _) = app
        .admin(&tenant, "GET", "/conversations/nope", Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let id = "0190a0b0-0000-7000-8000-000000000001";
    let path = format!(
        "/api/v1/tenants/{}/conversations/{id}/transcript",
        tenant.id
    );
    let (status, _) = app.send("GET", &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let started = std::time::Instant::now();
    let (status, body) = app
        .admin(&tenant, "GET", &format!("/conversations/{id}"), Value::Null)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(6));
}

#[tokio::test]
async fn an_agent_reads_the_conversations_they_accepted_and_no_other() {
    use switchboard_contracts::v1::{ChatMessage, ConversationInfo, ConversationState};

    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (agent, token) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let conversation = |assignee: &str| ConversationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        state: ConversationState::Live as i32,
        assignee: assignee.into(),
        assignee_name: "Grace Hopper".into(),
        ..Default::default()
    };
    let (accepted, other) = (conversation(&agent), conversation("someone-else"));
    let message = ChatMessage {
        seq: 1,
        text: "hello".into(),
        conversation: accepted.id.clone(),
        ..Default::default()
    };
    super::fakes::serve_transcripts(
        &app.state.bus,
        vec![
            (accepted.clone(), vec![message]),
            (other.clone(), Vec::new()),
        ],
    )
    .await;
    let read = |id: &str, tail: &str| format!("/conversations/{id}{tail}");
    for tail in ["", "/transcript"] {
        let (status, body) = app
            .as_token(
                &tenant,
                &token,
                "GET",
                &read(&accepted.id, tail),
                Value::Null,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tail}: {body}");
        let (status, body) = app
            .as_token(&tenant, &token, "GET", &read(&other.id, tail), Value::Null)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{tail}"
        );
        let (status, _) = app
            .admin(&tenant, "GET", &read(&other.id, tail), Value::Null)
            .await;
        assert_eq!(status, StatusCode::OK, "admins read every conversation");
    }
    let (_, shown) = app
        .as_token(&tenant, &token, "GET", &read(&accepted.id, ""), Value::Null)
        .await;
    assert_eq!(
        (&shown["assignee"], &shown["assignee_name"]),
        (&json!(agent), &json!("Grace Hopper"))
    );
}
