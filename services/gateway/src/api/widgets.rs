//! Widgets of an experience: the hosted support site, or an embed snippet
//! for another website, which only the origins on its allow-list may use
//! (the customer WebSocket checks `Origin` against them). Experience admins
//! manage the widgets of their own experiences.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{TenantId, WidgetId};
use switchboard_contracts::v1::{Widget, WidgetKind};

use crate::api::access::AnyAdmin;
use crate::api::experiences;
use crate::api::extract::{ApiJson, path_id};
use crate::api::render::widget_json;
use crate::api::validate;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// More origins than a site owner plausibly has; it bounds the check.
pub const ORIGINS_MAX: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWidget {
    kind: String,
    #[serde(default)]
    allowed_origins: Option<Vec<String>>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, experience)): Path<(String, String)>,
    ApiJson(body): ApiJson<CreateWidget>,
) -> ApiResult<impl IntoResponse> {
    admin.scope.require(&experience)?;
    let experience = experiences::load(&state, admin.id, &experience).await?;
    let kind: WidgetKind = validate::wire("kind", &body.kind)?;
    let mut widget = Widget {
        id: WidgetId::new().to_string(),
        tenant: admin.id.to_string(),
        experience: experience.id,
        allowed_origins: origins(kind, body.allowed_origins.as_deref())?,
        ..Widget::default()
    };
    widget.set_kind(kind);
    state
        .config_cache
        .create(&keys::widget(&widget.id), &widget)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(widget_json(&widget, &state.public_url)),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWidget {
    allowed_origins: Vec<String>,
}

/// Replaces a widget's allow-list.
pub async fn update(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, experience, widget)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<UpdateWidget>,
) -> ApiResult<axum::Json<Value>> {
    let widget = load_in(&state, &admin, &experience, &widget).await?;
    let allowed = origins(widget.kind(), Some(&body.allowed_origins))?;
    let widget = state
        .config_cache
        .update(
            &keys::widget(&widget.id),
            |mut widget: Widget| -> ApiResult<Widget> {
                widget.allowed_origins.clone_from(&allowed);
                Ok(widget)
            },
        )
        .await?;
    Ok(axum::Json(widget_json(&widget, &state.public_url)))
}

pub async fn show(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, experience, widget)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let widget = load_in(&state, &admin, &experience, &widget).await?;
    Ok(axum::Json(widget_json(&widget, &state.public_url)))
}

/// Deletes a widget (204). A customer socket already open on it keeps its
/// conversation, which stays readable and ends as usual; new sockets and
/// the support page find no widget.
pub async fn delete(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, experience, widget)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let widget = load_in(&state, &admin, &experience, &widget).await?;
    state.config_cache.delete(&keys::widget(&widget.id)).await?;
    tracing::info!(tenant = %admin.id, widget = %widget.id, "widget deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A widget of an experience the admin may configure (403 otherwise), 404
/// when the experience has no such widget.
async fn load_in(
    state: &AppState,
    admin: &AnyAdmin,
    experience: &str,
    widget: &str,
) -> ApiResult<Widget> {
    admin.scope.require(experience)?;
    let experience = experiences::load(state, admin.id, experience).await?;
    let widget = load(state, admin.id, widget).await?;
    if widget.experience != experience.id {
        return Err(ApiError::not_found("widget"));
    }
    Ok(widget)
}

async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<Widget> {
    let id: WidgetId = path_id(raw_id, "widget")?;
    state
        .config_cache
        .get_or_fetch::<Widget>(&keys::widget(id))
        .await?
        .filter(|w| w.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("widget"))
}

/// The allow-list, normalised and without repeats. An embed widget needs at
/// least one origin: without one no browser page could use it.
fn origins(kind: WidgetKind, given: Option<&[String]>) -> ApiResult<Vec<String>> {
    let given = given.unwrap_or_default();
    if kind == WidgetKind::Embed && given.is_empty() {
        return Err(ApiError::invalid(
            "allowed_origins",
            "an embed widget needs at least one origin, like https://shop.example.com",
        ));
    }
    if given.len() > ORIGINS_MAX {
        return Err(ApiError::invalid(
            "allowed_origins",
            format!("at most {ORIGINS_MAX} origins (got {})", given.len()),
        ));
    }
    let mut origins = Vec::with_capacity(given.len());
    for (i, raw) in given.iter().enumerate() {
        let origin = validate::origin(&format!("allowed_origins[{i}]"), raw)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}
