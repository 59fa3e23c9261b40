//! Agents: created by the tenant admin in spaces of the tenant, with a token
//! shown once and revoked when rotated.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::fakes::FakeWorkItems;
use super::helpers::*;

#[tokio::test]
async fn an_admin_creates_an_agent_and_sees_its_token_only_once() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let body = json!({"name": "Grace", "email": "grace@acme.test", "spaces": [space, space]});
    let (status, created) = app.admin(&tenant, "POST", "/agents", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["token"].as_str().unwrap().starts_with("sb_agent_"));
    assert_eq!(created["spaces"], json!([space]), "duplicates dropped");
    let id = created["id"].as_str().unwrap();

    let (status, shown) = app
        .admin(&tenant, "GET", &format!("/agents/{id}"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&shown["name"], &shown["email"]),
        (&json!("Grace"), &json!("grace@acme.test"))
    );
    assert!(shown.get("token").is_none());
    let (_, list) = app.admin(&tenant, "GET", "/agents", Value::Null).await;
    assert_eq!(list["agents"], json!([shown]));
}

#[tokio::test]
async fn an_agent_on_a_standard_tenant_is_allowed() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let space = app.space(&tenant, "Billing").await;
    app.agent(&tenant, "grace@acme.test", &[&space]).await;
}

#[tokio::test]
async fn an_agents_spaces_must_be_this_tenants_and_the_error_names_the_one_that_is_not() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("premium").await, app.tenant("premium").await);
    let space = app.space(&ours, "Billing").await;
    let foreign = app.space(&theirs, "Theirs").await;
    for (spaces, field) in [
        (json!([]), "spaces:"),
        (json!([foreign]), "spaces[0]:"),
        (json!([space, "nope"]), "spaces[1]:"),
    ] {
        let body = json!({"name": "Grace", "email": "grace@acme.test", "spaces": spaces});
        let (status, body) = app.admin(&ours, "POST", "/agents", body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
        );
        assert!(message(&body).starts_with(field), "{field}: {body}");
    }
    let (_, list) = app.admin(&ours, "GET", "/agents", Value::Null).await;
    assert_eq!(list["agents"], json!([]), "nothing was created");
}

#[tokio::test]
async fn an_agent_needs_an_email_address_no_other_agent_of_the_tenant_uses() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    for bad in [
        "grace",
        "grace@",
        "gr ace@acme.test",
        "grace@acme",
        "grace@@acme.test",
        "grace@acme.test\u{7}",
    ] {
        let body = json!({"name": "Grace", "email": bad, "spaces": [space]});
        let (status, body) = app.admin(&tenant, "POST", "/agents", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(message(&body).starts_with("email:"), "{body}");
    }
    app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let body = json!({"name": "Other", "email": "GRACE@acme.test", "spaces": [space]});
    let (status, body) = app.admin(&tenant, "POST", "/agents", body).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
}

#[tokio::test]
async fn an_agents_name_with_control_characters_is_refused_naming_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    for bad in ["Grace\nHopper", "Grace\u{0}", "Gr\u{1b}[31mace"] {
        let body = json!({"name": bad, "email": "grace@acme.test", "spaces": [space]});
        let (status, body) = app.admin(&tenant, "POST", "/agents", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(message(&body).starts_with("name:"), "{body}");
    }
}

#[tokio::test]
async fn an_agent_patch_is_validated_as_a_whole_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (billing, sales) = (
        app.space(&tenant, "Billing").await,
        app.space(&tenant, "Sales").await,
    );
    let (id, _) = app.agent(&tenant, "grace@acme.test", &[&billing]).await;
    let path = format!("/agents/{id}");
    let (_, before) = app.admin(&tenant, "GET", &path, Value::Null).await;
    let bad = json!({"name": "Renamed", "spaces": [sales, "nope"]});
    let (status, body) = app.admin(&tenant, "PATCH", &path, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).starts_with("spaces[1]:"), "{body}");
    let (_, after) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(before, after);

    let good = json!({"name": "Grace H.", "spaces": [sales, billing]});
    let (status, updated) = app.admin(&tenant, "PATCH", &path, good).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["spaces"], json!([sales, billing]));
    assert_eq!(updated["email"], "grace@acme.test");
}

#[tokio::test]
async fn rotating_an_agents_token_revokes_the_old_one() {
    let app = spawn_app().await;
    let _work_items = FakeWorkItems::start(&app.state.bus).await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (id, old) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let (status, _) = app
        .as_token(&tenant, &old, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, rotated) = app
        .admin(&tenant, "POST", &format!("/agents/{id}/token"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["token"].as_str().unwrap();
    assert_ne!(new, old);
    let (status, body) = app
        .as_token(&tenant, &old, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, _) = app
        .as_token(&tenant, new, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_agents_token_cannot_use_the_admin_api() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (_, token) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    for (method, path, body) in [
        ("GET", "/agents", Value::Null),
        ("POST", "/spaces", json!({"name": "Mine"})),
    ] {
        let (status, body) = app.as_token(&tenant, &token, method, path, body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn another_tenants_agent_is_not_found() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("premium").await, app.tenant("premium").await);
    let space = app.space(&theirs, "Theirs").await;
    let (id, _) = app.agent(&theirs, "grace@acme.test", &[&space]).await;
    for (method, path) in [
        ("GET", format!("/agents/{id}")),
        ("POST", format!("/agents/{id}/token")),
    ] {
        let (status, _) = app.admin(&ours, method, &path, Value::Null).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
}
