//! Spaces: a support team's home, with live chat on (the default) or off.
//!
//! Turning live chat off is allowed while experiences route to the space:
//! their customers then get the fallback message instead of a person
//! (SPEC §4), and turning it back on restores routing.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{SpaceId, TenantId};
use switchboard_contracts::v1::{Agent, Space};

use switchboard_bus::config::EditError;

use crate::api::experiences;
use crate::api::extract::{ApiJson, TenantAdmin, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::space_json;
use crate::api::validate;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSpace {
    name: String,
    #[serde(default)]
    live_chat: Option<bool>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<CreateSpace>,
) -> ApiResult<impl IntoResponse> {
    let space = Space {
        id: SpaceId::new().to_string(),
        tenant: admin.id.to_string(),
        name: validate::name("name", &body.name)?,
        live_chat: body.live_chat.unwrap_or(true),
    };
    state
        .config_cache
        .create(&keys::space(&space.id), &space)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(space_json(&space))))
}

/// A page of the tenant's spaces, oldest first (`?limit=&cursor=`).
pub async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let page = Page::from_query("spaces", page::LISTS, page)?;
    let mut spaces: Vec<Space> = state
        .config_cache
        .list::<Space>(&keys::space(""))
        .into_iter()
        .filter(|s| s.tenant == admin.tenant.id)
        .collect();
    // Ids are time-ordered, so this lists spaces oldest first.
    spaces.sort_by(|a, b| a.id.cmp(&b.id));
    let (spaces, next) = page.slice(spaces, |s| s.id.clone());
    let spaces: Vec<Value> = spaces.iter().map(space_json).collect();
    Ok(axum::Json(page::body_with_legacy(spaces, next, "spaces")))
}

pub async fn show(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, space)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let space = load(&state, admin.id, &space).await?;
    Ok(axum::Json(space_json(&space)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSpace {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    live_chat: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, space)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateSpace>,
) -> ApiResult<axum::Json<Value>> {
    let space = load(&state, admin.id, &space).await?;
    let name = body
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()?;
    let space = state
        .config_cache
        .update(
            &keys::space(&space.id),
            |mut space: Space| -> ApiResult<Space> {
                if let Some(name) = &name {
                    space.name.clone_from(name);
                }
                if let Some(live_chat) = body.live_chat {
                    space.live_chat = live_chat;
                }
                Ok(space)
            },
        )
        .await?;
    Ok(axum::Json(space_json(&space)))
}

/// Deletes a space (204). Refused (409, naming them) while experiences
/// route to it: route them elsewhere first, so no new conversation can be
/// sent to a space that is gone. The space leaves every agent's list.
/// Conversations still waiting or live there from before end with the
/// fallback (the transcript service sees the delete; docs/protocol.md,
/// "Deleting"); all stay readable, and work items stay.
pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, space)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let space = load(&state, admin.id, &space).await?;
    if let Some(users) = experiences::users_of(&state, admin.id, |e| e.routed_space == space.id) {
        return Err(ApiError::Conflict(format!(
            "the space `{}` is the routed space of {users}; route it elsewhere first",
            space.name
        )));
    }
    let members: Vec<Agent> = state
        .config_cache
        .list::<Agent>(&keys::agent(""))
        .into_iter()
        .filter(|a| a.tenant == space.tenant && a.spaces.contains(&space.id))
        .collect();
    for agent in members {
        let left = state
            .config_cache
            .update(
                &keys::agent(&agent.id),
                |mut agent: Agent| -> ApiResult<Agent> {
                    agent.spaces.retain(|s| *s != space.id);
                    Ok(agent)
                },
            )
            .await;
        match left {
            // Deleted meanwhile: nothing left to leave.
            Ok(_) | Err(EditError::Missing(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    state.config_cache.delete(&keys::space(&space.id)).await?;
    tracing::info!(tenant = %admin.id, space = %space.id, "space deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A space of this tenant; another tenant's space is as unknown as a
/// missing one.
pub async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<Space> {
    let id: SpaceId = path_id(raw_id, "space")?;
    state
        .config_cache
        .get_or_fetch::<Space>(&keys::space(id))
        .await?
        .filter(|s| s.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("space"))
}
