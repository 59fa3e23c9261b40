//! Roles: an experience admin reaches only its own experiences, their
//! widgets and conversations, and gets 403 naming the rest.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::admins::{experience_admin, two_experiences};
use super::helpers::*;

#[tokio::test]
async fn an_experience_admin_reads_and_changes_only_its_own_experiences() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (shop, billing) = two_experiences(&app, &tenant).await;
    let (_, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let erin = |method: &'static str, path: String, body: Value| {
        let (app, tenant, token) = (&app, &tenant, token.clone());
        async move { app.as_token(tenant, &token, method, &path, body).await }
    };

    let (status, list) = erin("GET", "/experiences".into(), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<&str> = list["experiences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [shop.as_str()]);
    let (status, _) = erin("GET", format!("/experiences/{shop}"), Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let rename = json!({"name": "Shop help"});
    let (status, body) = erin("PATCH", format!("/experiences/{shop}"), rename.clone()).await;
    assert_eq!(
        (status, body["name"].as_str()),
        (StatusCode::OK, Some("Shop help"))
    );
    let widget = json!({"kind": "support_site"});
    let (status, created) = erin(
        "POST",
        format!("/experiences/{shop}/widgets"),
        widget.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    for (method, path, body) in [
        ("GET", format!("/experiences/{billing}"), Value::Null),
        ("PATCH", format!("/experiences/{billing}"), rename.clone()),
        (
            "POST",
            format!("/experiences/{billing}/widgets"),
            widget.clone(),
        ),
        ("DELETE", format!("/experiences/{shop}"), Value::Null),
        (
            "POST",
            "/experiences".to_owned(),
            json!({"name": "Mine", "support_mode": "ai_agent"}),
        ),
    ] {
        let (status, body) = erin(method, path.clone(), body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}"
        );
        assert!(
            message(&body).contains("experience admin"),
            "{method} {path}: {body}"
        );
    }
    let (_, billing_now) = app
        .admin(
            &tenant,
            "GET",
            &format!("/experiences/{billing}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        (billing_now["name"].as_str(), &billing_now["widgets"]),
        (Some("Billing"), &json!([]))
    );
}

#[tokio::test]
async fn an_experience_admin_is_refused_site_settings_spaces_agents_ai_agents_and_admins() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let (_, token) = experience_admin(&app, &tenant, &[&shop]).await;
    for (method, path, body, names) in [
        (
            "PATCH",
            "/chat-settings",
            json!({"maximum_conversations": 5}),
            "chat settings",
        ),
        ("GET", "/chat-settings", Value::Null, "chat settings"),
        ("GET", "/spaces", Value::Null, "spaces"),
        ("POST", "/spaces", json!({"name": "Mine"}), "spaces"),
        ("GET", "/agents", Value::Null, "agents"),
        ("GET", "/ai-agents", Value::Null, "AI agents"),
        (
            "POST",
            "/admins",
            json!({"name": "X", "email": "x@example.com", "role": "site_admin"}),
            "admins",
        ),
        ("GET", "/admins", Value::Null, "admins"),
        ("GET", "/work-items", Value::Null, "work items"),
    ] {
        let (status, body) = app.as_token(&tenant, &token, method, path, body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}: {body}"
        );
        assert!(message(&body).contains(names), "{method} {path}: {body}");
        assert!(
            message(&body).contains("site admin"),
            "{method} {path}: {body}"
        );
    }
    let (_, settings) = app
        .admin(&tenant, "GET", "/chat-settings", Value::Null)
        .await;
    assert_eq!(settings["maximum_conversations"], 3, "unchanged");
}

#[tokio::test]
async fn an_experience_admin_promoted_to_site_admin_reaches_everything() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let (id, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let body = json!({"role": "site_admin"});
    let (status, changed) = app
        .admin(&tenant, "PATCH", &format!("/admins/{id}"), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["role"].as_str(), &changed["experiences"]),
        (Some("site_admin"), &json!([]))
    );
    let (status, _) = app
        .as_token(&tenant, &token, "GET", "/spaces", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "promoted to site admin");
}

#[tokio::test]
async fn an_experience_admin_reads_only_the_conversations_of_its_experiences() {
    use switchboard_contracts::v1::{ConversationInfo, ConversationState};

    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, billing) = two_experiences(&app, &tenant).await;
    let (_, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let conversation = |experience: &str| ConversationInfo {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.id.clone(),
        experience: experience.into(),
        state: ConversationState::Ai as i32,
        ..Default::default()
    };
    let (own, other) = (conversation(&shop), conversation(&billing));
    super::fakes::serve_transcripts(
        &app.state.bus,
        vec![(own.clone(), Vec::new()), (other.clone(), Vec::new())],
    )
    .await;
    for tail in ["", "/transcript"] {
        let path = format!("/conversations/{}{tail}", own.id);
        let (status, body) = app
            .as_token(&tenant, &token, "GET", &path, Value::Null)
            .await;
        assert_eq!(status, StatusCode::OK, "{tail}: {body}");
        let path = format!("/conversations/{}{tail}", other.id);
        let (status, body) = app
            .as_token(&tenant, &token, "GET", &path, Value::Null)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{tail}"
        );
    }
}

#[tokio::test]
async fn an_admin_reading_its_tenant_learns_its_own_role() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let (id, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let (status, shown) = app.as_token(&tenant, &token, "GET", "", Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(
        shown["admin"],
        json!({"id": id, "role": "experience_admin", "experiences": [shop]})
    );
    let (_, shown) = app.admin(&tenant, "GET", "", Value::Null).await;
    assert_eq!(
        shown["admin"],
        json!({"id": "first", "role": "site_admin", "experiences": []})
    );
    let path = format!("/api/v1/tenants/{}", tenant.id);
    let (_, shown) = app.send("GET", &path, Some(OPERATOR), None).await;
    assert!(shown.get("admin").is_none(), "{shown}");
}

#[tokio::test]
async fn an_experience_admin_deletes_its_own_widgets_and_no_one_elses() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, billing) = two_experiences(&app, &tenant).await;
    let (_, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let site = json!({"kind": "support_site"});
    let own = app
        .create(
            &tenant,
            &format!("/experiences/{shop}/widgets"),
            site.clone(),
        )
        .await;
    let other = app
        .create(&tenant, &format!("/experiences/{billing}/widgets"), site)
        .await;

    let path = format!("/experiences/{billing}/widgets/{other}");
    for method in ["GET", "DELETE"] {
        let (status, body) = app
            .as_token(&tenant, &token, method, &path, Value::Null)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method}"
        );
    }
    let (status, _) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "still there");
    // Naming its own experience does not reach another experience's widget.
    let sneaky = format!("/experiences/{shop}/widgets/{other}");
    let (status, _) = app
        .as_token(&tenant, &token, "DELETE", &sneaky, Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let path = format!("/experiences/{shop}/widgets/{own}");
    let (status, _) = app
        .as_token(&tenant, &token, "DELETE", &path, Value::Null)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.admin(&tenant, "GET", &path, Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
