//! Admins: site admins create, list, change and delete them; their fields
//! are validated; their tokens (and the first site admin's) are reissued.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

/// A premium tenant with two AI-agent experiences; returns their ids.
pub async fn two_experiences(app: &TestApp, tenant: &Tenant) -> (String, String) {
    let ai = app.ai_agent(tenant, true).await;
    let mut ids = Vec::new();
    for name in ["Shop", "Billing"] {
        let body = json!({"name": name, "support_mode": "ai_agent", "ai_agent": ai});
        ids.push(app.create(tenant, "/experiences", body).await);
    }
    (ids[0].clone(), ids[1].clone())
}

/// Creates an experience admin of `experiences`; returns its id and token.
pub async fn experience_admin(
    app: &TestApp,
    tenant: &Tenant,
    experiences: &[&str],
) -> (String, String) {
    let body = json!({"name": "Erin", "email": "erin@example.com",
        "role": "experience_admin", "experiences": experiences});
    let (status, body) = app.admin(tenant, "POST", "/admins", body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let field = |name: &str| body[name].as_str().unwrap().to_owned();
    (field("id"), field("token"))
}

#[tokio::test]
async fn a_site_admin_creates_lists_and_deletes_admins() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let body = json!({"name": "Sam", "email": "sam@example.com", "role": "site_admin"});
    let (status, site) = app.admin(&tenant, "POST", "/admins", body).await;
    assert_eq!(status, StatusCode::CREATED, "{site}");
    assert_eq!(
        (site["role"].as_str(), &site["experiences"]),
        (Some("site_admin"), &json!([]))
    );
    assert!(site["token"].as_str().unwrap().starts_with("sb_admin_"));
    let (erin, _) = experience_admin(&app, &tenant, &[&shop]).await;

    let (status, list) = app.admin(&tenant, "GET", "/admins", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let admins = list["admins"].as_array().unwrap();
    let ids: Vec<&str> = admins.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["first", site["id"].as_str().unwrap(), erin.as_str()]);
    assert_eq!(admins[2]["experiences"], json!([shop]));
    assert!(admins.iter().all(|a| a.get("token").is_none()), "{list}");

    let (status, _) = app
        .admin(&tenant, "DELETE", &format!("/admins/{erin}"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app.admin(&tenant, "GET", "/admins", Value::Null).await;
    assert_eq!(list["admins"].as_array().unwrap().len(), 2);
    let (status, body) = app
        .admin(&tenant, "DELETE", &format!("/admins/{erin}"), Value::Null)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_second_site_admin_can_do_what_the_first_can() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    let body = json!({"name": "Sam", "email": "sam@example.com", "role": "site_admin"});
    let (_, site) = app.admin(&tenant, "POST", "/admins", body).await;
    let token = site["token"].as_str().unwrap();
    let body = json!({"maximum_conversations": 5});
    let (status, body) = app
        .as_token(&tenant, token, "PATCH", "/chat-settings", body)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .as_token(&tenant, token, "GET", "/admins", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_first_site_admin_cannot_be_deleted() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (status, body) = app
        .admin(&tenant, "DELETE", "/admins/first", Value::Null)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
    assert!(message(&body).contains("first site admin"), "{body}");
}

#[tokio::test]
async fn an_admins_fields_are_validated_naming_the_field() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let other = app.tenant("standard").await;
    let (foreign, _) = two_experiences(&app, &other).await;
    let cases = [
        (
            json!({"name": "", "email": "a@example.com", "role": "site_admin"}),
            "name:",
        ),
        (
            json!({"name": "A\u{7}B", "email": "a@example.com", "role": "site_admin"}),
            "name:",
        ),
        (
            json!({"name": "Ann", "email": "not-an-address", "role": "site_admin"}),
            "email:",
        ),
        (
            json!({"name": "Ann", "email": "a@b\u{0}c", "role": "site_admin"}),
            "email:",
        ),
        (
            json!({"name": "Ann", "email": "a@example.com", "role": "owner"}),
            "role:",
        ),
        (
            json!({"name": "Ann", "email": "a@example.com", "role": "experience_admin"}),
            "experiences:",
        ),
        (
            json!({"name": "Ann", "email": "a@example.com", "role": "site_admin", "experiences": [shop]}),
            "experiences:",
        ),
        (
            json!({"name": "Ann", "email": "a@example.com", "role": "experience_admin", "experiences": [shop, foreign]}),
            "experiences[1]:",
        ),
        (
            json!({"name": "Ann", "email": "a@example.com", "role": "experience_admin", "experiences": ["nope"]}),
            "experiences[0]:",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.admin(&tenant, "POST", "/admins", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        assert!(message(&answer).starts_with(field), "{body} → {answer}");
    }
    let (_, list) = app.admin(&tenant, "GET", "/admins", Value::Null).await;
    assert_eq!(
        list["admins"].as_array().unwrap().len(),
        1,
        "nothing was saved"
    );
    experience_admin(&app, &tenant, &[&shop]).await;
    let again = json!({"name": "Erin", "email": "ERIN@example.com", "role": "site_admin"});
    let (status, body) = app.admin(&tenant, "POST", "/admins", again).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
}

#[tokio::test]
async fn a_deleted_admins_token_no_longer_works() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let (id, token) = experience_admin(&app, &tenant, &[&shop]).await;
    let (status, _) = app
        .as_token(&tenant, &token, "GET", "/experiences", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    app.admin(&tenant, "DELETE", &format!("/admins/{id}"), Value::Null)
        .await;
    let (status, body) = app
        .as_token(&tenant, &token, "GET", "/experiences", Value::Null)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
}

#[tokio::test]
async fn a_reissued_admin_token_replaces_the_old_one() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (shop, _) = two_experiences(&app, &tenant).await;
    let (id, old) = experience_admin(&app, &tenant, &[&shop]).await;
    let (status, body) = app
        .admin(&tenant, "POST", &format!("/admins/{id}/token"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["token"].as_str().unwrap();
    assert_ne!(new, old);
    let (status, _) = app
        .as_token(&tenant, &old, "GET", "/experiences", Value::Null)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .as_token(&tenant, new, "GET", "/experiences", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_operator_reissues_the_first_site_admin_and_the_old_token_fails() {
    let app = spawn_app().await;
    let mut tenant = app.tenant("standard").await;
    let path = format!("/api/v1/tenants/{}/admin-token", tenant.id);
    let (status, body) = app.send("POST", &path, Some(&tenant.admin), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the operator's route: {body}"
    );
    let (status, body) = app.send("POST", &path, Some(OPERATOR), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["token"].as_str().unwrap().to_owned();
    let (status, body) = app.admin(&tenant, "GET", "/spaces", Value::Null).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    tenant.admin = new;
    let (status, _) = app.admin(&tenant, "GET", "/spaces", Value::Null).await;
    assert_eq!(status, StatusCode::OK);

    // A site admin may reissue it too, through its listed id.
    let (status, body) = app
        .admin(&tenant, "POST", "/admins/first/token", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.admin(&tenant, "GET", "/spaces", Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
