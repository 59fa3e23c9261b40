//! Refusals: what the agent socket turns away, and that a refused frame
//! publishes nothing (the next routing input the router sees is the next
//! valid one).

use serde_json::json;
use switchboard_contracts::ids::{ConversationId, SpaceId};
use switchboard_contracts::v1::routing_input::Input;

use super::app::spawn_app;
use crate::client::connect;

#[tokio::test]
async fn a_bad_token_is_unauthorized_and_the_socket_waits_for_a_valid_one() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut console = connect(&app.socket_url()).await;
    console
        .send(json!({"type": "hello", "token": "sb_agent_not-a-token"}))
        .await;
    let error = console.expect_error("unauthorized").await;
    assert!(
        !error["message"].as_str().unwrap().contains("not-a-token"),
        "the token is never echoed"
    );
    console.send(json!({"type": "hello"})).await;
    console.expect_error("unauthorized").await;
    let welcome = console.hello(json!({"token": seeded.token})).await;
    assert_eq!(welcome["agent"]["name"], "Grace");
}

#[tokio::test]
async fn frames_before_hello_are_answered_hello_required() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut console = connect(&app.socket_url()).await;
    console
        .send(json!({"type": "set_status", "status": "available"}))
        .await;
    console.expect_error("hello_required").await;
    console.hello(json!({"token": seeded.token})).await;
}

#[tokio::test]
async fn an_agent_cannot_write_into_a_conversation_not_assigned_to_it() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    // Someone else's live conversation, real and readable.
    let theirs = app.live_conversation(&seeded).to_string();
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    for frame in [
        json!({"type": "message", "conversation": theirs, "client_id": "a1", "text": "hi"}),
        json!({"type": "typing", "conversation": theirs, "on": true}),
        json!({"type": "end", "conversation": theirs}),
        json!({"type": "transcript", "conversation": theirs}),
    ] {
        console.send(frame.clone()).await;
        let error = console.expect_error("forbidden").await;
        assert_eq!(error["conversation"], theirs, "{frame}");
    }
}

#[tokio::test]
async fn bad_frames_are_named_as_invalid_and_publish_nothing() {
    let app = spawn_app().await;
    let seeded = app.seed().await;
    let mut router = app.router(&seeded).await;
    let mut console = connect(&app.socket_url()).await;
    console.hello(json!({"token": seeded.token})).await;
    let c = ConversationId::new().to_string();
    let cases = [
        ("not json".to_owned(), "not valid JSON"),
        (json!({"type": "fly"}).to_string(), "type: unknown frame type"),
        (json!({"type": "set_status", "status": "busy"}).to_string(), "status:"),
        (json!({"type": "set_status", "status": "available", "space": 5}).to_string(), "space:"),
        (json!({"type": "accept"}).to_string(), "offer_id: is required"),
        (json!({"type": "decline", "offer_id": ""}).to_string(), "offer_id:"),
        (json!({"type": "accept", "offer_id": "c:1"}).to_string(), "offer_id: is not an offer id"),
        (json!({"type": "decline", "offer_id": format!("{c}:x")}).to_string(), "offer_id: is not an offer id"),
        (json!({"type": "accept", "offer_id": format!("{c}:1\n")}).to_string(), "offer_id:"),
        (json!({"type": "message", "conversation": "x", "client_id": "a", "text": "hi"}).to_string(), "conversation:"),
        (json!({"type": "message", "conversation": c, "client_id": "a", "text": ""}).to_string(), "text:"),
        (json!({"type": "message", "conversation": c, "client_id": "a", "text": "a".repeat(4001)}).to_string(), "text:"),
        (json!({"type": "typing", "conversation": c, "on": "yes"}).to_string(), "on:"),
    ];
    for (frame, names) in cases {
        console.send_text(frame.clone()).await;
        let error = console.expect_error("invalid").await;
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(names), "{frame}: {message}");
    }
    let outsider = SpaceId::new().to_string();
    console
        .send(json!({"type": "set_status", "status": "available", "space": outsider}))
        .await;
    console.expect_error("forbidden").await;

    console
        .send(json!({"type": "decline", "offer_id": format!("{c}:1")}))
        .await;
    let first = router.next_input().await;
    assert!(
        matches!(first.input, Some(Input::Decline(_))),
        "nothing before the valid frame reached the router: {first:?}"
    );
}
