//! Configuring Switchboard the way an operator and a tenant admin do: through
//! the public HTTP API.

use serde_json::{Value, json};

use crate::system::System;

/// A tenant with a published built-in AI agent, an `ai_agent` experience and
/// a support-site widget.
#[derive(Debug, Clone)]
pub struct AiTenant {
    pub id: String,
    pub admin_token: String,
    pub identity_secret: String,
    pub ai_agent: String,
    pub experience: String,
    pub widget: String,
}

pub const PASSWORD_ANSWER: &str =
    "Open the sign-in page, choose Forgot password and follow the emailed link.";

pub async fn call(request: reqwest::RequestBuilder, body: Option<Value>) -> (u16, Value) {
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.expect("HTTP request");
    let status = response.status().as_u16();
    let value = response.json().await.unwrap_or(Value::Null);
    (status, value)
}

fn field(value: &Value, name: &str) -> String {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no `{name}` in {value}"))
        .to_owned()
}

pub async fn ai_tenant(system: &System, edition: &str) -> AiTenant {
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", system.gateway_url());
    let (status, tenant) = call(
        http.post(format!("{api}/tenants"))
            .bearer_auth(&system.operator_token),
        Some(json!({"name": "Acme", "edition": edition})),
    )
    .await;
    assert_eq!(status, 201, "{tenant}");
    let id = field(&tenant, "id");
    let admin_token = field(&tenant, "admin_token");
    let base = format!("{api}/tenants/{id}");
    let (status, agent) = call(
        http.post(format!("{base}/ai-agents")).bearer_auth(&admin_token),
        Some(json!({
            "name": "Sam",
            "published": true,
            "knowledge": [
                {"question": "How do I reset my password?", "answer": PASSWORD_ANSWER},
                {"question": "What is your refund policy?", "answer": "Full refunds within 30 days."},
                {"question": "How long does shipping take?", "answer": "Three to five business days."}
            ]
        })),
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    let ai_agent = field(&agent, "id");
    let (status, experience) = call(
        http.post(format!("{base}/experiences"))
            .bearer_auth(&admin_token),
        Some(json!({"name": "Help", "support_mode": "ai_agent", "ai_agent": ai_agent})),
    )
    .await;
    assert_eq!(status, 201, "{experience}");
    let cx = field(&experience, "id");
    let (status, widget) = call(
        http.post(format!("{base}/experiences/{cx}/widgets"))
            .bearer_auth(&admin_token),
        Some(json!({"kind": "support_site"})),
    )
    .await;
    assert_eq!(status, 201, "{widget}");
    AiTenant {
        id,
        identity_secret: field(&tenant, "identity_secret"),
        admin_token,
        ai_agent,
        experience: cx,
        widget: field(&widget, "id"),
    }
}

/// The stored transcript of a conversation, read through the admin API
/// page by page (following `next_cursor`).
pub async fn transcript(system: &System, tenant: &AiTenant, conversation: &str) -> Vec<Value> {
    let path = format!("/conversations/{conversation}/transcript");
    every_page(system, tenant, &path).await
}

/// A conversation's routing decision record, read through the admin API
/// page by page.
pub async fn decisions(system: &System, tenant: &AiTenant, conversation: &str) -> Vec<Value> {
    let path = format!("/conversations/{conversation}/decisions");
    every_page(system, tenant, &path).await
}

/// Every item of a paged list of the tenant (`path` after
/// `/api/v1/tenants/{t}`), following `next_cursor` to the last page.
pub async fn every_page(system: &System, tenant: &AiTenant, path: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        // Cursors are opaque but URL-safe (base64url or hex).
        let after = cursor.as_deref().map(|c| format!("?cursor={c}"));
        let request = http
            .get(format!(
                "{}/api/v1/tenants/{}{path}{}",
                system.gateway_url(),
                tenant.id,
                after.unwrap_or_default()
            ))
            .bearer_auth(&tenant.admin_token);
        let (status, body) = call(request, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        items.extend(body["items"].as_array().cloned().unwrap_or_default());
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// The team space's live view (who waits, the agents' loads), read through
/// the admin API.
pub async fn live_view(system: &System, team: &TeamTenant) -> Value {
    let http = reqwest::Client::new();
    let (status, body) = call(
        http.get(format!(
            "{}/api/v1/tenants/{}/spaces/{}/live",
            system.gateway_url(),
            team.ai.id,
            team.space
        ))
        .bearer_auth(&team.ai.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A premium tenant set up for live chat: a space with live chat on, agents
/// who are members of it, and an `ai_and_team` experience (or `mode`) routed
/// to it, with a support-site widget.
#[derive(Debug, Clone)]
pub struct TeamTenant {
    pub ai: AiTenant,
    pub space: String,
    /// (agent id, agent token, name)
    pub agents: Vec<(String, String, String)>,
}

pub const FALLBACK: &str =
    "Nobody is free right now. Email help@example.com and we will reply today.";

pub async fn team_tenant(system: &System, mode: &str, agents: &[&str]) -> TeamTenant {
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", system.gateway_url());
    let ai = ai_tenant(system, "premium").await;
    let base = format!("{api}/tenants/{}", ai.id);
    let (status, space) = call(
        http.post(format!("{base}/spaces"))
            .bearer_auth(&ai.admin_token),
        Some(json!({"name": "Support", "live_chat": true})),
    )
    .await;
    assert_eq!(status, 201, "{space}");
    let space = field(&space, "id");
    let mut team = Vec::new();
    for name in agents {
        let (status, agent) = call(
            http.post(format!("{base}/agents")).bearer_auth(&ai.admin_token),
            Some(json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "spaces": [space]})),
        )
        .await;
        assert_eq!(status, 201, "{agent}");
        team.push((
            field(&agent, "id"),
            field(&agent, "token"),
            (*name).to_owned(),
        ));
    }
    let (status, experience) = call(
        http.post(format!("{base}/experiences"))
            .bearer_auth(&ai.admin_token),
        Some(json!({
            "name": "Help",
            "support_mode": mode,
            "ai_agent": ai.ai_agent,
            "routed_space": space,
            "fallback_message": FALLBACK,
        })),
    )
    .await;
    assert_eq!(status, 201, "{experience}");
    let cx = field(&experience, "id");
    let (status, widget) = call(
        http.post(format!("{base}/experiences/{cx}/widgets"))
            .bearer_auth(&ai.admin_token),
        Some(json!({"kind": "support_site"})),
    )
    .await;
    assert_eq!(status, 201, "{widget}");
    TeamTenant {
        ai: AiTenant {
            experience: cx,
            widget: field(&widget, "id"),
            ..ai
        },
        space,
        agents: team,
    }
}

/// A customer identity token signed the way a tenant's own site would.
pub fn customer_token(tenant: &AiTenant, sub: &str, name: &str) -> String {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    encode(
        &Header::default(),
        &json!({"sub": sub, "name": name, "email": format!("{sub}@example.com"), "exp": exp}),
        &EncodingKey::from_secret(tenant.identity_secret.as_bytes()),
    )
    .expect("sign a customer token")
}
