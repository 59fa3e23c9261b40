//! AI agents: a knowledge base of question/answer pairs, the "next steps"
//! message given when a customer asks for a person in `ai_agent` mode, and
//! whether the built-in agent or an external AI platform answers, and the
//! built-in agent's handoff settings ([`crate::api::ai_handoff`]).
//!
//! Unpublishing an agent that experiences use is allowed (customers then
//! get no AI answers there); configuring an experience with an unpublished
//! agent is not.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{AiAgentId, TenantId};
use switchboard_contracts::v1::{AiAgent, AiKind, Knowledge};

use crate::api::ai_handoff::{self, HandoffBody};
use crate::api::experiences;
use crate::api::extract::{ApiJson, TenantAdmin, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::ai_agent_json;
use crate::api::validate;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const KNOWLEDGE_MAX_ENTRIES: usize = 500;
pub const QUESTION_MAX: usize = 500;
pub const ANSWER_MAX: usize = 4_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeEntry {
    question: String,
    answer: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAiAgent {
    name: String,
    #[serde(default)]
    published: bool,
    #[serde(default)]
    knowledge: Vec<KnowledgeEntry>,
    #[serde(default)]
    next_steps: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    handoff: Option<HandoffBody>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<CreateAiAgent>,
) -> ApiResult<impl IntoResponse> {
    let mut agent = AiAgent {
        id: AiAgentId::new().to_string(),
        tenant: admin.id.to_string(),
        name: validate::name("name", &body.name)?,
        published: body.published,
        knowledge: knowledge(&body.knowledge)?,
        next_steps: next_steps(body.next_steps.as_deref())?,
        ..AiAgent::default()
    };
    agent.set_kind(kind(body.kind.as_deref())?.unwrap_or(AiKind::Builtin));
    let handoff = body.handoff.unwrap_or_default();
    agent.handoff = Some(ai_handoff::merge(ai_handoff::effective(&agent), &handoff)?);
    state
        .config_cache
        .create(&keys::ai_agent(&agent.id), &agent)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(ai_agent_json(&agent))))
}

/// A page of the tenant's AI agents, oldest first (`?limit=&cursor=`).
pub async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let page = Page::from_query("ai_agents", page::LISTS, page)?;
    let mut agents: Vec<AiAgent> = state
        .config_cache
        .list::<AiAgent>(&keys::ai_agent(""))
        .into_iter()
        .filter(|a| a.tenant == admin.tenant.id)
        .collect();
    agents.sort_by(|a, b| a.id.cmp(&b.id));
    let (agents, next) = page.slice(agents, |a| a.id.clone());
    let agents: Vec<Value> = agents.iter().map(ai_agent_json).collect();
    Ok(axum::Json(page::body_with_legacy(
        agents,
        next,
        "ai_agents",
    )))
}

pub async fn show(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let agent = load(&state, admin.id, &id).await?;
    Ok(axum::Json(ai_agent_json(&agent)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAiAgent {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    published: Option<bool>,
    /// Replaces the whole knowledge base.
    #[serde(default)]
    knowledge: Option<Vec<KnowledgeEntry>>,
    /// An empty string clears it.
    #[serde(default)]
    next_steps: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    /// Only the fields given change.
    #[serde(default)]
    handoff: Option<HandoffBody>,
}

pub async fn update(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateAiAgent>,
) -> ApiResult<axum::Json<Value>> {
    let agent = load(&state, admin.id, &id).await?;
    // Everything is checked before anything is changed.
    let name = body
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()?;
    let knowledge = body.knowledge.as_deref().map(knowledge).transpose()?;
    let next_steps = body
        .next_steps
        .as_deref()
        .map(|n| next_steps(Some(n)))
        .transpose()?;
    let kind = kind(body.kind.as_deref())?;
    if let Some(handoff) = &body.handoff {
        ai_handoff::merge(ai_handoff::effective(&agent), handoff)?;
    }
    // Applied to the record as stored when written: a concurrent edit of
    // other fields (or of other handoff settings) is kept.
    let edit = |mut agent: AiAgent| -> ApiResult<AiAgent> {
        if let Some(name) = &name {
            agent.name.clone_from(name);
        }
        if let Some(published) = body.published {
            agent.published = published;
        }
        if let Some(knowledge) = &knowledge {
            agent.knowledge.clone_from(knowledge);
        }
        if let Some(next_steps) = &next_steps {
            agent.next_steps.clone_from(next_steps);
        }
        if let Some(kind) = kind {
            agent.set_kind(kind);
        }
        if let Some(handoff) = &body.handoff {
            agent.handoff = Some(ai_handoff::merge(ai_handoff::effective(&agent), handoff)?);
        }
        Ok(agent)
    };
    let agent = state
        .config_cache
        .update(&keys::ai_agent(&agent.id), edit)
        .await?;
    Ok(axum::Json(ai_agent_json(&agent)))
}

/// Deletes an AI agent (204). Refused (409, naming them) while experiences
/// use it: choose another AI agent there first, so no new conversation is
/// left without the agent that answers it. Conversations it is still
/// answering from before end with the fallback (the transcript service sees
/// the delete) and stay readable.
pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let agent = load(&state, admin.id, &id).await?;
    if let Some(users) = experiences::users_of(&state, admin.id, |e| e.ai_agent == agent.id) {
        return Err(ApiError::Conflict(format!(
            "the AI agent `{}` answers in {users}; choose another AI agent there first",
            agent.name
        )));
    }
    state
        .config_cache
        .delete(&keys::ai_agent(&agent.id))
        .await?;
    tracing::info!(tenant = %admin.id, ai_agent = %agent.id, "AI agent deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// An AI agent of this tenant; another tenant's agent is as unknown as a
/// missing one.
pub async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<AiAgent> {
    let id: AiAgentId = path_id(raw_id, "AI agent")?;
    state
        .config_cache
        .get_or_fetch::<AiAgent>(&keys::ai_agent(id))
        .await?
        .filter(|a| a.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("AI agent"))
}

fn knowledge(entries: &[KnowledgeEntry]) -> ApiResult<Vec<Knowledge>> {
    if entries.len() > KNOWLEDGE_MAX_ENTRIES {
        return Err(ApiError::invalid(
            "knowledge",
            format!(
                "at most {KNOWLEDGE_MAX_ENTRIES} entries (got {})",
                entries.len()
            ),
        ));
    }
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            Ok(Knowledge {
                question: validate::required_text(
                    &format!("knowledge[{i}].question"),
                    &entry.question,
                    QUESTION_MAX,
                )?,
                answer: validate::required_text(
                    &format!("knowledge[{i}].answer"),
                    &entry.answer,
                    ANSWER_MAX,
                )?,
            })
        })
        .collect()
}

fn next_steps(text: Option<&str>) -> ApiResult<String> {
    validate::optional_text("next_steps", text.unwrap_or_default(), validate::TEXT_MAX)
}

fn kind(text: Option<&str>) -> ApiResult<Option<AiKind>> {
    text.map(|k| validate::wire::<AiKind>("kind", k))
        .transpose()
}
