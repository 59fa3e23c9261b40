//! Identity secrets at rest and their rotation (SPEC §11), seen from the
//! customer socket and the bucket itself: sealed when written, records of an
//! earlier release (in clear) still read and sealed at their next write or
//! at a gateway's start, and a rotation's overlap accepting both secrets
//! until it ends.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::streams;
use switchboard_contracts::v1::{Tenant, TokenGrant};
use switchboard_gateway::auth::{IdentityClaims, hash_token, sign_identity};
use switchboard_gateway::config::GatewayConfig;
use switchboard_gateway::secrets::Keyring;
use switchboard_gateway::server::Application;

use super::app::{Site, TestApp, spawn_app};
use crate::client::{connect, try_connect};

const ADMIN: &str = "sb_admin_identity-secret-tests";

/// The tenant record exactly as the bucket holds it.
async fn raw_tenant(app: &TestApp, tenant: impl std::fmt::Display) -> Vec<u8> {
    let bucket = app
        .state
        .bus
        .js
        .get_key_value(streams::CONFIG_BUCKET)
        .await
        .expect("the configuration bucket");
    let entry = bucket
        .entry(keys::tenant(tenant))
        .await
        .expect("bucket read")
        .expect("the tenant record");
    entry.value.to_vec()
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

fn token(secret: &str, sub: &str) -> String {
    let claims = IdentityClaims {
        sub: sub.into(),
        name: Some("Casey".into()),
        email: None,
        exp: jsonwebtoken::get_current_timestamp() + 600,
    };
    sign_identity(secret, &claims)
}

/// `welcome` for a hello with `token`, or the error frame refusing it.
async fn sign_in(app: &TestApp, site: &Site, token: &str) -> Value {
    let mut socket = connect(&app.socket_url(site.widget)).await;
    socket.send(json!({"type": "hello", "token": token})).await;
    socket.recv().await
}

/// Makes `ADMIN` the site admin token of `site`'s tenant.
async fn grant_admin(app: &TestApp, site: &Site) {
    let grant = TokenGrant {
        tenant: site.tenant.to_string(),
        role: "admin".into(),
        subject: String::new(),
    };
    app.state
        .config_cache
        .put(&keys::token(&hash_token(ADMIN)), &grant)
        .await
        .expect("grant written");
}

async fn api(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = reqwest::Client::new()
        .request(method, format!("http://{}{path}", app.addr))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the gateway answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_new_tenants_identity_secret_is_stored_sealed_never_in_clear() {
    let app = spawn_app().await;
    let (status, body) = api(
        &app,
        "POST",
        "/api/v1/tenants",
        "op",
        json!({"name": "Acme", "edition": "premium"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["identity_secret"].as_str().unwrap();
    let raw = raw_tenant(&app, body["id"].as_str().unwrap()).await;
    assert!(!holds(&raw, secret), "the secret is in the bucket in clear");
    assert!(!holds(&raw, secret.trim_start_matches("sb_idsec_")));
    let record: Tenant = prost::Message::decode(raw.as_slice()).unwrap();
    assert!(record.identity_secret.is_empty());
    let sealed = record.identity_secret_sealed.expect("a sealed secret");
    assert_eq!(sealed.key_id, app.state.settings.secret_keys.current().id());
}

#[tokio::test]
async fn a_clear_record_of_an_earlier_release_still_signs_customers_in_and_is_sealed_at_its_next_write()
 {
    let app = spawn_app().await;
    // The harness writes the tenant the way earlier releases did: in clear.
    let site = app.seed_ai_site().await;
    assert!(holds(
        &raw_tenant(&app, site.tenant).await,
        &site.identity_secret
    ));
    let casey = token(&site.identity_secret, "casey");
    assert_eq!(sign_in(&app, &site, &casey).await["signed_in"], true);

    grant_admin(&app, &site).await;
    let path = format!("/api/v1/tenants/{}/chat-settings", site.tenant);
    let (status, body) = api(
        &app,
        "PATCH",
        &path,
        ADMIN,
        json!({"maximum_conversations": 4}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let raw = raw_tenant(&app, site.tenant).await;
    assert!(
        !holds(&raw, &site.identity_secret),
        "still in clear after a write"
    );
    let record: Tenant = prost::Message::decode(raw.as_slice()).unwrap();
    assert_eq!(record.maximum_conversations, 4);
    assert!(record.identity_secret_sealed.is_some());
    assert_eq!(sign_in(&app, &site, &casey).await["signed_in"], true);
}

/// Another gateway on `app`'s NATS with `keys`, started and left running.
async fn start_beside(app: &TestApp, keys: Keyring) -> std::net::SocketAddr {
    let mut config = GatewayConfig::for_tests(&app.state.settings.bus.url, "op");
    config.secret_keys = keys;
    let beside = Application::build(config).await.expect("gateway builds");
    let addr = beside.addr();
    tokio::spawn(beside.run_until(std::future::pending()));
    addr
}

#[tokio::test]
async fn a_gateway_that_starts_on_clear_records_seals_them() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    start_beside(&app, app.state.settings.secret_keys.clone()).await;
    let raw = raw_tenant(&app, site.tenant).await;
    assert!(
        !holds(&raw, &site.identity_secret),
        "not sealed by the start"
    );
    let casey = token(&site.identity_secret, "casey");
    assert_eq!(sign_in(&app, &site, &casey).await["signed_in"], true);
}

#[tokio::test]
async fn a_gateway_without_the_key_that_sealed_a_secret_refuses_the_widget_as_unavailable() {
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    grant_admin(&app, &site).await;
    let path = format!("/api/v1/tenants/{}/chat-settings", site.tenant);
    api(
        &app,
        "PATCH",
        &path,
        ADMIN,
        json!({"maximum_conversations": 4}),
    )
    .await;

    let stranger = start_beside(&app, Keyring::generate()).await;
    let url = format!("ws://{stranger}/ws/customer?widget={}", site.widget);
    let (status, body) = try_connect(&url, None).await.err().expect("refused");
    assert_eq!(status.as_u16(), 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(!body.to_string().contains(&site.identity_secret));
}

#[tokio::test]
async fn after_a_rotation_with_an_overlap_both_secrets_sign_in_until_it_ends_then_only_the_new_one()
{
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    grant_admin(&app, &site).await;
    let path = format!("/api/v1/tenants/{}/identity-secret", site.tenant);
    let (status, body) = api(&app, "POST", &path, ADMIN, json!({"overlap": "1500ms"})).await;
    assert_eq!(status, 201, "{body}");
    let new_secret = body["identity_secret"].as_str().unwrap().to_owned();
    assert!(new_secret.starts_with("sb_idsec_") && new_secret != site.identity_secret);
    let until = time::OffsetDateTime::parse(
        body["previous_valid_until"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(!holds(&raw_tenant(&app, site.tenant).await, &new_secret));

    let old = token(&site.identity_secret, "casey");
    let new = token(&new_secret, "casey");
    assert_eq!(
        sign_in(&app, &site, &old).await["signed_in"],
        true,
        "the old secret during the overlap"
    );
    assert_eq!(sign_in(&app, &site, &new).await["signed_in"], true);

    // The overlap is 1.5 s: wait out what is left of it.
    let left = until - time::OffsetDateTime::now_utc();
    tokio::time::sleep(Duration::try_from(left).unwrap_or_default() + Duration::from_millis(20))
        .await;
    let refused = sign_in(&app, &site, &old).await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("unauthorized")),
        "{refused}"
    );
    assert_eq!(sign_in(&app, &site, &new).await["signed_in"], true);
}

#[tokio::test]
async fn a_rotation_without_an_overlap_retires_the_old_secret_at_once_and_bad_overlaps_are_refused()
{
    let app = spawn_app().await;
    let site = app.seed_ai_site().await;
    grant_admin(&app, &site).await;
    let path = format!("/api/v1/tenants/{}/identity-secret", site.tenant);
    for bad in ["soon", "31d", "721h"] {
        let (status, body) = api(&app, "POST", &path, ADMIN, json!({"overlap": bad})).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("overlap"),
            "{body}"
        );
    }
    let old = token(&site.identity_secret, "casey");
    assert_eq!(
        sign_in(&app, &site, &old).await["signed_in"],
        true,
        "nothing changed"
    );

    let (status, body) = api(&app, "POST", &path, ADMIN, json!({})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["previous_valid_until"], Value::Null);
    assert_eq!(sign_in(&app, &site, &old).await["code"], "unauthorized");
    let new = token(body["identity_secret"].as_str().unwrap(), "casey");
    assert_eq!(sign_in(&app, &site, &new).await["signed_in"], true);

    let (status, _) = api(&app, "POST", &path, "sb_admin_nobody", json!({})).await;
    assert_eq!(status, 401);
}
