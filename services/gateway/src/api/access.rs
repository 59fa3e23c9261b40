//! Which admin is calling and what they may configure (SPEC §10). A site
//! admin configures everything of the tenant; an experience admin only the
//! experiences it is given, with their chat settings and widgets.
//!
//! An admin token's grant names its admin: an empty subject is the tenant's
//! first site admin (the holder of the tenant's `admin_token`), any other
//! subject an `admin.{id}` record. A grant whose record is gone, or belongs
//! to another tenant, proves nothing (401), so deleting an admin is enough
//! to lock them out even before their grants are removed. A deactivated
//! admin's grant is refused too (401), with a message saying so, until a
//! site admin reactivates them.

use std::fmt::Display;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use switchboard_contracts::ids::{ExperienceId, TenantId};
use switchboard_contracts::v1::{Admin, AdminRole, Tenant, TokenGrant};

use crate::api::extract::{load_tenant, rate_limit, tenant_in_path};
use crate::api::rate_limit::ApiCaller;
use crate::auth::{self, ROLE_ADMIN};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The configuration key of an admin record.
pub fn admin_key(id: impl Display) -> String {
    format!("admin.{id}")
}

/// What an admin may configure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminScope {
    /// Everything of the tenant, the site settings and the admins included.
    Site,
    /// These experiences (ids), their settings and widgets, and nothing else.
    Experiences(Vec<String>),
}

impl AdminScope {
    /// Whether the admin may see and configure this experience (an id in
    /// any spelling a path may use; ids are stored in canonical form).
    pub fn covers(&self, experience: &str) -> bool {
        match self {
            AdminScope::Site => true,
            AdminScope::Experiences(ids) => {
                let canonical = experience
                    .parse::<ExperienceId>()
                    .map_or_else(|_| experience.to_owned(), |id| id.to_string());
                ids.contains(&canonical)
            }
        }
    }

    /// 403 unless the admin may configure `experience`. Checked before the
    /// experience is loaded, so an experience admin learns nothing about
    /// experiences it was not given, not even whether they exist.
    pub fn require(&self, experience: &str) -> ApiResult<()> {
        if self.covers(experience) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this experience is not one of the experiences this admin was given; \
                 an experience admin may only configure its own experiences"
                    .into(),
            ))
        }
    }
}

/// The scope of an admin grant of `tenant` (401 when its admin is gone or
/// deactivated).
pub async fn scope_of(
    state: &AppState,
    tenant: TenantId,
    grant: &TokenGrant,
) -> ApiResult<AdminScope> {
    if grant.subject.is_empty() {
        return Ok(AdminScope::Site);
    }
    let admin = state
        .config_cache
        .get_or_fetch::<Admin>(&admin_key(&grant.subject))
        .await?
        .filter(|a| a.tenant == tenant.to_string())
        .ok_or_else(|| ApiError::Unauthorized("the bearer token is not valid".into()))?;
    if admin.deactivated {
        return Err(deactivated_admin());
    }
    match admin.role() {
        AdminRole::Site => Ok(AdminScope::Site),
        AdminRole::Experience => Ok(AdminScope::Experiences(admin.experiences)),
        AdminRole::Unspecified => Err(ApiError::Unauthorized(
            "the bearer token is not valid".into(),
        )),
    }
}

/// The refusal a deactivated admin's token gets.
pub fn deactivated_admin() -> ApiError {
    ApiError::Unauthorized("this admin was deactivated; a site admin can reactivate them".into())
}

/// The refusal an experience admin gets on a site admin's route, naming
/// what the route manages (from its path: `/api/v1/tenants/{t}/{area}/…`).
pub fn site_admin_only(path: &str) -> ApiError {
    let area = path.split('/').nth(5).unwrap_or_default();
    let what = match area {
        "chat-settings" => "the site's chat settings",
        "identity-secret" => "the site's identity secret",
        "spaces" => "spaces",
        "agents" => "agents",
        "ai-agents" => "AI agents",
        "admins" => "admins",
        "experiences" => "creating or deleting experiences",
        "work-items" => "work items",
        "webhooks" => "webhooks",
        _ => "this",
    };
    ApiError::Forbidden(format!(
        "only a site admin may manage {what}; an experience admin may only configure \
         the experiences it was given and their widgets"
    ))
}

/// The caller is an admin of the tenant in the path, of either role; the
/// handler checks [`AdminScope`] against the experience it touches.
#[derive(Debug, Clone)]
pub struct AnyAdmin {
    pub id: TenantId,
    pub tenant: Tenant,
    pub scope: AdminScope,
}

impl FromRequestParts<AppState> for AnyAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = tenant_in_path(parts, state).await?;
        let grant = auth::require_tenant_role(state, &parts.headers, id, &[ROLE_ADMIN]).await?;
        let scope = scope_of(state, id, &grant).await?;
        rate_limit(state, ApiCaller::Admins(id))?;
        let tenant = load_tenant(state, id).await?;
        Ok(Self { id, tenant, scope })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_experience_admin_covers_only_its_experiences() {
        let own = ExperienceId::new().to_string();
        let scope = AdminScope::Experiences(vec![own.clone(), "b".into()]);
        assert!(scope.covers(&own));
        assert!(scope.covers(&own.to_uppercase()), "any spelling of the id");
        assert!(!scope.covers("c"));
        assert_eq!(scope.require("c").unwrap_err().code(), "forbidden");
        assert!(AdminScope::Site.covers("c"));
    }

    #[test]
    fn the_refusal_names_what_the_route_manages() {
        let error = site_admin_only("/api/v1/tenants/t/chat-settings");
        assert_eq!(error.code(), "forbidden");
        assert!(error.message().contains("chat settings"), "{error:?}");
        assert!(
            site_admin_only("/api/v1/tenants/t/ai-agents/x")
                .message()
                .contains("AI agents")
        );
    }
}
