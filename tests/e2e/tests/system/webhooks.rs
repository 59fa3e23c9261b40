//! Webhooks end to end: a subscription made through the API, a customer's
//! conversation over the widget socket, and a real receiver that verifies
//! every signature with the secret the API showed once.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use switchboard_e2e::admin::{self, ai_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;
use switchboard_testkit::eventually;

type Seen = Arc<Mutex<Vec<(String, Value, bool)>>>;

#[derive(Clone)]
struct Hook {
    key: Arc<Mutex<Vec<u8>>>,
    seen: Seen,
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&hook.key.lock().unwrap()).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let verified = header("webhook-signature") == expected;
    let body: Value = serde_json::from_slice(&body).unwrap();
    hook.seen.lock().unwrap().push((id, body, verified));
    StatusCode::NO_CONTENT
}

#[tokio::test]
async fn a_conversation_reaches_a_subscribed_endpoint_signed_and_in_order() {
    let env = vec![(
        "SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE".to_owned(),
        "1".to_owned(),
    )];
    let system = System::start_with(None, env).await;
    let tenant = ai_tenant(&system, "standard").await;
    let hook = Hook {
        key: Arc::default(),
        seen: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(hook.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let api = format!("{}/api/v1/tenants/{}", system.gateway_url(), tenant.id);
    let http = reqwest::Client::new();
    let events = ["conversation.started", "message.created"];
    let (status, created) = admin::call(
        http.post(format!("{api}/webhooks"))
            .bearer_auth(&tenant.admin_token),
        Some(json!({"url": url, "events": events})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap();
    *hook.key.lock().unwrap() = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();

    let mut customer =
        Customer::hello(&system.ws_url(), &tenant.widget, json!({"type": "hello"})).await;
    customer.say("c-1", "how do i reset my password").await;
    let conversation = customer.expect("conversation").await;
    customer.expect_message_from("ai").await;

    let seen = eventually(
        "three deliveries",
        std::time::Duration::from_secs(30),
        || {
            let seen = hook.seen.clone();
            async move {
                let seen = seen.lock().unwrap().clone();
                (seen.len() >= 3).then_some(seen)
            }
        },
    )
    .await;
    assert!(seen.iter().all(|(_, _, verified)| *verified), "{seen:?}");
    let kinds: Vec<(&str, Option<&str>)> = seen
        .iter()
        .map(|(_, body, _)| {
            (
                body["type"].as_str().unwrap(),
                body["data"]["message"]["author"]["role"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("conversation.started", None),
            ("message.created", Some("customer")),
            ("message.created", Some("ai")),
        ]
    );
    assert_eq!(seen[0].1["data"]["id"], conversation["id"]);

    let hook_id = created["id"].as_str().unwrap();
    let log = eventually(
        "the log shows them delivered",
        std::time::Duration::from_secs(10),
        || {
            let request = http
                .get(format!("{api}/webhooks/{hook_id}/deliveries"))
                .bearer_auth(&tenant.admin_token);
            async move {
                let (status, log) = admin::call(request, None).await;
                let items = log["items"].as_array().cloned().unwrap_or_default();
                (status == 200
                    && items.len() == 3
                    && items.iter().all(|d| d["status"] == "delivered"))
                .then_some(items)
            }
        },
    )
    .await;
    let logged: Vec<&str> = log.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(seen.iter().all(|(id, _, _)| logged.contains(&id.as_str())));
}
