//! Deleting configuration: widgets, experiences, spaces, agents and AI
//! agents (204), and the 409s that name what still uses a record.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::fakes::FakeWorkItems;
use super::helpers::*;

/// A premium tenant's `ai_and_team` experience "Shop" routed to a space,
/// with an AI agent; returns (experience, space, AI agent).
async fn routed_experience(app: &TestApp, tenant: &Tenant) -> (String, String, String) {
    let space = app.space(tenant, "Billing").await;
    let ai = app.ai_agent(tenant, true).await;
    let body = json!({"name": "Shop", "support_mode": "ai_and_team",
        "ai_agent": ai, "routed_space": space});
    let experience = app.create(tenant, "/experiences", body).await;
    (experience, space, ai)
}

async fn status_of(app: &TestApp, tenant: &Tenant, method: &str, path: &str) -> StatusCode {
    app.admin(tenant, method, path, Value::Null).await.0
}

#[tokio::test]
async fn a_widget_is_deleted_and_no_longer_listed_or_served() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (experience, _, _) = routed_experience(&app, &tenant).await;
    let widgets = format!("/experiences/{experience}/widgets");
    let widget = app
        .create(&tenant, &widgets, json!({"kind": "support_site"}))
        .await;
    let path = format!("{widgets}/{widget}");
    assert_eq!(
        status_of(&app, &tenant, "DELETE", &path).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status_of(&app, &tenant, "GET", &path).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status_of(&app, &tenant, "DELETE", &path).await,
        StatusCode::NOT_FOUND
    );
    let (_, shown) = app
        .admin(
            &tenant,
            "GET",
            &format!("/experiences/{experience}"),
            Value::Null,
        )
        .await;
    assert_eq!(shown["widgets"], json!([]));
    let page = app
        .http
        .get(format!("{}/support/{widget}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_experience_is_deleted_with_its_widgets_and_leaves_its_admins_lists() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (experience, _, _) = routed_experience(&app, &tenant).await;
    let widgets = format!("/experiences/{experience}/widgets");
    let widget = app
        .create(&tenant, &widgets, json!({"kind": "support_site"}))
        .await;
    let body = json!({"name": "Erin", "email": "erin@example.com",
        "role": "experience_admin", "experiences": [experience]});
    let (_, erin) = app.admin(&tenant, "POST", "/admins", body).await;

    let path = format!("/experiences/{experience}");
    assert_eq!(
        status_of(&app, &tenant, "DELETE", &path).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status_of(&app, &tenant, "GET", &path).await,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.admin(&tenant, "GET", "/experiences", Value::Null).await;
    assert_eq!(list["experiences"], json!([]));
    let page = app
        .http
        .get(format!("{}/support/{widget}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        StatusCode::NOT_FOUND,
        "its widget went with it"
    );
    let (_, admins) = app.admin(&tenant, "GET", "/admins", Value::Null).await;
    let erin_now = admins["admins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == erin["id"])
        .cloned()
        .unwrap();
    assert_eq!(erin_now["experiences"], json!([]));
}

#[tokio::test]
async fn a_space_an_experience_routes_to_cannot_be_deleted_and_the_error_names_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (experience, space, _) = routed_experience(&app, &tenant).await;
    let (status, body) = app
        .admin(&tenant, "DELETE", &format!("/spaces/{space}"), Value::Null)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
    assert!(message(&body).contains("`Shop`"), "{body}");
    assert_eq!(
        status_of(&app, &tenant, "GET", &format!("/spaces/{space}")).await,
        StatusCode::OK
    );

    // Routed elsewhere, the space can go; its agents keep their other spaces.
    let other = app.space(&tenant, "Sales").await;
    let (agent, _) = app
        .agent(&tenant, "grace@acme.test", &[&space, &other])
        .await;
    let body = json!({"routed_space": other});
    let (status, _) = app
        .admin(
            &tenant,
            "PATCH",
            &format!("/experiences/{experience}"),
            body,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        status_of(&app, &tenant, "DELETE", &format!("/spaces/{space}")).await,
        StatusCode::NO_CONTENT
    );
    let (_, spaces) = app.admin(&tenant, "GET", "/spaces", Value::Null).await;
    assert_eq!(spaces["spaces"].as_array().unwrap().len(), 1);
    let (_, shown) = app
        .admin(&tenant, "GET", &format!("/agents/{agent}"), Value::Null)
        .await;
    assert_eq!(shown["spaces"], json!([other]));
}

#[tokio::test]
async fn an_ai_agent_an_experience_uses_cannot_be_deleted_and_the_error_names_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (experience, _, ai) = routed_experience(&app, &tenant).await;
    let path = format!("/ai-agents/{ai}");
    let (status, body) = app.admin(&tenant, "DELETE", &path, Value::Null).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
    assert!(message(&body).contains("`Shop`"), "{body}");

    assert_eq!(
        status_of(
            &app,
            &tenant,
            "DELETE",
            &format!("/experiences/{experience}")
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status_of(&app, &tenant, "DELETE", &path).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status_of(&app, &tenant, "GET", &path).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_deleted_agents_token_fails_and_the_agent_is_gone() {
    let app = spawn_app().await;
    let _work_items = FakeWorkItems::start(&app.state.bus).await;
    let tenant = app.tenant("premium").await;
    let space = app.space(&tenant, "Billing").await;
    let (agent, token) = app.agent(&tenant, "grace@acme.test", &[&space]).await;
    let (status, _) = app
        .as_token(&tenant, &token, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/agents/{agent}");
    assert_eq!(
        status_of(&app, &tenant, "DELETE", &path).await,
        StatusCode::NO_CONTENT
    );
    let (status, body) = app
        .as_token(&tenant, &token, "GET", "/work-items", Value::Null)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert_eq!(
        status_of(&app, &tenant, "GET", &path).await,
        StatusCode::NOT_FOUND
    );
    // The address is free again.
    app.agent(&tenant, "grace@acme.test", &[&space]).await;
}

#[tokio::test]
async fn another_tenants_records_cannot_be_deleted() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("premium").await, app.tenant("premium").await);
    let (experience, space, ai) = routed_experience(&app, &theirs).await;
    let (agent, _) = app.agent(&theirs, "grace@acme.test", &[&space]).await;
    for path in [
        format!("/experiences/{experience}"),
        format!("/spaces/{space}"),
        format!("/ai-agents/{ai}"),
        format!("/agents/{agent}"),
    ] {
        let (status, body) = app.admin(&ours, "DELETE", &path, Value::Null).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
        assert_eq!(
            status_of(&app, &theirs, "GET", &path).await,
            StatusCode::OK,
            "{path}"
        );
    }
}
