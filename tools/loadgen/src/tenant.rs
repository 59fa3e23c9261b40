//! The tenant under load, configured through the public HTTP API the way an
//! operator and a tenant admin would: a standard-edition tenant, a published
//! built-in AI agent with a small knowledge base, an `ai_agent` experience
//! and a support-site widget. The pieces (the [`Api`] client, a tenant, an AI
//! agent, a widget) serve the live-chat tenant in `team` too.

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

/// What the customers ask; the knowledge base answers it.
pub const QUESTION: &str = "How do I reset my password?";

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub widget: String,
}

/// The HTTP API of one gateway.
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// Setting up hundreds of agents outruns the per-tenant HTTP rate limit
/// (50/s): a 429 waits this long and tries again, this many times.
const RATE_LIMITED_BACKOFF: std::time::Duration = std::time::Duration::from_millis(250);
const RATE_LIMITED_TRIES: u32 = 40;

impl Api {
    pub fn new(gateway_url: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{}/api/v1", gateway_url.trim_end_matches('/')),
        }
    }

    /// POSTs `body` and returns the 201 response's JSON.
    pub async fn create(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, token, body, 201)
            .await
    }

    /// PATCHes `body` and returns the 200 response's JSON.
    pub async fn update(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::PATCH, path, token, body, 200)
            .await
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
        expected: u16,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        for _ in 0..RATE_LIMITED_TRIES {
            let response = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .with_context(|| format!("{method} {url}"))?;
            let status = response.status();
            let value: Value = response.json().await.unwrap_or(Value::Null);
            if status.as_u16() == 429 {
                // No event announces a refilled token bucket: wait and retry.
                tokio::time::sleep(RATE_LIMITED_BACKOFF).await;
                continue;
            }
            if status.as_u16() != expected {
                bail!("{method} {url} answered {status}: {value}");
            }
            return Ok(value);
        }
        bail!("{method} {url} was still rate limited after {RATE_LIMITED_TRIES} tries")
    }
}

pub fn field(value: &Value, name: &str) -> anyhow::Result<String> {
    value[name]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{name}` in {value}"))
}

/// A new tenant of `edition`: its id and admin token, and the JSON answer
/// (for `identity_secret`).
pub async fn new_tenant(
    api: &Api,
    operator_token: &str,
    edition: &str,
) -> anyhow::Result<(String, String, Value)> {
    let tenant = api
        .create(
            "/tenants",
            operator_token,
            json!({"name": "Loadgen", "edition": edition}),
        )
        .await?;
    Ok((
        field(&tenant, "id")?,
        field(&tenant, "admin_token")?,
        tenant,
    ))
}

/// A published built-in AI agent that knows the answer to [`QUESTION`]; its id.
pub async fn ai_agent(api: &Api, tenant: &str, admin: &str) -> anyhow::Result<String> {
    let agent = api
        .create(
            &format!("/tenants/{tenant}/ai-agents"),
            admin,
            json!({
                "name": "Sam",
                "published": true,
                "knowledge": [
                    {"question": QUESTION,
                     "answer": "Open the sign-in page, choose Forgot password and follow the emailed link."},
                    {"question": "What is your refund policy?", "answer": "Full refunds within 30 days."},
                    {"question": "How long does shipping take?", "answer": "Three to five business days."}
                ]
            }),
        )
        .await?;
    field(&agent, "id")
}

/// A support-site widget of experience `cx`; its id.
pub async fn widget(api: &Api, tenant: &str, admin: &str, cx: &str) -> anyhow::Result<String> {
    let widget = api
        .create(
            &format!("/tenants/{tenant}/experiences/{cx}/widgets"),
            admin,
            json!({"kind": "support_site"}),
        )
        .await?;
    field(&widget, "id")
}

pub async fn create(gateway_url: &str, operator_token: &str) -> anyhow::Result<Tenant> {
    let api = Api::new(gateway_url);
    let (id, admin, _) = new_tenant(&api, operator_token, "standard").await?;
    let ai_agent = ai_agent(&api, &id, &admin).await?;
    let experience = api
        .create(
            &format!("/tenants/{id}/experiences"),
            &admin,
            json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": ai_agent}),
        )
        .await?;
    let widget = widget(&api, &id, &admin, &field(&experience, "id")?).await?;
    Ok(Tenant { id, widget })
}
