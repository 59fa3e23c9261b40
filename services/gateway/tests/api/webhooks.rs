//! Webhook subscriptions over the API, every answer checked against the
//! OpenAPI document ([`Checked`]), with a stand-in webhook service on the
//! bus for the delivery states and the log; and the refusals: bad URLs,
//! refused addresses, unknown events, bad secrets, other roles.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_contracts::webhooks::parse_secret;

use super::checked::Checked;
use super::fakes::serve_webhooks;
use super::helpers::*;

fn id(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn an_admin_subscribes_sees_the_pause_and_the_log_resumes_and_deletes() {
    let api = Checked::start().await;
    let tenant = api.app.tenant("premium").await;
    let t = &format!("/api/v1/tenants/{}", tenant.id);
    let admin = &tenant.admin;
    let seen = serve_webhooks(&api.app.state.bus, true).await;

    let body = json!({"url": "https://hooks.example.com/in", "events": ["message.created"]});
    let created = api.post(&format!("{t}/webhooks"), admin, body, 201).await;
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(parse_secret(secret).unwrap().len(), 32);
    assert_eq!(created["status"], "active");
    let hook = id(&created);
    let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body =
        json!({"url": "https://b.example.com/", "events": ["offer.outcome"], "secret": given});
    let second = api.post(&format!("{t}/webhooks"), admin, body, 201).await;
    assert_eq!(second["secret"], given);

    let page = api.get(&format!("{t}/webhooks?limit=1"), admin).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], hook);
    assert_eq!(page["items"][0]["status"], "paused");
    assert!(page["items"][0].get("secret").is_none(), "{page}");
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = api
        .get(&format!("{t}/webhooks?limit=1&cursor={cursor}"), admin)
        .await;
    assert_eq!(rest["items"][0]["id"], id(&second));
    assert_eq!(rest["next_cursor"], Value::Null);

    let w = &format!("{t}/webhooks/{hook}");
    let shown = api.get(w, admin).await;
    assert_eq!(shown["paused_reason"], "3 consecutive failed deliveries");
    let log = api.get(&format!("{w}/deliveries?limit=10"), admin).await;
    assert_eq!(log["items"][0]["status"], "failed");
    assert_eq!(log["items"][0]["response_status"], 500);
    assert_eq!(log["next_cursor"], "next");

    // Resuming raises the generation past the pause's: active again.
    let resumed = api.patch(w, admin, json!({"active": true})).await;
    assert_eq!(resumed["status"], "active", "{resumed}");
    let off = api.patch(w, admin, json!({"active": false})).await;
    assert_eq!(off["status"], "disabled");
    let edited = api
        .patch(
            w,
            admin,
            json!({"events": ["message.created", "work_item.created"]}),
        )
        .await;
    assert_eq!(
        edited["events"],
        json!(["message.created", "work_item.created"])
    );
    assert!(seen.lock().unwrap().iter().all(|r| r.tenant == tenant.id));

    api.call("DELETE", w, admin, None, StatusCode::NO_CONTENT)
        .await;
    api.refused("GET", w, admin, None, Some(StatusCode::NOT_FOUND))
        .await;
}

#[tokio::test]
async fn bad_urls_refused_targets_unknown_events_and_bad_secrets_are_refused_naming_them() {
    let app = spawn_app().await;
    let tenant = app.tenant("premium").await;
    for (body, says) in [
        (
            json!({"url": "http://hooks.example.com/", "events": ["message.created"]}),
            "url: must be an https URL",
        ),
        (
            json!({"url": "https://127.0.0.1:9/", "events": ["message.created"]}),
            "loopback",
        ),
        (
            json!({"url": "https://192.168.0.10/", "events": ["message.created"]}),
            "private",
        ),
        (
            json!({"url": "https://[fe80::1]/", "events": ["message.created"]}),
            "link-local",
        ),
        (
            json!({"url": "https://hooks.example.com/", "events": []}),
            "events: name at least one",
        ),
        (
            json!({"url": "https://hooks.example.com/", "events": ["message.sent"]}),
            "unknown event `message.sent`",
        ),
        (
            json!({"url": "https://hooks.example.com/", "events": ["message.created"], "secret": "abc"}),
            "secret: must start with `whsec_`",
        ),
    ] {
        let (status, answer) = app.admin(&tenant, "POST", "/webhooks", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert!(message(&answer).contains(says), "{body}: {answer}");
    }
    let (_, list) = app.admin(&tenant, "GET", "/webhooks", Value::Null).await;
    assert_eq!(list["items"], json!([]), "refusals change nothing");
}

#[tokio::test]
async fn private_targets_and_http_pass_where_the_deployment_allows_them() {
    let app = spawn_app_with(|config| config.webhook_allow_private = true).await;
    let tenant = app.tenant("premium").await;
    let body = json!({"url": "http://127.0.0.1:9000/hook", "events": ["message.created"]});
    let (status, answer) = app.admin(&tenant, "POST", "/webhooks", body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    // No webhook service answers here: the subscription still shows.
    let (status, list) = app.admin(&tenant, "GET", "/webhooks", Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["status"], "unknown");
}
