//! The tenant under load, configured through the public HTTP API the way an
//! operator and a tenant admin would: a standard-edition tenant, a published
//! built-in AI agent with a small knowledge base, an `ai_agent` experience
//! and a support-site widget.

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

/// What the customers ask; the knowledge base answers it.
pub const QUESTION: &str = "How do I reset my password?";

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub widget: String,
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// POSTs `body` and returns the 201 response's JSON.
    async fn create(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if status.as_u16() != 201 {
            bail!("POST {url} answered {status}: {value}");
        }
        Ok(value)
    }
}

fn field(value: &Value, name: &str) -> anyhow::Result<String> {
    value[name]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{name}` in {value}"))
}

pub async fn create(gateway_url: &str, operator_token: &str) -> anyhow::Result<Tenant> {
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("{}/api/v1", gateway_url.trim_end_matches('/')),
    };
    let tenant = api
        .create(
            "/tenants",
            operator_token,
            json!({"name": "Loadgen", "edition": "standard"}),
        )
        .await?;
    let id = field(&tenant, "id")?;
    let admin = field(&tenant, "admin_token")?;
    let base = format!("/tenants/{id}");
    let agent = api
        .create(
            &format!("{base}/ai-agents"),
            &admin,
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
    let experience = api
        .create(
            &format!("{base}/experiences"),
            &admin,
            json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": field(&agent, "id")?}),
        )
        .await?;
    let widget = api
        .create(
            &format!("{base}/experiences/{}/widgets", field(&experience, "id")?),
            &admin,
            json!({"kind": "support_site"}),
        )
        .await?;
    Ok(Tenant {
        id,
        widget: field(&widget, "id")?,
    })
}
