//! Experiences: support modes, the edition rule and whole-patch validation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

#[tokio::test]
async fn an_ai_agent_experience_with_a_published_ai_agent_is_created() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": agent});
    let (status, created) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["access"], "open");
    let id = created["id"].as_str().unwrap();
    let (status, shown) = app
        .admin(&tenant, "GET", &format!("/experiences/{id}"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (shown["ai_agent"].as_str(), &shown["widgets"]),
        (Some(agent.as_str()), &json!([]))
    );
}

#[tokio::test]
async fn an_experience_with_an_unpublished_ai_agent_is_invalid_naming_ai_agent() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, false).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": agent});
    let (status, body) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert!(message(&body).starts_with("ai_agent:"), "{body}");
    let (_, list) = app.admin(&tenant, "GET", "/experiences", Value::Null).await;
    assert_eq!(list["experiences"], json!([]));
}

#[tokio::test]
async fn another_tenants_ai_agent_cannot_be_used() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("standard").await, app.tenant("standard").await);
    let foreign = app.ai_agent(&theirs, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": foreign});
    let (status, body) = app.admin(&ours, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("ai_agent:"), "{body}");
}

#[tokio::test]
async fn support_team_on_a_standard_tenant_needs_an_edition_even_when_routed_space_is_missing() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    for mode in ["support_team", "ai_and_team"] {
        let body = json!({"support_mode": mode, "unknown_field": true});
        let (status, body) = app.admin(&tenant, "POST", "/experiences", body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "edition_required")
        );
        assert!(message(&body).contains("premium or enterprise"), "{body}");
        assert!(message(&body).contains("standard"), "{body}");
    }
}

#[tokio::test]
async fn support_team_on_premium_with_a_live_chat_space_is_created() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app
        .create(&tenant, "/spaces", json!({"name": "Billing"}))
        .await;
    let body = json!({"name": "Help", "support_mode": "support_team", "routed_space": space});
    let (status, created) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["routed_space"].as_str(), Some(space.as_str()));

    // Without live chat the space cannot take conversations.
    app.admin(
        &tenant,
        "PATCH",
        &format!("/spaces/{space}"),
        json!({"live_chat": false}),
    )
    .await;
    let body = json!({"name": "Help 2", "support_mode": "support_team", "routed_space": space});
    let (status, body) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("routed_space:"), "{body}");
}

#[tokio::test]
async fn a_downgraded_tenant_keeps_its_team_experience_but_cannot_configure_another() {
    let app = spawn_app().await;
    let tenant = app.tenant("enterprise").await;
    let space = app
        .create(&tenant, "/spaces", json!({"name": "Billing"}))
        .await;
    let body = json!({"name": "Help", "support_mode": "support_team", "routed_space": space});
    let experience = app.create(&tenant, "/experiences", body).await;
    let downgrade = json!({"edition": "standard"});
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/tenants/{}", tenant.id),
            Some(OPERATOR),
            Some(downgrade),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/experiences/{experience}");
    let (_, kept) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(kept["support_mode"], "support_team");
    let (status, renamed) = app
        .admin(&tenant, "PATCH", &path, json!({"name": "Help desk"}))
        .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (StatusCode::OK, Some("Help desk"))
    );
    let (status, body) = app
        .admin(
            &tenant,
            "PATCH",
            &path,
            json!({"support_mode": "ai_and_team"}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "edition_required")
    );
}

#[tokio::test]
async fn a_patch_is_validated_as_a_whole_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app
        .create(&tenant, "/spaces", json!({"name": "Billing"}))
        .await;
    let body = json!({"name": "Help", "support_mode": "support_team", "routed_space": space});
    let experience = app.create(&tenant, "/experiences", body).await;
    let path = format!("/experiences/{experience}");
    let (_, before) = app.admin(&tenant, "GET", &path, Value::Null).await;
    let (status, body) = app
        .admin(
            &tenant,
            "PATCH",
            &path,
            json!({"name": "New", "support_mode": "ai_and_team"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("ai_agent:"), "{body}");
    let (_, after) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_sign_in_url_is_stored_returned_and_cleared_with_null() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": agent,
        "sign_in_url": "https://shop.example.com/sign-in?next=chat"});
    let (status, created) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["sign_in_url"],
        "https://shop.example.com/sign-in?next=chat"
    );
    let path = format!("/experiences/{}", created["id"].as_str().unwrap());
    let body = json!({"sign_in_url": "http://localhost:8000/login"});
    let (status, patched) = app.admin(&tenant, "PATCH", &path, body).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let (_, shown) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(shown["sign_in_url"], "http://localhost:8000/login");
    let (_, cleared) = app
        .admin(&tenant, "PATCH", &path, json!({"sign_in_url": null}))
        .await;
    assert_eq!(cleared["sign_in_url"], Value::Null);
}

#[tokio::test]
async fn a_sign_in_url_that_is_not_https_or_local_http_is_invalid_naming_the_field() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let agent = app.ai_agent(&tenant, true).await;
    let body = json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": agent});
    let id = app.create(&tenant, "/experiences", body).await;
    for bad in [
        "http://shop.example.com/login",
        "ftp://shop.example.com/login",
        "/login",
        "javascript:alert(1)",
        "https://shop.example.com/login#fragment",
    ] {
        let body = json!({"sign_in_url": bad});
        let (status, answer) = app
            .admin(&tenant, "PATCH", &format!("/experiences/{id}"), body)
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{bad}"
        );
        assert!(
            message(&answer).starts_with("sign_in_url:"),
            "{bad}: {answer}"
        );
    }
    let body = json!({"name": "Other", "support_mode": "ai_agent", "ai_agent": agent,
        "sign_in_url": "http://example.com/"});
    let (status, answer) = app.admin(&tenant, "POST", "/experiences", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&answer).starts_with("sign_in_url:"), "{answer}");
    let (_, shown) = app
        .admin(&tenant, "GET", &format!("/experiences/{id}"), Value::Null)
        .await;
    assert_eq!(shown["sign_in_url"], Value::Null, "nothing was saved");
}
