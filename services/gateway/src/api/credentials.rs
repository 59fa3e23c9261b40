//! Bearer credentials of admins and agents: minting one, and revoking the
//! others of the same holder so a reissued or deleted credential stops
//! working at once.
//!
//! A token is shown once; only its SHA-256 is stored, as the key of a
//! [`TokenGrant`] naming the tenant, the role and the holder (`subject`).

use switchboard_bus::config::keys;
use switchboard_contracts::v1::{Tenant, TokenGrant};

use crate::auth::{self, ROLE_ADMIN};
use crate::error::ApiResult;
use crate::state::AppState;

/// Who a credential belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub tenant: &'a str,
    /// [`auth::ROLE_ADMIN`] or [`auth::ROLE_AGENT`].
    pub role: &'a str,
    /// The admin's or agent's id; empty for the first site admin.
    pub subject: &'a str,
}

impl Holder<'_> {
    fn owns(&self, grant: &TokenGrant) -> bool {
        grant.tenant == self.tenant && grant.role == self.role && grant.subject == self.subject
    }
}

/// Mints a token for `holder`, stores its grant and returns the token.
pub async fn issue(state: &AppState, holder: Holder<'_>, prefix: &str) -> ApiResult<String> {
    let token = auth::new_secret(prefix);
    let grant = TokenGrant {
        tenant: holder.tenant.to_owned(),
        role: holder.role.to_owned(),
        subject: holder.subject.to_owned(),
    };
    state
        .config_cache
        .create(&keys::token(&auth::hash_token(&token)), &grant)
        .await?;
    Ok(token)
}

/// Deletes every grant of `holder` except the one of `keep` (a token).
pub async fn revoke(state: &AppState, holder: Holder<'_>, keep: Option<&str>) -> ApiResult<()> {
    let kept = keep.map(|token| keys::token(&auth::hash_token(token)));
    let doomed: Vec<String> = state
        .config_cache
        .entries::<TokenGrant>(&keys::token(""))
        .into_iter()
        .filter(|(key, grant)| Some(key) != kept.as_ref() && holder.owns(grant))
        .map(|(key, _)| key)
        .collect();
    for key in doomed {
        state.config_cache.delete(&key).await?;
    }
    Ok(())
}

/// A new token for `holder` that replaces all of its earlier ones.
pub async fn reissue(state: &AppState, holder: Holder<'_>, prefix: &str) -> ApiResult<String> {
    let token = issue(state, holder, prefix).await?;
    revoke(state, holder, Some(&token)).await?;
    Ok(token)
}

/// Reissues the tenant's first site admin (its `admin_token`): the tenant
/// record keeps the new hash, and every earlier token of it stops working.
pub async fn reissue_first_admin(state: &AppState, tenant: Tenant) -> ApiResult<String> {
    let id = tenant.id;
    let holder = Holder {
        tenant: &id,
        role: ROLE_ADMIN,
        subject: "",
    };
    let token = issue(state, holder, "sb_admin_").await?;
    let hash = auth::hash_token(&token);
    state
        .config_cache
        .update(
            &keys::tenant(&id),
            |mut tenant: Tenant| -> ApiResult<Tenant> {
                tenant.admin_token_sha256.clone_from(&hash);
                Ok(tenant)
            },
        )
        .await?;
    revoke(state, holder, Some(&token)).await?;
    tracing::info!(tenant = %id, "first site admin token reissued");
    Ok(token)
}
