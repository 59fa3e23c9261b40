//! Tenants (the operator's API) and a tenant's chat settings (its admins').
//!
//! Creating a tenant mints its admin token and identity secret and shows
//! them once; only the admin token's hash is stored, under `token.{sha256}`
//! with a grant naming the tenant and the role, and the identity secret is
//! stored sealed ([`crate::secrets`]). Every edit of the record here seals
//! a secret an earlier release left in clear.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::{Edition, Tenant, TokenGrant};

use crate::api::access::{AdminScope, scope_of};
use crate::api::admins::FIRST;
use crate::api::extract::{ApiJson, Operator, TenantAdmin, load_tenant, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::{chat_settings_json, tenant_json};
use crate::api::validate;
use crate::auth::{self, ROLE_ADMIN};
use crate::error::ApiResult;
use crate::secrets::identity;
use crate::state::AppState;

/// "Maximum conversations" of a new tenant (SPEC §5).
pub const DEFAULT_MAXIMUM_CONVERSATIONS: u32 = 3;
/// The allowed range of "Maximum conversations".
pub const MAXIMUM_CONVERSATIONS: std::ops::RangeInclusive<i64> = 1..=20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    name: String,
    edition: String,
}

pub async fn create(
    State(state): State<AppState>,
    _: Operator,
    ApiJson(body): ApiJson<CreateTenant>,
) -> ApiResult<impl IntoResponse> {
    let name = validate::name("name", &body.name)?;
    let edition: Edition = validate::wire("edition", &body.edition)?;

    let id = TenantId::new();
    let admin_token = auth::new_secret("sb_admin_");
    let identity_secret = auth::new_secret("sb_idsec_");
    let token_hash = auth::hash_token(&admin_token);
    let mut tenant = Tenant {
        id: id.to_string(),
        name,
        admin_token_sha256: token_hash.clone(),
        maximum_conversations: DEFAULT_MAXIMUM_CONVERSATIONS,
        created_at_ms: now_ms(),
        ..Tenant::default()
    };
    tenant.set_edition(edition);
    identity::store(&mut tenant, &state.settings.secret_keys, &identity_secret);
    // The tenant first: a grant without its tenant would only ever lead to
    // 404s, but a tenant without a grant could never be administered.
    state
        .config_cache
        .create(&keys::tenant(id), &tenant)
        .await?;
    let grant = TokenGrant {
        tenant: id.to_string(),
        role: ROLE_ADMIN.to_owned(),
        subject: String::new(),
    };
    state
        .config_cache
        .create(&keys::token(&token_hash), &grant)
        .await?;
    tracing::info!(tenant = %id, edition = ?edition, "tenant created");

    let mut body = tenant_json(&tenant);
    body["admin_token"] = json!(admin_token);
    body["identity_secret"] = json!(identity_secret);
    Ok((StatusCode::CREATED, axum::Json(body)))
}

