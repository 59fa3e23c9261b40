//! What the API turns away: missing or foreign tokens, malformed bodies,
//! unknown ids, oversized bodies and floods.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::*;

#[tokio::test]
async fn a_request_without_a_token_or_with_a_wrong_one_is_unauthorized() {
    let app = spawn_app().await;
    let create = json!({"name": "Acme", "edition": "standard"});
    let (status, body) = app
        .send("POST", "/api/v1/tenants", None, Some(create.clone()))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, _) = app
        .send("POST", "/api/v1/tenants", Some("nope"), Some(create))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let tenant = app.tenant("standard").await;
    let path = format!("/api/v1/tenants/{}/spaces", tenant.id);
    let (status, body) = app.send("GET", &path, Some("sb_admin_wrong"), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // A tenant's admin token is not the operator's.
    let (status, _) = app
        .send(
            "PATCH",
            &format!("/api/v1/tenants/{}", tenant.id),
            Some(&tenant.admin),
            Some(json!({"edition": "enterprise"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_tenants_admin_token_is_forbidden_and_changes_nothing() {
    let app = spawn_app().await;
    let (ours, theirs) = (app.tenant("premium").await, app.tenant("premium").await);
    let space = app
        .create(&ours, "/spaces", json!({"name": "Billing"}))
        .await;
    let intruder = Tenant {
        id: ours.id.clone(),
        admin: theirs.admin.clone(),
    };
    let (status, body) = app
        .admin(
            &intruder,
            "PATCH",
            &format!("/spaces/{space}"),
            json!({"live_chat": false}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = app
        .admin(&intruder, "POST", "/spaces", json!({"name": "Mine now"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, spaces) = app.admin(&ours, "GET", "/spaces", Value::Null).await;
    assert_eq!(
        spaces["spaces"],
        json!([{"id": space, "name": "Billing", "live_chat": true}])
    );
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_naming_the_problem() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let path = format!("/api/v1/tenants/{}/spaces", tenant.id);
    let (status, body) = app
        .raw("POST", &path, &tenant.admin, r#"{"name": "Billing""#)
        .await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid"));
    assert!(message(&body).contains("EOF"), "{body}");
    let (status, body) = app
        .raw(
            "POST",
            &path,
            &tenant.admin,
            r#"{"name": "B", "live_chat": "yes"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).starts_with("live_chat:"), "{body}");
    let (status, body) = app.raw("POST", &path, &tenant.admin, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("empty"), "{body}");
}

#[tokio::test]
async fn an_unknown_field_is_a_bad_request_naming_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let (status, body) = app
        .admin(
            &tenant,
            "POST",
            "/spaces",
            json!({"name": "B", "colour": "red"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid"));
    assert!(message(&body).contains("colour"), "{body}");
    let knowledge = json!([{"question": "q", "answer": "a", "score": 1}]);
    let (status, body) = app
        .admin(
            &tenant,
            "POST",
            "/ai-agents",
            json!({"name": "A", "knowledge": knowledge}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message(&body).starts_with("knowledge[0]") && message(&body).contains("score"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_ids_and_ids_that_are_not_uuids_are_not_found() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    for path in [
        "/spaces/0190a0b0-0000-7000-8000-000000000001",
        "/spaces/x",
        "/ai-agents/x",
        "/experiences/x",
    ] {
        let (status, body) = app.admin(&tenant, "GET", path, Value::Null).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    let (status, _) = app
        .send("GET", "/api/v1/tenants/not-a-uuid", Some(OPERATOR), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.send("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let huge = json!({"name": "x".repeat(70 * 1024)});
    let (status, body) = app.admin(&tenant, "POST", "/spaces", huge).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "invalid")
    );
}

#[tokio::test]
async fn a_tenant_over_its_rate_limit_is_told_to_slow_down() {
    let app = spawn_app().await;
    let tenant = app.tenant("standard").await;
    let requests = (0..300).map(|_| app.admin(&tenant, "GET", "/chat-settings", Value::Null));
    let statuses: Vec<StatusCode> = futures::future::join_all(requests)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert!(statuses.contains(&StatusCode::OK));
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS));
    // Another tenant is not slowed down.
    let other = app.tenant("standard").await;
    let (status, _) = app
        .admin(&other, "GET", "/chat-settings", Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
}
