//! The fields of an admin: its role and experiences, a free email address,
//! and its JSON shape (the first site admin's included).

use serde_json::{Value, json};
use switchboard_bus::config::keys;
use switchboard_contracts::ids::{ExperienceId, TenantId};
use switchboard_contracts::v1::{Admin, AdminRole, Experience, Tenant};

use crate::api::admins::{FIRST, tenant_admins};
use crate::api::render::rfc3339_ms;
use crate::api::validate::clip;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn role(value: &str) -> ApiResult<AdminRole> {
    match value {
        "site_admin" => Ok(AdminRole::Site),
        "experience_admin" => Ok(AdminRole::Experience),
        other => Err(ApiError::invalid(
            "role",
            format!(
                "`{}` is not one of site_admin, experience_admin",
                clip(other)
            ),
        )),
    }
}

fn role_name(role: AdminRole) -> &'static str {
    match role {
        AdminRole::Experience => "experience_admin",
        _ => "site_admin",
    }
}

/// The experiences an admin of `role` is given: at least one for an
/// experience admin, each an experience of this tenant (the error names
/// `experiences[i]`); none for a site admin, who has them all.
pub async fn experiences(
    state: &AppState,
    tenant: TenantId,
    role: AdminRole,
    given: Option<&[String]>,
) -> ApiResult<Vec<String>> {
    let given = given.unwrap_or_default();
    if role == AdminRole::Site {
        if !given.is_empty() {
            return Err(ApiError::invalid(
                "experiences",
                "a site admin configures every experience; leave it out or make it empty",
            ));
        }
        return Ok(Vec::new());
    }
    if given.is_empty() {
        return Err(ApiError::invalid(
            "experiences",
            "an experience admin needs at least one experience",
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(given.len());
    for (i, raw) in given.iter().enumerate() {
        let unknown = || {
            ApiError::invalid(
                &format!("experiences[{i}]"),
                format!("`{}` is not an experience of this tenant", clip(raw)),
            )
        };
        let id: ExperienceId = raw.parse().map_err(|_| unknown())?;
        let id = id.to_string();
        let known = state
            .config_cache
            .get_or_fetch::<Experience>(&keys::experience(&id))
            .await?
            .is_some_and(|e| e.tenant == tenant.to_string());
        if !known {
            return Err(unknown());
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// 409 when another admin of the tenant has this email address.
pub fn ensure_email_free(
    state: &AppState,
    tenant: TenantId,
    email: &str,
    except: Option<&str>,
) -> ApiResult<()> {
    let taken = tenant_admins(state, tenant)
        .iter()
        .any(|a| Some(a.id.as_str()) != except && a.email.eq_ignore_ascii_case(email));
    if taken {
        return Err(ApiError::Conflict(format!(
            "email: another admin already uses `{}`",
            clip(email)
        )));
    }
    Ok(())
}

/// An admin (never their token).
pub fn admin_json(admin: &Admin) -> Value {
    json!({
        "id": admin.id,
        "name": admin.name,
        "email": admin.email,
        "role": role_name(admin.role()),
        "experiences": admin.experiences,
        "first": false,
        "active": !admin.deactivated,
        "created_at": rfc3339_ms(admin.created_at_ms),
    })
}

pub fn first_json(tenant: &Tenant) -> Value {
    json!({
        "id": FIRST,
        "name": "First site admin",
        "email": null,
        "role": "site_admin",
        "experiences": [],
        "first": true,
        "active": true,
        "created_at": rfc3339_ms(tenant.created_at_ms),
    })
}
