//! A tenant's admins (SPEC §10), managed by its site admins: site admins
//! configure everything, experience admins only the experiences listed.
//!
//! The tenant's `admin_token` is its first site admin. It has no record of
//! its own; it is listed with the id [`FIRST`], cannot be deleted (someone
//! must always be able to administer the tenant), and its token can be
//! reissued here or by the operator. Every other admin is an `admin.{id}`
//! record with a token of its own, shown once; an email address names one
//! admin per tenant (409 otherwise).
//!
//! A site admin can deactivate another admin (`PATCH {"active": false}`):
//! their tokens are then refused with 401 naming why
//! ([`crate::api::access::scope_of`]) until they are reactivated with
//! `{"active": true}`; their record and tokens are kept meanwhile. The
//! first site admin cannot be deactivated (409), like it cannot be deleted.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_bus::config::EditError;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::{Admin, AdminRole};
use uuid::Uuid;

use crate::api::access::admin_key;
use crate::api::admin_fields::{admin_json, ensure_email_free, experiences, first_json, role};
use crate::api::credentials::{self, Holder};
use crate::api::email::email;
use crate::api::extract::{ApiJson, Operator, TenantAdmin, load_tenant, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::tenants::now_ms;
use crate::api::validate;
use crate::auth::ROLE_ADMIN;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The id under which the tenant's first site admin is listed.
pub const FIRST: &str = "first";

const TOKEN_PREFIX: &str = "sb_admin_";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAdmin {
    name: String,
    email: String,
    role: String,
    #[serde(default)]
    experiences: Option<Vec<String>>,
}

pub async fn create(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<CreateAdmin>,
) -> ApiResult<impl IntoResponse> {
    let name = validate::name("name", &body.name)?;
    let email = email("email", &body.email)?;
    let role = role(&body.role)?;
    let experiences = experiences(&state, admin.id, role, body.experiences.as_deref()).await?;
    ensure_email_free(&state, admin.id, &email, None)?;
    let record = Admin {
        id: Uuid::now_v7().to_string(),
        tenant: admin.id.to_string(),
        name,
        email,
        role: role as i32,
        experiences,
        created_at_ms: now_ms(),
        deactivated: false,
    };
    // The record before its grant: a grant without its admin is refused.
    state
        .config_cache
        .create(&admin_key(&record.id), &record)
        .await?;
    let token = credentials::issue(&state, holder(&record), TOKEN_PREFIX).await?;
    tracing::info!(tenant = %admin.id, admin = %record.id, "admin created");
    let mut body = admin_json(&record);
    body["token"] = json!(token);
    Ok((StatusCode::CREATED, axum::Json(body)))
}

/// The first site admin, then the others oldest first.
/// A page of the tenant's admins (`?limit=&cursor=`): the first site admin,
/// then the others oldest first.
pub async fn list(
    State(state): State<AppState>,
    admin: TenantAdmin,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let page = Page::from_query("admins", page::LISTS, page)?;
    let mut admins = tenant_admins(&state, admin.id);
    admins.sort_by(|a, b| a.id.cmp(&b.id));
    // The first site admin sorts before every id: its key is empty.
    let keyed: Vec<(String, Value)> = std::iter::once((String::new(), first_json(&admin.tenant)))
        .chain(admins.iter().map(|a| (a.id.clone(), admin_json(a))))
        .collect();
    let (keyed, next) = page.slice(keyed, |(key, _)| key.clone());
    let rendered: Vec<Value> = keyed.into_iter().map(|(_, json)| json).collect();
    Ok(axum::Json(page::body_with_legacy(rendered, next, "admins")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAdmin {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    experiences: Option<Vec<String>>,
    /// `false` deactivates the admin, `true` reactivates them.
    #[serde(default)]
    active: Option<bool>,
}

/// Changes an admin's name, email, role, experiences or whether they are
/// active (checked together, before anything is written).
pub async fn update(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateAdmin>,
) -> ApiResult<axum::Json<Value>> {
    if id == FIRST && body.active == Some(false) {
        return Err(ApiError::Conflict(
            "the first site admin cannot be deactivated; reissue its token instead".into(),
        ));
    }
    let record = load(&state, admin.id, &id).await?;
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
    let role = body.role.as_deref().map(role).transpose()?;
    let new_role = role.unwrap_or(record.role());
    // `None`: the request leaves them as they are when written.
    let experiences = match (body.experiences.as_deref(), role) {
        (Some(given), _) => Some(experiences(&state, admin.id, new_role, Some(given)).await?),
        (None, None) => None,
        (None, Some(AdminRole::Site)) => Some(Vec::new()),
        (None, Some(_)) => {
            Some(experiences(&state, admin.id, new_role, Some(&record.experiences)).await?)
        }
    };
    if let Some(email) = &email {
        ensure_email_free(&state, admin.id, email, Some(&record.id))?;
    }
    let record = state
        .config_cache
        .update(
            &admin_key(&record.id),
            |mut record: Admin| -> ApiResult<Admin> {
                if let Some(name) = &name {
                    record.name.clone_from(name);
                }
                if let Some(email) = &email {
                    record.email.clone_from(email);
                }
                if let Some(role) = role {
                    record.set_role(role);
                }
                if let Some(experiences) = &experiences {
                    record.experiences.clone_from(experiences);
                }
                if let Some(active) = body.active {
                    record.deactivated = !active;
                }
                Ok(record)
            },
        )
        .await?;
    if let Some(active) = body.active {
        let change = if active { "reactivated" } else { "deactivated" };
        tracing::info!(tenant = %admin.id, admin = %record.id, "admin {change}");
    }
    Ok(axum::Json(admin_json(&record)))
}

/// Deletes an admin and every token of theirs (204). The first site admin
/// cannot be deleted (409).
pub async fn delete(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    if id == FIRST {
        return Err(ApiError::Conflict(
            "the first site admin cannot be deleted; reissue its token instead".into(),
        ));
    }
    let record = load(&state, admin.id, &id).await?;
    state.config_cache.delete(&admin_key(&record.id)).await?;
    credentials::revoke(&state, holder(&record), None).await?;
    tracing::info!(tenant = %admin.id, admin = %record.id, "admin deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A new token for the admin; every earlier one stops working.
pub async fn reissue_token(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let token = if id == FIRST {
        credentials::reissue_first_admin(&state, admin.tenant).await?
    } else {
        let record = load(&state, admin.id, &id).await?;
        let token = credentials::reissue(&state, holder(&record), TOKEN_PREFIX).await?;
        tracing::info!(tenant = %admin.id, admin = %record.id, "admin token reissued");
        token
    };
    Ok(axum::Json(json!({"token": token})))
}

/// The operator reissues a tenant's first site admin (when its token is
/// lost): `POST /api/v1/tenants/{tenant}/admin-token`.
pub async fn reissue_first(
    State(state): State<AppState>,
    _: Operator,
    Path(tenant): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    let id: TenantId = path_id(&tenant, "tenant")?;
    let tenant = load_tenant(&state, id).await?;
    let token = credentials::reissue_first_admin(&state, tenant).await?;
    Ok(axum::Json(json!({"token": token})))
}

/// Removes a deleted experience from every experience admin's list.
pub async fn forget_experience(
    state: &AppState,
    tenant: TenantId,
    experience: &str,
) -> ApiResult<()> {
    for record in tenant_admins(state, tenant) {
        if record.experiences.iter().any(|e| e == experience) {
            let forgotten = state
                .config_cache
                .update(
                    &admin_key(&record.id),
                    |mut record: Admin| -> ApiResult<Admin> {
                        record.experiences.retain(|e| e != experience);
                        Ok(record)
                    },
                )
                .await;
            match forgotten {
                // Deleted meanwhile: nothing left to forget.
                Ok(_) | Err(EditError::Missing(_)) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

pub fn tenant_admins(state: &AppState, tenant: TenantId) -> Vec<Admin> {
    state
        .config_cache
        .list::<Admin>(&admin_key(""))
        .into_iter()
        .filter(|a| a.tenant == tenant.to_string())
        .collect()
}

async fn load(state: &AppState, tenant: TenantId, raw_id: &str) -> ApiResult<Admin> {
    let id: Uuid = path_id(raw_id, "admin")?;
    state
        .config_cache
        .get_or_fetch::<Admin>(&admin_key(id.hyphenated()))
        .await?
        .filter(|a| a.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::not_found("admin"))
}

fn holder(admin: &Admin) -> Holder<'_> {
    Holder {
        tenant: &admin.tenant,
        role: ROLE_ADMIN,
        subject: &admin.id,
    }
}
