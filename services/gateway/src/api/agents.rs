//! Human agents (the tenant admin's API): members of one or more spaces, each
//! with a bearer token for the agent console and the work-item API.
//!
//! An agent can be deactivated (`PATCH {"active": false}`) and reactivated:
//! a deactivated agent keeps their record, spaces and token, but cannot sign
//! in; their open consoles close at once on every gateway
//! ([`crate::agent_ws::revocation`]), the router stops offering them
//! conversations, and their live conversations end with the fallback (the
//! transcript service sees the change), as when an agent is deleted.
//!
//! The token is shown once, when the agent is created or the token rotated;
//! only its hash is stored (`token.{sha256}` → `TokenGrant{role: "agent",
//! subject: agent id}`). Rotating deletes every earlier grant of the agent,
//! so a leaked token stops working at once; deleting the agent deletes them
//! all.
//!
//! Agents can be created on every edition: live chat is what the edition
//! gates (an experience in a team mode, SPEC §2), and a tenant that upgrades
//! should find its team already set up. On `standard` they simply get no
//! chats. An email address names one agent per tenant (409 otherwise), also
//! when two gateways add agents at once ([`agent_emails`]).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{AgentId, SpaceId, TenantId};
use switchboard_contracts::v1::{Agent, Space};

use crate::api::agent_emails;
use crate::api::credentials::{self, Holder};
use crate::api::email::email;
use crate::api::extract::{ApiJson, TenantAdmin, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::agent_json;
use crate::api::tenants::now_ms;
use crate::api::validate;
use crate::auth::ROLE_AGENT;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const TOKEN_PREFIX: &str = "sb_agent_";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAgent {
    name: String,
    email: String,
    spaces: Vec<String>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<CreateAgent>,
) -> ApiResult<impl IntoResponse> {
    let name = validate::name("name", &body.name)?;
    let email = email("email", &body.email)?;
    let spaces = member_spaces(&state, admin.id, &body.spaces).await?;
    agent_emails::ensure_free(&state, admin.id, &email, None).await?;
    let agent = Agent {
        id: AgentId::new().to_string(),
        tenant: admin.id.to_string(),
        name,
        email,
        spaces,
        created_at_ms: now_ms(),
        deactivated: false,
    };
    // The record, its address claim, then its grant: a claim names an agent
    // that carries the address, and a grant without its agent is refused
    // (see `TenantMember`), so a failure in between leaves nothing usable.
    state
        .config_cache
        .create(&keys::agent(&agent.id), &agent)
        .await?;
    if let Err(error) = agent_emails::claim(&state, &agent).await {
        // Another agent has the address: this one never was.
        if let Err(undo) = state.config_cache.delete(&keys::agent(&agent.id)).await {
            tracing::warn!(error = %undo, agent = %agent.id, "an agent refused its address stays");
        }
        return Err(error);
    }
    let token = credentials::issue(&state, holder(&agent), TOKEN_PREFIX).await?;
    tracing::info!(tenant = %admin.id, agent = %agent.id, "agent created");
    let mut body = agent_json(&agent);
    body["token"] = json!(token);
    Ok((StatusCode::CREATED, axum::Json(body)))
}

/// A page of the tenant's agents, oldest first (`?limit=&cursor=`).
pub async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let page = Page::from_query("agents", page::LISTS, page)?;
    let mut agents: Vec<Agent> = state
        .config_cache
        .list::<Agent>(&keys::agent(""))
        .into_iter()
        .filter(|a| a.tenant == admin.tenant.id)
        .collect();
    // Ids are time-ordered: oldest first.
    agents.sort_by(|a, b| a.id.cmp(&b.id));
    let (agents, next) = page.slice(agents, |a| a.id.clone());
    let agents: Vec<Value> = agents.iter().map(agent_json).collect();
    Ok(axum::Json(page::body_with_legacy(agents, next, "agents")))
}

