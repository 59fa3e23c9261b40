//! Customer experiences: a support mode, the AI agent and routed space it
//! uses, a fallback message, an access rule and its widgets.
//!
//! A body is read as JSON first, then its `support_mode` is checked against
//! the tenant's edition, and only then is the rest parsed and validated, so
//! `edition_required` comes before any other complaint about the request.
//!
//! Site admins create and delete experiences; an experience admin lists,
//! reads and changes only the experiences it was given (403 otherwise).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{AiAgentId, ExperienceId, SpaceId, TenantId};
use switchboard_contracts::v1::{Access, AiAgent, Experience, Space, Widget};

use crate::api::access::AnyAdmin;
use crate::api::admins;
use crate::api::experience_fields::{fallback, nullable, reference, require_object, sign_in_url};
use crate::api::experience_rules::{self, edition_gate, requested_mode};
use crate::api::extract::{ApiJson, TenantAdmin, from_value, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::{experience_json, widget_json};
use crate::api::validate;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateExperience {
    name: String,
    support_mode: String,
    #[serde(default)]
    ai_agent: Option<String>,
    #[serde(default)]
    routed_space: Option<String>,
    #[serde(default)]
    fallback_message: Option<String>,
    #[serde(default)]
    access: Option<String>,
    #[serde(default)]
    sign_in_url: Option<String>,
}

/// In a PATCH, `null` clears an optional setting and a missing field keeps it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateExperience {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    support_mode: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    ai_agent: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    routed_space: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    fallback_message: Option<Option<String>>,
    #[serde(default)]
    access: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    sign_in_url: Option<Option<String>>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    require_object(&body)?;
    if let Some(mode) = requested_mode(&body) {
        edition_gate(mode, admin.tenant.edition())?;
    }
    let body: CreateExperience = from_value(body)?;
    let mut experience = Experience {
        id: ExperienceId::new().to_string(),
        tenant: admin.id.to_string(),
        name: validate::name("name", &body.name)?,
        ai_agent: reference::<AiAgentId>("ai_agent", body.ai_agent.as_deref())?,
        routed_space: reference::<SpaceId>("routed_space", body.routed_space.as_deref())?,
        fallback_message: fallback(body.fallback_message.as_deref())?,
        sign_in_url: sign_in_url(body.sign_in_url.as_deref())?,
        ..Experience::default()
    };
    experience.set_support_mode(validate::wire("support_mode", &body.support_mode)?);
    let access = body
        .access
        .as_deref()
        .map(|a| validate::wire("access", a))
        .transpose()?;
    experience.set_access(access.unwrap_or(Access::Open));
    check_references(&state, admin.id, &experience).await?;
    state
        .config_cache
        .create(&keys::experience(&experience.id), &experience)
        .await?;
    tracing::info!(tenant = %admin.id, experience = %experience.id, "experience created");
    Ok((
        StatusCode::CREATED,
        axum::Json(experience_json(&experience, &[])),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<axum::Json<Value>> {
    admin.scope.require(&id)?;
    let loaded = load(&state, admin.id, &id).await?;
    require_object(&body)?;
    // The edition applies when this request configures live chat: it sets
    // a team mode or changes the routed space. A tenant downgraded to
    // standard keeps its settings and may still rename or reword them.
    let touches_routing = body.get("support_mode").is_some() || body.get("routed_space").is_some();
    if touches_routing {
        let mode = requested_mode(&body).unwrap_or_else(|| loaded.support_mode());
        edition_gate(mode, admin.tenant.edition())?;
    }
    let body: UpdateExperience = from_value(body)?;
    // Every field is checked first; the edit then applies to the record as
    // stored when written, so a concurrent change of other fields is kept.
    let name = body.name.map(|n| validate::name("name", &n)).transpose()?;
    let mode = body
        .support_mode
        .map(|m| validate::wire("support_mode", &m))
        .transpose()?;
    let ai_agent = body
        .ai_agent
        .map(|a| reference::<AiAgentId>("ai_agent", a.as_deref()))
        .transpose()?;
    let routed_space = body
        .routed_space
        .map(|s| reference::<SpaceId>("routed_space", s.as_deref()))
        .transpose()?;
    let fallback_message = body
        .fallback_message
        .map(|m| fallback(m.as_deref()))
        .transpose()?;
    let access = body
        .access
        .map(|a| validate::wire("access", &a))
        .transpose()?;
    let sign_in = body
        .sign_in_url
        .map(|u| sign_in_url(u.as_deref()))
        .transpose()?;
    let apply = |mut experience: Experience| {
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                field.clone_from(value);
            }
        };
        set(&mut experience.name, &name);
        set(&mut experience.ai_agent, &ai_agent);
        set(&mut experience.routed_space, &routed_space);
        set(&mut experience.fallback_message, &fallback_message);
        set(&mut experience.sign_in_url, &sign_in);
        if let Some(mode) = mode {
            experience.set_support_mode(mode);
        }
        if let Some(access) = access {
            experience.set_access(access);
        }
        experience
    };
    check_references(&state, admin.id, &apply(loaded.clone())).await?;
    let experience = state
        .config_cache
        .update(
            &keys::experience(&loaded.id),
            |current| -> ApiResult<Experience> {
                let experience = apply(current);
                check_cached_references(&state, admin.id, &experience)?;
                Ok(experience)
            },
        )
        .await?;
    let widgets = widgets_of(&state, &experience);
    Ok(axum::Json(experience_json(&experience, &widgets)))
}

pub async fn show(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    admin.scope.require(&id)?;
    let experience = load(&state, admin.id, &id).await?;
    let widgets = widgets_of(&state, &experience);
    Ok(axum::Json(experience_json(&experience, &widgets)))
}

/// Every experience of the tenant; an experience admin's own only.
/// A page of the experiences the admin may see, oldest first
/// (`?limit=&cursor=`).
pub async fn list(
    State(state): State<AppState>,
    admin: AnyAdmin,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let page = Page::from_query("experiences", page::LISTS, page)?;
    let mut experiences: Vec<Experience> = state
        .config_cache
        .list::<Experience>(&keys::experience(""))
        .into_iter()
        .filter(|e| e.tenant == admin.tenant.id && admin.scope.covers(&e.id))
        .collect();
    experiences.sort_by(|a, b| a.id.cmp(&b.id));
    let (experiences, next) = page.slice(experiences, |e| e.id.clone());
    let experiences: Vec<Value> = experiences
        .iter()
        .map(|e| experience_json(e, &widgets_of(&state, e)))
        .collect();
    Ok(axum::Json(page::body_with_legacy(
        experiences,
        next,
        "experiences",
    )))
}

/// Deletes an experience with its widgets (204), and takes it off every
/// experience admin's list. Customers on its widgets can start nothing new
/// (the widget is gone); conversations already open end with the fallback
/// (the transcript service sees the delete) and stay readable.
pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let experience = load(&state, admin.id, &id).await?;
    let widgets: Vec<String> = state
        .config_cache
        .list::<Widget>(&keys::widget(""))
        .into_iter()
        .filter(|w| w.experience == experience.id && w.tenant == experience.tenant)
        .map(|w| w.id)
        .collect();
    for widget in widgets {
        state.config_cache.delete(&keys::widget(&widget)).await?;
    }
    state
        .config_cache
        .delete(&keys::experience(&experience.id))
        .await?;
    admins::forget_experience(&state, admin.id, &experience.id).await?;
    tracing::info!(tenant = %admin.id, experience = %experience.id, "experience deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The experiences of the tenant that `uses` picks out, named for a 409
/// that says what still depends on a record (`None` when there are none).
pub fn users_of(
    state: &AppState,
    tenant: TenantId,
    uses: impl Fn(&Experience) -> bool,
) -> Option<String> {
    let mut users: Vec<Experience> = state
        .config_cache
        .list::<Experience>(&keys::experience(""))
        .into_iter()
        .filter(|e| e.tenant == tenant.to_string() && uses(e))
        .collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));
    let names: Vec<String> = users.iter().map(|e| format!("`{}`", e.name)).collect();
    match names.len() {
        0 => None,
        1 => Some(format!("the experience {}", names[0])),
        _ => Some(format!("the experiences {}", names.join(", "))),
    }
}

