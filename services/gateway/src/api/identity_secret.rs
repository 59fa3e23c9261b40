//! Rotating the tenant's identity secret (SPEC §11), the secret its own
//! site signs customer JWTs with: `POST /api/v1/tenants/{tenant}/identity-secret`
//! `{overlap?}` → 201 `{identity_secret, previous_valid_until}`.
//!
//! The new secret is shown once, like the first one. With an `overlap`
//! (`24h`, `20m`, `1500ms`; at most 30 days) tokens signed with the secret
//! it replaces are still accepted until `previous_valid_until`, so the site
//! can switch its signing over without signing anyone out; without one the
//! old secret stops at once (what a leaked secret calls for). Site admins
//! only: one secret serves every experience of the tenant.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;
use switchboard_bus::config::keys;
use switchboard_contracts::v1::Tenant;
use switchboard_runtime::config::parse_duration;

use crate::api::extract::{ApiJson, TenantAdmin};
use crate::api::render::rfc3339_ms;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::secrets::identity;
use crate::state::AppState;

/// The longest overlap: a site that needs longer to switch should rotate
/// when it is ready.
pub const MAX_OVERLAP: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// How long the replaced secret stays valid; absent = not at all.
    #[serde(default)]
    overlap: Option<String>,
}

/// Reads `overlap` like every duration of the project (`20m`, `120s`,
/// `1500ms`), from 0 to [`MAX_OVERLAP`].
pub fn overlap(raw: Option<&str>) -> ApiResult<Duration> {
    let Some(raw) = raw else {
        return Ok(Duration::ZERO);
    };
    let overlap = parse_duration(raw).map_err(|reason| ApiError::invalid("overlap", reason))?;
    if overlap > MAX_OVERLAP {
        return Err(ApiError::invalid(
            "overlap",
            format!("`{raw}` is longer than the most allowed, 30 days (720h)"),
        ));
    }
    Ok(overlap)
}

pub async fn rotate(
    State(state): State<AppState>,
    admin: TenantAdmin,
    ApiJson(body): ApiJson<Rotate>,
) -> ApiResult<impl IntoResponse> {
    let overlap = overlap(body.overlap.as_deref())?;
    let secret = auth::new_secret("sb_idsec_");
    let now = switchboard_runtime::clock::now_ms();
    let secret_keys = &state.settings.secret_keys;
    let mut valid_until = None;
    state
        .config_cache
        .update(
            &keys::tenant(admin.id),
            |mut tenant: Tenant| -> ApiResult<Tenant> {
                identity::prepare_write(&mut tenant, secret_keys, now);
                valid_until = identity::rotate(&mut tenant, secret_keys, &secret, now, overlap)
                    .map_err(|error| {
                        ApiError::Conflict(format!(
                            "the current identity secret cannot be read by this gateway \
                             ({error}), so it cannot stay valid for an overlap; rotate \
                             without an overlap to replace it at once"
                        ))
                    })?;
                Ok(tenant)
            },
        )
        .await?;
    tracing::info!(
        tenant = %admin.id,
        overlap_ms = overlap.as_millis() as u64,
        "identity secret rotated"
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "identity_secret": secret,
            "previous_valid_until": valid_until.map(rfc3339_ms),
        })),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlap_reads_like_every_duration_and_is_bounded() {
        assert_eq!(overlap(None).unwrap(), Duration::ZERO);
        assert_eq!(overlap(Some("24h")).unwrap(), Duration::from_secs(86_400));
        assert_eq!(
            overlap(Some("1500ms")).unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(overlap(Some("720h")).unwrap(), MAX_OVERLAP);
        for bad in ["soon", "721h", "-1s", ""] {
            let error = overlap(Some(bad)).unwrap_err();
            assert_eq!(error.code(), "invalid");
            assert!(error.message().starts_with("overlap"), "{bad}: {error:?}");
        }
    }
}
