//! AI agents' handoff settings: defaults, a round trip through POST, PATCH
//! and GET, and validation naming the field.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

const DEFAULT_PHRASE: &str = "Let me connect you with a person from our team.";

#[tokio::test]
async fn a_new_ai_agent_has_the_default_handoff_settings() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let id = app.ai_agent(&tenant, true).await;
    let (status, shown) = app
        .admin(&tenant, "GET", &format!("/ai-agents/{id}"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        shown["handoff"],
        json!({"on_request": true, "after_unsure": 2, "phrase": DEFAULT_PHRASE})
    );
}

#[tokio::test]
async fn handoff_settings_round_trip_and_a_partial_patch_keeps_the_rest() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let body = json!({"name": "Helper", "published": true,
        "handoff": {"on_request": false, "after_unsure": 4, "phrase": "Over to the team!"}});
    let (status, created) = app.admin(&tenant, "POST", "/ai-agents", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let expected = json!({"on_request": false, "after_unsure": 4, "phrase": "Over to the team!"});
    assert_eq!(created["handoff"], expected);
    let path = format!("/ai-agents/{}", created["id"].as_str().unwrap());

    let patch = json!({"handoff": {"after_unsure": 0}});
    let (status, patched) = app.admin(&tenant, "PATCH", &path, patch).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let expected = json!({"on_request": false, "after_unsure": 0, "phrase": "Over to the team!"});
    assert_eq!(patched["handoff"], expected);
    let (_, shown) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(shown["handoff"], expected);

    let patch = json!({"handoff": {"on_request": true, "phrase": ""}});
    let (_, patched) = app.admin(&tenant, "PATCH", &path, patch).await;
    assert_eq!(
        patched["handoff"],
        json!({"on_request": true, "after_unsure": 0, "phrase": DEFAULT_PHRASE})
    );
}

#[tokio::test]
async fn bad_handoff_settings_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let id = app.ai_agent(&tenant, true).await;
    let path = format!("/ai-agents/{id}");
    for (handoff, field, status) in [
        (
            json!({"after_unsure": 6}),
            "handoff.after_unsure:",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"after_unsure": -1}),
            "handoff.after_unsure:",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"phrase": "x".repeat(501)}),
            "handoff.phrase:",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"phrase": "a\u{1b}b"}),
            "handoff.phrase:",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"on_request": "yes"}),
            "handoff.on_request:",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"after_unsure": 1.5}),
            "handoff.after_unsure:",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"unsure": 1}),
            "handoff.unsure:",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let body = json!({"name": "Renamed", "handoff": handoff});
        let (got, answer) = app.admin(&tenant, "PATCH", &path, body).await;
        assert_eq!(
            (got, code(&answer)),
            (status, "invalid"),
            "{handoff} → {answer}"
        );
        assert!(message(&answer).starts_with(field), "{handoff} → {answer}");
    }
    let body = json!({"name": "Helper", "handoff": {"after_unsure": 6}});
    let (status, answer) = app.admin(&tenant, "POST", "/ai-agents", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let (_, shown) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(
        (shown["name"].as_str(), &shown["handoff"]["after_unsure"]),
        (Some("Helper"), &json!(2))
    );
}