/// An experience of this tenant; another tenant's is as unknown as a
/// missing one.
pub async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<Experience> {
    let id: ExperienceId = path_id(raw_id, "experience")?;
    state
        .config_cache
        .get_or_fetch::<Experience>(&keys::experience(id))
        .await?
        .filter(|e| e.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("experience"))
}

/// The rendered widgets of an experience, oldest first.
pub fn widgets_of(state: &AppState, experience: &Experience) -> Vec<Value> {
    let mut widgets: Vec<Widget> = state
        .config_cache
        .list::<Widget>(&keys::widget(""))
        .into_iter()
        .filter(|w| w.experience == experience.id && w.tenant == experience.tenant)
        .collect();
    widgets.sort_by(|a, b| a.id.cmp(&b.id));
    widgets
        .iter()
        .map(|w| widget_json(w, &state.public_url))
        .collect()
}

/// Loads what the experience's ids name (fetching what this instance has
/// not seen yet) and applies the configuration rules.
async fn check_references(
    state: &AppState,
    tenant: TenantId,
    experience: &Experience,
) -> ApiResult<()> {
    let cache = &state.config_cache;
    if !experience.ai_agent.is_empty() {
        cache
            .get_or_fetch::<AiAgent>(&keys::ai_agent(&experience.ai_agent))
            .await?;
    }
    if !experience.routed_space.is_empty() {
        cache
            .get_or_fetch::<Space>(&keys::space(&experience.routed_space))
            .await?;
    }
    check_cached_references(state, tenant, experience)
}

/// The configuration rules, with what the experience's ids name (within
/// this tenant) as this instance's cache holds it.
fn check_cached_references(
    state: &AppState,
    tenant: TenantId,
    experience: &Experience,
) -> ApiResult<()> {
    let tenant = tenant.to_string();
    let cache = &state.config_cache;
    let ai_agent = (!experience.ai_agent.is_empty())
        .then(|| cache.get::<AiAgent>(&keys::ai_agent(&experience.ai_agent)))
        .flatten()
        .filter(|a| a.tenant == tenant);
    let space = (!experience.routed_space.is_empty())
        .then(|| cache.get::<Space>(&keys::space(&experience.routed_space)))
        .flatten()
        .filter(|s| s.tenant == tenant);
    experience_rules::check(experience, ai_agent.as_ref(), space.as_ref())
}
