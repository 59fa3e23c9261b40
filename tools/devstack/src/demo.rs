//! The demo tenant: a premium tenant with a published AI agent that knows a
//! small help-centre knowledge base, a support space, an experience and its
//! widgets. Created through the public HTTP API like any admin would, and
//! remembered in the data dir so a restart reuses it.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Demo {
    pub tenant: String,
    pub admin_token: String,
    pub identity_secret: String,
    pub experience: String,
    pub support_widget: String,
    pub embed_widget: String,
    /// A signed-in customer's identity token (valid a year), for trying
    /// signed-in features without a site of your own.
    #[serde(default)]
    pub customer_token: String,
    /// The demo support agent's console token.
    #[serde(default)]
    pub agent_token: String,
    /// The demo site's sign-in page (see `signin_site`), where the support
    /// site sends customers who must sign in. Set at every start.
    #[serde(default)]
    pub sign_in_url: String,
}

const KNOWLEDGE: &[(&str, &str)] = &[
    (
        "How do I reset my password?",
        "Open the sign-in page, choose \"Forgot password\" and enter your email. We'll send a reset link that works for 30 minutes.",
    ),
    (
        "What is your refund policy?",
        "You can ask for a full refund within 30 days of purchase. Refunds go back to the original payment method within 5 business days.",
    ),
    (
        "How long does shipping take?",
        "Standard shipping takes 3-5 business days; express shipping arrives in 1-2 business days.",
    ),
    (
        "What are your opening hours?",
        "Our support team is available Monday to Friday, 8:00-18:00 CET.",
    ),
    (
        "How do I change my email address?",
        "Go to Settings > Account, choose \"Change email\", and confirm the new address from the message we send you.",
    ),
    (
        "How do I cancel my subscription?",
        "Go to Settings > Billing and choose \"Cancel subscription\". You keep access until the end of the paid period.",
    ),
    (
        "Where can I download my invoices?",
        "Invoices are under Settings > Billing > Invoices; each one can be downloaded as a PDF.",
    ),
    (
        "How can I contact support?",
        "Write to support@example.com or chat with us here. We answer emails within one business day.",
    ),
];

/// Reuses the saved demo tenant when the gateway still knows it, otherwise
/// creates a new one.
pub async fn ensure(gateway: &str, operator_token: &str, data_dir: &Path) -> anyhow::Result<Demo> {
    let path = data_dir.join("demo.json");
    let client = reqwest::Client::new();
    if let Ok(saved) = std::fs::read_to_string(&path)
        && let Ok(demo) = serde_json::from_str::<Demo>(&saved)
        && !demo.agent_token.is_empty()
    {
        let check = client
            .get(format!(
                "{gateway}/api/v1/tenants/{}/experiences/{}",
                demo.tenant, demo.experience
            ))
            .bearer_auth(&demo.admin_token)
            .send()
            .await?;
        if check.status().is_success() {
            return Ok(demo);
        }
    }
    let demo = create(&client, gateway, operator_token).await?;
    switchboard_natsauth::files::write_secret(&path, &serde_json::to_vec_pretty(&demo)?)
        .with_context(|| format!("write {}", path.display()))?;
    Ok(demo)
}

async fn create(
    client: &reqwest::Client,
    gateway: &str,
    operator_token: &str,
) -> anyhow::Result<Demo> {
    let api = format!("{gateway}/api/v1");
    let tenant = call(
        client
            .post(format!("{api}/tenants"))
            .bearer_auth(operator_token),
        json!({"name": "Demo Co", "edition": "premium"}),
    )
    .await?;
    let id = text(&tenant, "id")?;
    let admin = text(&tenant, "admin_token")?;
    let identity_secret = text(&tenant, "identity_secret")?;
    let base = format!("{api}/tenants/{id}");
    let knowledge: Vec<Value> = KNOWLEDGE
        .iter()
        .map(|(q, a)| json!({"question": q, "answer": a}))
        .collect();
    let ai_agent = call(
        client.post(format!("{base}/ai-agents")).bearer_auth(&admin),
        json!({
            "name": "Sam",
            "published": true,
            "knowledge": knowledge,
            "next_steps": "I can't connect you to a person in this chat, but you can write to support@example.com and we'll answer within one business day."
        }),
    )
    .await?;
    let space = call(
        client.post(format!("{base}/spaces")).bearer_auth(&admin),
        json!({"name": "Support", "live_chat": true}),
    )
    .await?;
    let space = text(&space, "id")?;
    let agent = call(
        client.post(format!("{base}/agents")).bearer_auth(&admin),
        json!({"name": "Alex", "email": "alex@example.com", "spaces": [space]}),
    )
    .await?;
    let experience = call(
        client.post(format!("{base}/experiences")).bearer_auth(&admin),
        json!({
            "name": "Demo Co Help Center",
            "support_mode": "ai_and_team",
            "ai_agent": text(&ai_agent, "id")?,
            "routed_space": space,
            "fallback_message": "Nobody can take your chat right now. Write to support@example.com or call us weekdays 8:00-18:00 CET.",
        }),
    )
    .await?;
    let cx = text(&experience, "id")?;
    let support = call(
        client
            .post(format!("{base}/experiences/{cx}/widgets"))
            .bearer_auth(&admin),
        json!({"kind": "support_site"}),
    )
    .await?;
    let embed = call(
        client
            .post(format!("{base}/experiences/{cx}/widgets"))
            .bearer_auth(&admin),
        json!({"kind": "embed", "allowed_origins": [gateway]}),
    )
    .await?;
    let customer_token = switchboard_gateway::auth::sign_identity(
        &identity_secret,
        &switchboard_gateway::auth::IdentityClaims {
            sub: "demo-customer".into(),
            name: Some("Dana Demo".into()),
            email: Some("dana@example.com".into()),
            exp: switchboard_runtime::clock::now_secs() + 365 * 24 * 3600,
        },
    );
    Ok(Demo {
        tenant: id,
        admin_token: admin,
        identity_secret,
        experience: cx,
        support_widget: text(&support, "id")?,
        embed_widget: text(&embed, "id")?,
        customer_token,
        agent_token: text(&agent, "token")?,
        sign_in_url: String::new(),
    })
}

/// Points the demo experience at the demo site's sign-in page (its port may
/// differ from one start to the next).
pub async fn use_sign_in_page(
    gateway: &str,
    demo: &mut Demo,
    sign_in_url: String,
) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    call(
        client
            .patch(format!(
                "{gateway}/api/v1/tenants/{}/experiences/{}",
                demo.tenant, demo.experience
            ))
            .bearer_auth(&demo.admin_token),
        json!({"sign_in_url": sign_in_url}),
    )
    .await?;
    demo.sign_in_url = sign_in_url;
    Ok(())
}

async fn call(request: reqwest::RequestBuilder, body: Value) -> anyhow::Result<Value> {
    let response = request.json(&body).send().await?;
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("seeding the demo failed with {status}: {value}");
    }
    Ok(value)
}

fn text(value: &Value, field: &str) -> anyhow::Result<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("the API answer has no `{field}`: {value}"))
}
