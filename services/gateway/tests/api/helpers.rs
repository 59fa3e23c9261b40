//! What every API test shares: a real gateway on a real `nats-server` per
//! test (`spawn_app`), requests as the operator, an admin or an agent, and
//! readers of the contract's error body.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_gateway::config::GatewayConfig;
use switchboard_gateway::server::Application;
use switchboard_gateway::state::AppState;
use switchboard_testkit::NatsServer;

pub const OPERATOR: &str = "op-token";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    /// The gateway's own state: its bus stands in for other services.
    pub state: AppState,
    nats: Arc<NatsServer>,
}

/// A tenant made through the operator API.
pub struct Tenant {
    pub id: String,
    pub admin: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings of the test's own (short timeouts, low rates).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut GatewayConfig)) -> TestApp {
    spawn_on(Arc::new(NatsServer::start().await), adjust).await
}

async fn spawn_on(nats: Arc<NatsServer>, adjust: impl FnOnce(&mut GatewayConfig)) -> TestApp {
    let mut config = GatewayConfig::for_tests(&nats.url(), OPERATOR);
    adjust(&mut config);
    let app = Application::build(config).await.expect("gateway builds");
    let base = format!("http://{}", app.addr());
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        http: reqwest::Client::new(),
        state,
        nats,
    }
}

impl TestApp {
    /// Another gateway on the same NATS, as a second gateway process would
    /// be: its own connection and configuration cache.
    /// It holds the same secret key, as every gateway of a deployment must.
    pub async fn beside(&self) -> TestApp {
        let keys = self.state.settings.secret_keys.clone();
        spawn_on(self.nats.clone(), |config| config.secret_keys = keys).await
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub async fn tenant(&self, edition: &str) -> Tenant {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/tenants",
                Some(OPERATOR),
                Some(json!({"name": "Acme", "edition": edition})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Tenant {
            id: body["id"].as_str().unwrap().to_owned(),
            admin: body["admin_token"].as_str().unwrap().to_owned(),
        }
    }

    /// POSTs as the tenant's admin to `/api/v1/tenants/{t}{path}`, expects 201, returns the id.
    pub async fn create(&self, tenant: &Tenant, path: &str, body: Value) -> String {
        let (status, body) = self.admin(tenant, "POST", path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn admin(
        &self,
        tenant: &Tenant,
        method: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let body = (!body.is_null()).then_some(body);
        let path = format!("/api/v1/tenants/{}{path}", tenant.id);
        self.send(method, &path, Some(&tenant.admin), body).await
    }

    pub async fn ai_agent(&self, tenant: &Tenant, published: bool) -> String {
        let knowledge = json!([{"question": "What are your hours?", "answer": "9 to 5."}]);
        let body = json!({"name": "Helper", "published": published, "knowledge": knowledge});
        self.create(tenant, "/ai-agents", body).await
    }

    /// Sends as the holder of `token` to `/api/v1/tenants/{t}{path}`.
    pub async fn as_token(
        &self,
        tenant: &Tenant,
        token: &str,
        method: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let body = (!body.is_null()).then_some(body);
        let path = format!("/api/v1/tenants/{}{path}", tenant.id);
        self.send(method, &path, Some(token), body).await
    }

    pub async fn space(&self, tenant: &Tenant, name: &str) -> String {
        self.create(tenant, "/spaces", json!({"name": name})).await
    }

    /// Creates an agent in `spaces`; returns its id and token.
    pub async fn agent(&self, tenant: &Tenant, email: &str, spaces: &[&str]) -> (String, String) {
        let body = json!({"name": "Grace Hopper", "email": email, "spaces": spaces});
        let (status, body) = self.admin(tenant, "POST", "/agents", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let field = |name: &str| body[name].as_str().unwrap().to_owned();
        (field("id"), field("token"))
    }
}

pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

pub fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}
