//! Webhook subscriptions (CONTRACT §2, "Webhooks"; docs/webhooks.md): site
//! admins only. A subscription is configuration (`webhook.{tenant}.{id}`,
//! written with compare-and-set like every record), its secret sealed with
//! `SWITCHBOARD_SECRET_KEY` and shown once, at creation. Whether it is
//! paused and its delivery log belong to the webhook service, asked over
//! `sb.rpc.webhook.{tenant}`. Resuming (`PATCH {active: true}`) raises the
//! record's generation, which ends a pause.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::webhook_request::Request;
use switchboard_contracts::v1::{
    Webhook, WebhookDeliveriesQuery, WebhookReply, WebhookRequest, WebhookState, WebhookStatesQuery,
};
use switchboard_contracts::webhooks::secret_context;
use switchboard_runtime::clock::now_ms;

use crate::api::conversations::RPC_TIMEOUT;
use crate::api::extract::{ApiJson, TenantAdmin};
use crate::api::webhook_fields::{self as fields, delivery_json, webhook_json};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    url: String,
    events: Vec<String>,
    #[serde(default)]
    secret: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> ApiResult<impl IntoResponse> {
    let allow_private = state.settings.webhook_allow_private;
    let url = fields::url(&body.url, allow_private)?;
    let events = fields::events(&body.events)?;
    let secret = fields::secret(body.secret.as_deref())?;
    let id = uuid::Uuid::now_v7().to_string();
    let hook = Webhook {
        secret: Some(
            state
                .settings
                .secret_keys
                .seal(&secret, &secret_context(&id)),
        ),
        id,
        tenant: admin.id.to_string(),
        url,
        events,
        disabled: false,
        generation: 0,
        created_at_ms: now_ms(),
    };
    state
        .config_cache
        .create(&keys::webhook(admin.id, &hook.id), &hook)
        .await?;
    tracing::info!(tenant = %admin.id, webhook = %hook.id, "webhook subscription created");
    let mut shown = webhook_json(&hook, Some(None));
    shown["secret"] = json!(secret);
    Ok((StatusCode::CREATED, axum::Json(shown)))
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

/// A tenant's subscriptions, oldest first (ids are time-ordered), a page at
/// a time; the cursor is the last id shown, encoded.
pub async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    params: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let Query(params) = params.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let limit = fields::limit(params.limit.as_deref())? as usize;
    let after = match params.cursor.filter(|c| !c.is_empty()) {
        None => String::new(),
        Some(cursor) => URL_SAFE_NO_PAD
            .decode(&cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this list handed out"))?,
    };
    let mut hooks: Vec<Webhook> = state
        .config_cache
        .list::<Webhook>(&keys::tenant_webhooks(admin.id))
        .into_iter()
        .filter(|h| h.id > after)
        .collect();
    hooks.sort_by(|a, b| a.id.cmp(&b.id));
    let next_cursor = (hooks.len() > limit).then(|| URL_SAFE_NO_PAD.encode(&hooks[limit - 1].id));
    hooks.truncate(limit);
    let ids: Vec<String> = hooks.iter().map(|h| h.id.clone()).collect();
    let states = states(&state, admin.id, ids).await;
    let items: Vec<Value> = hooks
        .iter()
        .map(|hook| webhook_json(hook, states.as_ref().map(|s| s.get(&hook.id))))
        .collect();
    Ok(axum::Json(
        json!({"items": items, "next_cursor": next_cursor}),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let hook = load(&state, admin.id, &id).await?;
    Ok(axum::Json(rendered(&state, admin.id, &hook).await))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    /// `false` switches deliveries off; `true` switches them on and ends a
    /// pause.
    #[serde(default)]
    active: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> ApiResult<axum::Json<Value>> {
    let hook = load(&state, admin.id, &id).await?;
    let allow_private = state.settings.webhook_allow_private;
    let url = body
        .url
        .as_deref()
        .map(|u| fields::url(u, allow_private))
        .transpose()?;
    let events = body.events.as_deref().map(fields::events).transpose()?;
    let hook = state
        .config_cache
        .update(
            &keys::webhook(admin.id, &hook.id),
            |mut hook: Webhook| -> ApiResult<Webhook> {
                if let Some(url) = &url {
                    hook.url.clone_from(url);
                }
                if let Some(events) = &events {
                    hook.events.clone_from(events);
                }
                match body.active {
                    Some(true) => {
                        hook.disabled = false;
                        hook.generation += 1;
                    }
                    Some(false) => hook.disabled = true,
                    None => {}
                }
                Ok(hook)
            },
        )
        .await?;
    Ok(axum::Json(rendered(&state, admin.id, &hook).await))
}

pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let hook = load(&state, admin.id, &id).await?;
    state
        .config_cache
        .delete(&keys::webhook(admin.id, &hook.id))
        .await?;
    tracing::info!(tenant = %admin.id, webhook = %hook.id, "webhook subscription deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The delivery log, newest first, a page at a time (the webhook service's
/// cursor, passed through).
pub async fn deliveries(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let Query(params) = params.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let hook = load(&state, admin.id, &id).await?;
    let query = WebhookDeliveriesQuery {
        subscription: hook.id,
        limit: fields::limit(params.limit.as_deref())?,
        cursor: params.cursor.unwrap_or_default(),
    };
    let reply = ask(&state, admin.id, Request::Deliveries(query)).await?;
    let items: Vec<Value> = reply.deliveries.iter().map(delivery_json).collect();
    let next = Some(reply.next_cursor).filter(|c| !c.is_empty());
    Ok(axum::Json(json!({"items": items, "next_cursor": next})))
}

/// A subscription with its delivery state.
async fn rendered(state: &AppState, tenant: TenantId, hook: &Webhook) -> Value {
    let states = states(state, tenant, vec![hook.id.clone()]).await;
    webhook_json(hook, states.as_ref().map(|s| s.get(&hook.id)))
}

/// The delivery states of `ids`; `None` when the webhook service did not
/// answer (the subscriptions still show, their status `unknown`).
async fn states(
    state: &AppState,
    tenant: TenantId,
    ids: Vec<String>,
) -> Option<HashMap<String, WebhookState>> {
    if ids.is_empty() {
        return Some(HashMap::new());
    }
    let query = WebhookStatesQuery { subscriptions: ids };
    match ask(state, tenant, Request::States(query)).await {
        Ok(reply) => Some(
            reply
                .states
                .into_iter()
                .map(|s| (s.subscription.clone(), s))
                .collect(),
        ),
        Err(error) => {
            tracing::warn!(error = error.message(), "webhook states unavailable");
            None
        }
    }
}

async fn ask(state: &AppState, tenant: TenantId, request: Request) -> ApiResult<WebhookReply> {
    let request = WebhookRequest {
        tenant: tenant.to_string(),
        request: Some(request),
    };
    let reply: WebhookReply = state
        .bus
        .request(subjects::webhook_rpc(tenant), &request, RPC_TIMEOUT)
        .await?;
    match ErrorCode::parse(&reply.error) {
        None if reply.error.is_empty() => Ok(reply),
        Some(ErrorCode::Invalid) => Err(ApiError::Invalid(reply.message)),
        _ => {
            tracing::warn!(code = %reply.error, "webhook request failed");
            Err(ApiError::Unavailable(
                "webhook deliveries are temporarily unavailable; retry shortly".into(),
            ))
        }
    }
}

/// A subscription of this tenant; another tenant's is as unknown as a
/// missing one.
async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<Webhook> {
    let id = uuid::Uuid::parse_str(raw_id)
        .map_err(|_| ApiError::not_found("webhook"))?
        .to_string();
    state
        .config_cache
        .get_or_fetch::<Webhook>(&keys::webhook(tenant, &id))
        .await?
        .filter(|h| h.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("webhook"))
}