pub async fn show(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, agent)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let agent = load(&state, admin.id, &agent).await?;
    Ok(axum::Json(agent_json(&agent)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    spaces: Option<Vec<String>>,
    /// `false` deactivates the agent, `true` reactivates them.
    #[serde(default)]
    active: Option<bool>,
}

/// Changes an agent; every field is checked before anything is written.
/// Leaving a space withdraws nothing already offered or accepted there.
/// Deactivating is written like any other field; what follows from it
/// (closed consoles, no offers, ended conversations) follows from the
/// record, on every instance that watches the configuration.
pub async fn update(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, agent)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateAgent>,
) -> ApiResult<axum::Json<Value>> {
    let agent = load(&state, admin.id, &agent).await?;
    let name = body
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()?;
    let email = body
        .email
        .as_deref()
        .map(|e| email("email", e))
        .transpose()?;
    let spaces = match &body.spaces {
        Some(spaces) => Some(member_spaces(&state, admin.id, spaces).await?),
        None => None,
    };
    if let Some(email) = &email {
        agent_emails::ensure_free(&state, admin.id, email, Some(&agent.id)).await?;
    }
    let key = keys::agent(&agent.id);
    // The address this edit replaced, if it changed one.
    let mut replaced: Option<String> = None;
    let agent = state
        .config_cache
        .update(&key, |mut agent: Agent| -> ApiResult<Agent> {
            if let Some(name) = &name {
                agent.name.clone_from(name);
            }
            replaced = email
                .as_ref()
                .map(|email| std::mem::replace(&mut agent.email, email.clone()))
                .filter(|old| !old.eq_ignore_ascii_case(&agent.email));
            if let Some(spaces) = &spaces {
                agent.spaces.clone_from(spaces);
            }
            if let Some(active) = body.active {
                agent.deactivated = !active;
            }
            Ok(agent)
        })
        .await?;
    if let Some(active) = body.active {
        let change = if active { "reactivated" } else { "deactivated" };
        tracing::info!(tenant = %admin.id, agent = %agent.id, "agent {change}");
    }
    if let Some(old) = replaced {
        if let Err(error) = agent_emails::claim(&state, &agent).await {
            // Another agent has the new address: put the old one back,
            // unless the address changed again meanwhile.
            let undo = state
                .config_cache
                .update(&key, |mut back: Agent| -> ApiResult<Agent> {
                    if back.email == agent.email {
                        back.email.clone_from(&old);
                    }
                    Ok(back)
                })
                .await;
            if let Err(undo) = undo {
                tracing::warn!(error = ?undo, agent = %agent.id, "an agent keeps a refused address");
            }
            return Err(error);
        }
        agent_emails::release(&state, &agent.tenant, &old, &agent.id).await?;
    }
    Ok(axum::Json(agent_json(&agent)))
}

/// Gives the agent a new token and revokes every earlier one. Every
/// gateway closes the agent's consoles signed in with a revoked token as
/// soon as its configuration watch sees the grant go
/// ([`crate::agent_ws::revocation`]).
pub async fn rotate_token(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, agent)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let agent = load(&state, admin.id, &agent).await?;
    let token = credentials::reissue(&state, holder(&agent), TOKEN_PREFIX).await?;
    tracing::info!(tenant = %admin.id, agent = %agent.id, "agent token rotated");
    let mut body = agent_json(&agent);
    body["token"] = json!(token);
    Ok(axum::Json(body))
}

/// Deletes an agent and every token of theirs. The router sees the agent
/// leave through its configuration watch: no new offers, an outstanding
/// offer moves on; conversations the agent had accepted end with the
/// fallback (the transcript service sees the delete) and stay readable.
pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, agent)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let agent = load(&state, admin.id, &agent).await?;
    // The record first: a grant without its agent is refused already, and
    // a claim without its agent is taken over by the next one to ask.
    state.config_cache.delete(&keys::agent(&agent.id)).await?;
    credentials::revoke(&state, holder(&agent), None).await?;
    agent_emails::release(&state, &agent.tenant, &agent.email, &agent.id).await?;
    tracing::info!(tenant = %admin.id, agent = %agent.id, "agent deleted");
    Ok(StatusCode::NO_CONTENT)
}

fn holder(agent: &Agent) -> Holder<'_> {
    Holder {
        tenant: &agent.tenant,
        role: ROLE_AGENT,
        subject: &agent.id,
    }
}

/// An agent of this tenant; another tenant's agent is as unknown as a
/// missing one.
pub async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<Agent> {
    let id: AgentId = path_id(raw_id, "agent")?;
    state
        .config_cache
        .get_or_fetch::<Agent>(&keys::agent(id))
        .await?
        .filter(|a| a.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("agent"))
}

/// The spaces an agent joins: at least one, each a space of this tenant
/// (the error names `spaces[i]`), duplicates dropped, order kept.
async fn member_spaces(
    state: &AppState,
    tenant: TenantId,
    raw: &[String],
) -> ApiResult<Vec<String>> {
    if raw.is_empty() {
        return Err(ApiError::invalid("spaces", "must name at least one space"));
    }
    let mut spaces: Vec<String> = Vec::with_capacity(raw.len());
    for (i, raw_id) in raw.iter().enumerate() {
        let field = format!("spaces[{i}]");
        let unknown = || {
            ApiError::invalid(
                &field,
                format!("`{}` is not a space of this tenant", validate::clip(raw_id)),
            )
        };
        let id: SpaceId = raw_id.parse().map_err(|_| unknown())?;
        let space = state
            .config_cache
            .get_or_fetch::<Space>(&keys::space(id))
            .await?
            .filter(|s| s.tenant == tenant.to_string())
            .ok_or_else(unknown)?;
        if !spaces.contains(&space.id) {
            spaces.push(space.id);
        }
    }
    Ok(spaces)
}
