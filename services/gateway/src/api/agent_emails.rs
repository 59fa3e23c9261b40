//! One agent per email address in a tenant, held across gateways by a claim
//! key per address (`agent_email.{tenant}.{sha256}` → the agent's id),
//! created only when absent: of two gateways adding agents with one address
//! at once, exactly one creates the claim.
//!
//! The agent's record is written before its claim (and rolled back when the
//! claim is refused), so a claim always names an agent that carries the
//! address — unless that agent was deleted or moved to another address and
//! the claim's release did not happen. Such a stale claim is taken over,
//! with a compare-and-set so two takers cannot both win. Agents from before
//! claims existed are still found by [`ensure_free`], which looks through
//! this instance's cache first.

use sha2::{Digest, Sha256};
use switchboard_bus::ErrorKind;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::Agent;

use crate::api::validate;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Rounds of create / read / take over before giving up to other writers.
const ATTEMPTS: usize = 3;

/// The claim key of `email` in `tenant` (case does not matter).
pub fn key(tenant: &str, email: &str) -> String {
    let digest = Sha256::digest(email.to_lowercase().as_bytes());
    keys::agent_email(tenant, &hex::encode(digest))
}

/// 409 when another agent of the tenant has this address: any this
/// instance's cache knows of (agents from before claims included), each
/// confirmed against the bucket so an agent another gateway just deleted or
/// moved does not count. A race between gateways is settled by [`claim`].
pub async fn ensure_free(
    state: &AppState,
    tenant: TenantId,
    email: &str,
    except: Option<&str>,
) -> ApiResult<()> {
    let tenant = tenant.to_string();
    let uses = |agent: &Agent| {
        agent.tenant == tenant
            && Some(agent.id.as_str()) != except
            && agent.email.eq_ignore_ascii_case(email)
    };
    let cached: Vec<Agent> = state
        .config_cache
        .list::<Agent>(&keys::agent(""))
        .into_iter()
        .filter(|a| uses(a))
        .collect();
    for agent in cached {
        let stored = state
            .config_cache
            .latest::<Agent>(&keys::agent(&agent.id))
            .await?;
        if stored.is_some_and(|(agent, _)| uses(&agent)) {
            return Err(taken(email));
        }
    }
    Ok(())
}

/// Claims the agent's address for it; 409 when another agent of the tenant
/// holds it. The agent's record must already carry the address.
pub async fn claim(state: &AppState, agent: &Agent) -> ApiResult<()> {
    let cache = &state.config_cache;
    let key = key(&agent.tenant, &agent.email);
    for _ in 0..ATTEMPTS {
        match cache.create(&key, &agent.id).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Conflict => {}
            Err(e) => return Err(e.into()),
        }
        let Some((holder, revision)) = cache.latest::<String>(&key).await? else {
            continue; // released meanwhile: create again
        };
        if holder == agent.id {
            return Ok(()); // a retried request
        }
        if holds(state, &agent.tenant, &holder, &agent.email).await? {
            return Err(taken(&agent.email));
        }
        match cache.replace(&key, &agent.id, revision).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Conflict => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(taken(&agent.email))
}

/// Releases `email` if `agent` (an id) holds it.
pub async fn release(state: &AppState, tenant: &str, email: &str, agent: &str) -> ApiResult<()> {
    state
        .config_cache
        .delete_if::<String>(&key(tenant, email), |holder| holder == agent)
        .await?;
    Ok(())
}

/// The 409 for an address another agent of the tenant uses.
pub fn taken(email: &str) -> ApiError {
    ApiError::Conflict(format!(
        "email: another agent already uses `{}`",
        validate::clip(email)
    ))
}

/// Whether the claim's holder is an agent of the tenant with the address,
/// as the bucket holds it now.
async fn holds(state: &AppState, tenant: &str, holder: &str, email: &str) -> ApiResult<bool> {
    let agent = state
        .config_cache
        .latest::<Agent>(&keys::agent(holder))
        .await?;
    Ok(agent.is_some_and(|(agent, _)| {
        agent.tenant == tenant && agent.email.eq_ignore_ascii_case(email)
    }))
}
