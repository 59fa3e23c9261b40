//! AI platform credentials (CONTRACT.md §4): a site admin gets the NATS
//! credentials of the tenant's external AI platform. Each issue makes a new
//! NATS account, confined by its imports to the tenant's three contract
//! subjects, pushes it to the servers, and revokes the users of the
//! platform accounts issued before, so the latest credentials are the only
//! ones that work. `DELETE` revokes them all.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::AiPlatformAccount;
use switchboard_natsauth::Authority;

use crate::api::extract::TenantAdmin;
use crate::api::tenants::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn authority(state: &AppState) -> ApiResult<&Authority> {
    state.settings.nats_authority.as_deref().ok_or_else(|| {
        ApiError::Unavailable(
            "this deployment issues no AI platform credentials: its gateway has no NATS \
             authority (SWITCHBOARD_NATS_AUTHORITY, written by `make run` for a secured bus)"
                .to_owned(),
        )
    })
}

fn push_failed(e: switchboard_natsauth::AuthError) -> ApiError {
    ApiError::Unavailable(format!("the bus did not take the platform's account: {e}"))
}

/// `POST /api/v1/tenants/{tenant}/ai-platform-credentials` → 201.
pub async fn issue(
    State(state): State<AppState>,
    admin: TenantAdmin,
) -> ApiResult<impl IntoResponse> {
    let authority = authority(&state)?;
    let now_ms = now_ms();
    let issued = authority
        .issue_platform(&admin.id.to_string(), (now_ms / 1000) as u64)
        .map_err(|e| ApiError::Internal(format!("issuing the platform's account: {e}")))?;
    authority
        .push(&state.settings.bus.url, &issued.account_jwt)
        .await
        .map_err(push_failed)?;
    let record = AiPlatformAccount {
        tenant: admin.id.to_string(),
        account: issued.account.clone(),
        issued_at_ms: now_ms,
    };
    state
        .config_cache
        .create(&keys::ai_platform(admin.id, &issued.account), &record)
        .await?;
    revoke_all(&state, authority, admin.id, Some(&issued.account)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "nats_url": state.settings.ai_platform_nats_url,
            "creds": issued.creds,
            "account": issued.account,
            "subjects": {
                "requests": format!("switchboard.ai.request.{}.>", admin.id),
                "replies": format!("switchboard.ai.reply.{}", admin.id),
                "handoffs": format!("switchboard.ai.handoff.{}", admin.id),
            },
        })),
    ))
}

/// `DELETE /api/v1/tenants/{tenant}/ai-platform-credentials` → 204: every
/// platform credential of the tenant stops working.
pub async fn revoke(State(state): State<AppState>, admin: TenantAdmin) -> ApiResult<StatusCode> {
    let authority = authority(&state)?;
    revoke_all(&state, authority, admin.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes the users of every platform account of `tenant` but `keep`, and
/// forgets those accounts.
async fn revoke_all(
    state: &AppState,
    authority: &Authority,
    tenant: TenantId,
    keep: Option<&str>,
) -> ApiResult<()> {
    let prefix = keys::ai_platform(tenant, "");
    let now = (now_ms() / 1000) as u64;
    for (key, account) in state.config_cache.entries::<AiPlatformAccount>(&prefix) {
        if Some(account.account.as_str()) == keep {
            continue;
        }
        let revoked = authority
            .revoke_platform(&account.tenant, &account.account, now)
            .map_err(|e| ApiError::Internal(format!("revoking a platform account: {e}")))?;
        authority
            .push(&state.settings.bus.url, &revoked)
            .await
            .map_err(push_failed)?;
        state.config_cache.delete(&key).await?;
    }
    Ok(())
}