/// Every tenant, oldest first (the operator's overview, e.g. the CLI's
/// `tenants list`); no secrets, as [`show`].
/// A page of every tenant, oldest first (`?limit=&cursor=`).
pub async fn list(
    State(state): State<AppState>,
    _: Operator,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let page = Page::from_query("tenants", page::LISTS, page)?;
    let mut tenants: Vec<Tenant> = state.config_cache.list::<Tenant>(&keys::tenant(""));
    // Ids are time-ordered, so this lists tenants oldest first.
    tenants.sort_by(|a, b| a.id.cmp(&b.id));
    let (tenants, next) = page.slice(tenants, |t| t.id.clone());
    let tenants: Vec<Value> = tenants.iter().map(tenant_json).collect();
    Ok(axum::Json(page::body_with_legacy(tenants, next, "tenants")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    edition: Option<String>,
}

/// Changes a tenant's name or edition. A downgrade keeps every setting as it
/// is (SPEC §2): experiences in team modes stay configured, and the services
/// stop routing to people while the edition does not allow it.
pub async fn update(
    State(state): State<AppState>,
    _: Operator,
    Path(tenant): Path<String>,
    ApiJson(body): ApiJson<UpdateTenant>,
) -> ApiResult<axum::Json<Value>> {
    let id: TenantId = path_id(&tenant, "tenant")?;
    load_tenant(&state, id).await?;
    let name = body
        .name
        .as_deref()
        .map(|n| validate::name("name", n))
        .transpose()?;
    let edition = body
        .edition
        .as_deref()
        .map(|e| validate::wire::<Edition>("edition", e))
        .transpose()?;
    let tenant = state
        .config_cache
        .update(
            &keys::tenant(id),
            |mut tenant: Tenant| -> ApiResult<Tenant> {
                identity::prepare_write(&mut tenant, &state.settings.secret_keys, now_ms());
                if let Some(name) = &name {
                    tenant.name.clone_from(name);
                }
                if let Some(edition) = edition {
                    tenant.set_edition(edition);
                }
                Ok(tenant)
            },
        )
        .await?;
    tracing::info!(tenant = %id, edition = ?tenant.edition(), "tenant updated");
    Ok(axum::Json(tenant_json(&tenant)))
}

/// The operator or any admin of the tenant. An admin's answer also says
/// who they are (`admin: {id, role, experiences}`), so a console knows what
/// to offer them.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    let id: TenantId = path_id(&tenant, "tenant")?;
    let caller = if auth::require_operator(&state, &headers).is_err() {
        let grant = auth::require_tenant_role(&state, &headers, id, &[ROLE_ADMIN]).await?;
        let scope = scope_of(&state, id, &grant).await?;
        Some(caller_json(&grant.subject, &scope))
    } else {
        None
    };
    let tenant = load_tenant(&state, id).await?;
    let mut body = tenant_json(&tenant);
    // While a rotation's overlap runs, when the replaced secret stops.
    let until = tenant.previous_identity_secret_until_ms;
    body["previous_identity_secret_valid_until"] = json!(
        (tenant.previous_identity_secret_sealed.is_some() && until > now_ms())
            .then(|| crate::api::render::rfc3339_ms(until))
    );
    if let Some(caller) = caller {
        body["admin"] = caller;
    }
    Ok(axum::Json(body))
}

fn caller_json(subject: &str, scope: &AdminScope) -> Value {
    let id = if subject.is_empty() { FIRST } else { subject };
    match scope {
        AdminScope::Site => json!({"id": id, "role": "site_admin", "experiences": []}),
        AdminScope::Experiences(ids) => {
            json!({"id": id, "role": "experience_admin", "experiences": ids})
        }
    }
}

pub async fn show_chat_settings(admin: TenantAdmin) -> axum::Json<Value> {
    axum::Json(chat_settings_json(&admin.tenant))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateChatSettings {
    // Wide integer so 0, -1 and 1000 reach the range check (422) instead of
    // failing as a type error (400).
    maximum_conversations: i64,
}

/// Sets "Maximum conversations". Lowering it reassigns nothing: agents above
/// the new limit just get no new offers until they are below it.
pub async fn update_chat_settings(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<UpdateChatSettings>,
) -> ApiResult<axum::Json<Value>> {
    if !MAXIMUM_CONVERSATIONS.contains(&body.maximum_conversations) {
        return Err(crate::error::ApiError::invalid(
            "maximum_conversations",
            format!(
                "must be an integer from {} to {} (got {})",
                MAXIMUM_CONVERSATIONS.start(),
                MAXIMUM_CONVERSATIONS.end(),
                body.maximum_conversations
            ),
        ));
    }
    let maximum =
        u32::try_from(body.maximum_conversations).unwrap_or(DEFAULT_MAXIMUM_CONVERSATIONS);
    let tenant = state
        .config_cache
        .update(
            &keys::tenant(admin.id),
            |mut tenant: Tenant| -> ApiResult<Tenant> {
                identity::prepare_write(&mut tenant, &state.settings.secret_keys, now_ms());
                tenant.maximum_conversations = maximum;
                Ok(tenant)
            },
        )
        .await?;
    Ok(axum::Json(chat_settings_json(&tenant)))
}

pub use switchboard_runtime::clock::now_ms;
