//! Tenants (the operator) and chat settings (the tenant admin).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

#[tokio::test]
async fn an_operator_creates_a_tenant_and_gets_its_tokens() {
    let app = spawn_app().await;
    let (status, body) = app
        .send(
            "POST",
            "/api/v1/tenants",
            Some(OPERATOR),
            Some(json!({"name": "Acme", "edition": "premium"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["edition"], "premium");
    assert_eq!(body["maximum_conversations"], 3);
    assert!(
        body["admin_token"]
            .as_str()
            .unwrap()
            .starts_with("sb_admin_")
    );
    assert!(
        body["identity_secret"]
            .as_str()
            .unwrap()
            .starts_with("sb_idsec_")
    );
    let tenant = Tenant {
        id: body["id"].as_str().unwrap().to_owned(),
        admin: body["admin_token"].as_str().unwrap().to_owned(),
    };
    let (status, shown) = app.admin(&tenant, "GET", "", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["name"], "Acme");
    assert!(shown.get("admin_token").is_none() && shown.get("identity_secret").is_none());
}

#[tokio::test]
async fn the_operator_lists_every_tenant_oldest_first_without_secrets() {
    let app = spawn_app().await;
    let first = app.tenant("standard").await;
    let second = app.tenant("premium").await;
    let (status, body) = app
        .send("GET", "/api/v1/tenants", Some(OPERATOR), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let tenants = body["tenants"].as_array().unwrap();
    let ids: Vec<&str> = tenants.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.id.as_str(), second.id.as_str()]);
    assert_eq!(tenants[1]["edition"], "premium");
    assert!(
        tenants
            .iter()
            .all(|t| t.get("admin_token").is_none() && t.get("identity_secret").is_none())
    );
    // A tenant's admin is not the operator.
    let (status, _) = app
        .send("GET", "/api/v1/tenants", Some(&first.admin), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn maximum_conversations_outside_1_to_20_is_invalid() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    for bad in [0, 21, -1] {
        let (status, body) = app
            .admin(
                &tenant,
                "PATCH",
                "/chat-settings",
                json!({"maximum_conversations": bad}),
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
        );
        assert!(
            message(&body).starts_with("maximum_conversations:"),
            "{body}"
        );
    }
    let (status, _) = app
        .admin(
            &tenant,
            "PATCH",
            "/chat-settings",
            json!({"maximum_conversations": 20}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, settings) = app
        .admin(&tenant, "GET", "/chat-settings", Value::Null)
        .await;
    assert_eq!(settings, json!({"maximum_conversations": 20}));
}

#[tokio::test]
async fn every_admin_reads_the_default_texts_the_services_use_and_nobody_else_does() {
    use switchboard_contracts::texts;

    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (shop, _) = super::admins::two_experiences(&app, &tenant).await;
    let (_, erin) = super::admins::experience_admin(&app, &tenant, &[&shop]).await;
    let (status, site) = app
        .admin(&tenant, "GET", "/default-texts", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(site["fallback_message"], texts::DEFAULT_FALLBACK);
    assert_eq!(site["next_steps"], texts::DEFAULT_NEXT_STEPS);
    assert_eq!(site["handoff_phrase"], texts::HANDOFF);
    assert_eq!(site["inactivity_warning"], texts::INACTIVITY_WARNING);
    let (status, experience) = app
        .as_token(&tenant, &erin, "GET", "/default-texts", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "an experience admin too");
    assert_eq!(experience, site);

    let space = app.space(&tenant, "Billing").await;
    let (_, agent) = app.agent(&tenant, "ann@example.com", &[&space]).await;
    let (status, _) = app
        .as_token(&tenant, &agent, "GET", "/default-texts", Value::Null)
        .await;
    assert!(
        matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
        "{status}"
    );
    let (status, _) = app
        .send(
            "GET",
            &format!("/api/v1/tenants/{}/default-texts", tenant.id),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
