//! Widgets of an experience: the hosted support site, or an embed snippet
//! for another website, which only the origins on its allow-list may use
//! (the customer WebSocket checks `Origin` against them). An embed widget
//! may also list native apps, which connect without `Origin` by naming
//! themselves (`app=`). Experience admins manage the widgets of their own
//! experiences.

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
/// Likewise for apps.
pub const APPS_MAX: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWidget {
    kind: String,
    #[serde(default)]
    allowed_origins: Option<Vec<String>>,
    #[serde(default)]
    allowed_apps: Option<Vec<String>>,
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
    let (allowed_origins, allowed_apps) = allow_lists(
        kind,
        body.allowed_origins.as_deref().unwrap_or_default(),
        body.allowed_apps.as_deref().unwrap_or_default(),
    )?;
    let mut widget = Widget {
        id: WidgetId::new().to_string(),
        tenant: admin.id.to_string(),
        experience: experience.id,
        allowed_origins,
        allowed_apps,
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
    #[serde(default)]
    allowed_origins: Option<Vec<String>>,
    #[serde(default)]
    allowed_apps: Option<Vec<String>>,
}

/// Replaces a widget's allow-lists: each one given replaces its list, a
/// missing one stays as it is.
pub async fn update(
    State(state): State<AppState>,
    admin: AnyAdmin,
    Path((_, experience, widget)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<UpdateWidget>,
) -> ApiResult<axum::Json<Value>> {
    if body.allowed_origins.is_none() && body.allowed_apps.is_none() {
        return Err(ApiError::invalid(
            "allowed_origins",
            "give allowed_origins, allowed_apps or both",
        ));
    }
    let widget = load_in(&state, &admin, &experience, &widget).await?;
    let (allowed_origins, allowed_apps) = allow_lists(
        widget.kind(),
        body.allowed_origins
            .as_deref()
            .unwrap_or(&widget.allowed_origins),
        body.allowed_apps.as_deref().unwrap_or(&widget.allowed_apps),
    )?;
    let widget = state
        .config_cache
        .update(
            &keys::widget(&widget.id),
            |mut widget: Widget| -> ApiResult<Widget> {
                widget.allowed_origins.clone_from(&allowed_origins);
                widget.allowed_apps.clone_from(&allowed_apps);
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

/// Deletes a widget (204). A conversation open on it ends with the
/// fallback (the transcript service sees the delete) and stays readable;
/// new sockets and the support page find no widget.
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

/// The allowed origins and apps, normalised and without repeats. An embed
/// widget needs at least one of either, or nothing could use it; apps are
/// for embed widgets only (a support site takes clients without `Origin`
/// anyway).
fn allow_lists(
    kind: WidgetKind,
    origins: &[String],
    apps: &[String],
) -> ApiResult<(Vec<String>, Vec<String>)> {
    if kind == WidgetKind::Embed && origins.is_empty() && apps.is_empty() {
        return Err(ApiError::invalid(
            "allowed_origins",
            "an embed widget needs at least one origin, like https://shop.example.com \
             (or an app in allowed_apps)",
        ));
    }
    if kind != WidgetKind::Embed && !apps.is_empty() {
        return Err(ApiError::invalid(
            "allowed_apps",
            "only an embed widget lists apps; a support_site widget already accepts \
             clients that send no Origin",
        ));
    }
    let origins = unique("allowed_origins", origins, ORIGINS_MAX, validate::origin)?;
    let apps = unique("allowed_apps", apps, APPS_MAX, validate::app_id)?;
    Ok((origins, apps))
}

/// Each entry of `given` checked by `check` (which names `field[i]`), at
/// most `max` of them, repeats dropped.
fn unique(
    field: &str,
    given: &[String],
    max: usize,
    check: fn(&str, &str) -> ApiResult<String>,
) -> ApiResult<Vec<String>> {
    if given.len() > max {
        return Err(ApiError::invalid(
            field,
            format!("at most {max} entries (got {})", given.len()),
        ));
    }
    let mut kept = Vec::with_capacity(given.len());
    for (i, raw) in given.iter().enumerate() {
        let entry = check(&format!("{field}[{i}]"), raw)?;
        if !kept.contains(&entry) {
            kept.push(entry);
        }
    }
    Ok(kept)
}
