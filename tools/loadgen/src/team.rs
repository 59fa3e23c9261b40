//! The tenant of the live-chat benchmark, configured through the public HTTP
//! API the way an operator and a tenant admin would: a premium tenant, a space
//! with live chat, N agents in it, the site's maximum_conversations, a
//! published built-in AI agent, an experience routed to the space
//! (`ai_and_team` for the routing benchmark, `support_team` for the suite's
//! live chats) and a support-site widget. Customers sign in with a JWT signed with
//! the tenant's identity secret (CONTRACT.md §2).

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use serde_json::json;

use crate::tenant::{self, Api, field};

/// A customer token stays valid this long: longer than any run.
const TOKEN_LIFETIME_SECS: u64 = 3600;

pub struct Team {
    pub tenant: String,
    /// Signs customer tokens; never printed.
    identity_secret: String,
    pub widget: String,
    pub space: String,
    /// The tenant's first site admin; never printed.
    pub admin_token: String,
    /// One per agent; never printed.
    pub agent_tokens: Vec<String>,
}

impl std::fmt::Debug for Team {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Team")
            .field("tenant", &self.tenant)
            .field("widget", &self.widget)
            .field("space", &self.space)
            .field("agents", &self.agent_tokens.len())
            .finish_non_exhaustive()
    }
}

impl Team {
    /// A signed-in customer's identity token, as the tenant's own site
    /// would sign it.
    pub fn customer_token(&self, sub: &str) -> anyhow::Result<String> {
        use jsonwebtoken::{EncodingKey, Header, encode};
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs();
        let claims = json!({
            "sub": sub,
            "name": format!("Customer {sub}"),
            "email": format!("{sub}@example.com"),
            "exp": now + TOKEN_LIFETIME_SECS,
        });
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(self.identity_secret.as_bytes()),
        )
        .context("sign a customer token")
    }
}

/// Creates the tenant with `agents` agents and `maximum_conversations`,
/// its experience in `support_mode` (`ai_and_team` or `support_team`).
pub async fn create(
    gateway_url: &str,
    operator_token: &str,
    agents: usize,
    maximum_conversations: u32,
    support_mode: &str,
) -> anyhow::Result<Team> {
    let api = Api::new(gateway_url);
    let (id, admin, answer) = tenant::new_tenant(&api, operator_token, "premium").await?;
    let base = format!("/tenants/{id}");
    api.update(
        &format!("{base}/chat-settings"),
        &admin,
        json!({"maximum_conversations": maximum_conversations}),
    )
    .await?;
    let space = api
        .create(
            &format!("{base}/spaces"),
            &admin,
            json!({"name": "Support", "live_chat": true}),
        )
        .await?;
    let space = field(&space, "id")?;
    let mut agent_tokens = Vec::with_capacity(agents);
    for n in 0..agents {
        let agent = api
            .create(
                &format!("{base}/agents"),
                &admin,
                json!({
                    "name": format!("Agent {n}"),
                    "email": format!("agent{n}@example.com"),
                    "spaces": [space],
                }),
            )
            .await?;
        agent_tokens.push(field(&agent, "token")?);
    }
    let ai_agent = tenant::ai_agent(&api, &id, &admin).await?;
    let experience = api
        .create(
            &format!("{base}/experiences"),
            &admin,
            json!({
                "name": "Help",
                "support_mode": support_mode,
                "ai_agent": ai_agent,
                "routed_space": space,
                "fallback_message": "Nobody is free right now; email help@example.com.",
            }),
        )
        .await?;
    let widget = tenant::widget(&api, &id, &admin, &field(&experience, "id")?).await?;
    Ok(Team {
        tenant: id,
        identity_secret: field(&answer, "identity_secret")?,
        widget,
        space,
        admin_token: admin,
        agent_tokens,
    })
}
