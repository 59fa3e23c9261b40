//! Request extractors that turn every way a request can be wrong into the
//! contract's errors: [`ApiJson`] for bodies (400 naming the field, 413 when
//! too large, 408 when too slow), [`TenantAdmin`] for a site admin's bearer
//! token, the tenant in the path and the admins' rate limit, and
//! [`TenantMember`] for routes an agent may call too. Experience admins pass
//! [`crate::api::access::AnyAdmin`] instead, on the experience routes.

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use switchboard_bus::config::keys;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::{Agent, Tenant};

use crate::api::access::{AdminScope, scope_of, site_admin_only};
use crate::api::rate_limit::ApiCaller;
use crate::auth::{self, ROLE_ADMIN, ROLE_AGENT};
use crate::edge::BodyDeadline;
use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body, parsed strictly: malformed JSON, wrong types and unknown
/// fields are 400 `invalid` with a message naming the field
/// (`knowledge[2].answer: invalid type: ...`). A body still arriving at the
/// request's [`BodyDeadline`] is 408 (and the connection closes: the rest of
/// the body would be read as the next request).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| {
                let essence = v.split(';').next().unwrap_or_default().trim();
                essence.eq_ignore_ascii_case("application/json")
                    || essence.to_ascii_lowercase().ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::BadRequest(
                "the body must be JSON (Content-Type: application/json)".into(),
            ));
        }
        let deadline = request.extensions().get::<BodyDeadline>().copied();
        let bytes = within(deadline, Bytes::from_request(request, state))
            .await?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(format!(
                        "the body is larger than the limit of {} bytes",
                        super::BODY_LIMIT
                    ))
                } else {
                    ApiError::BadRequest(format!(
                        "the body could not be read: {}",
                        rejection.body_text()
                    ))
                }
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads a body by its deadline, if the request has one (408 past it).
async fn within<T>(
    deadline: Option<BodyDeadline>,
    read: impl std::future::Future<Output = T>,
) -> Result<T, ApiError> {
    let Some(deadline) = deadline else {
        return Ok(read.await);
    };
    tokio::time::timeout_at(deadline.at, read)
        .await
        .map_err(|_| {
            ApiError::BodyTimeout(format!(
                "the body did not arrive within {} s of the request's headers",
                deadline.limit.as_secs_f64()
            ))
        })
}

/// Parses JSON text into `T`, naming the field of any problem. Every body
/// is a JSON object: serde would read a struct from an array too (`["Acme",
/// "premium"]`), naming its "fields" `[0]`, `[1]`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let Some(&first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(ApiError::BadRequest(
            "the body is empty; send a JSON object".into(),
        ));
    };
    if first != b'{' {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => ApiError::BadRequest("the body must be a JSON object".into()),
                Err(e) => ApiError::BadRequest(format!("the body is not valid JSON: {e}")),
            },
        );
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(describe)?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Converts an already parsed JSON value into `T`, naming the field of any
/// problem (used where a handler must look at one field before the rest).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(describe)
}

fn describe(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            ApiError::BadRequest(format!("the body is not valid JSON: {inner}"))
        }
        _ if matches!(path.as_str(), "." | "?" | "") => {
            ApiError::BadRequest(format!("the body is not valid: {inner}"))
        }
        _ => ApiError::BadRequest(format!("{path}: {inner}")),
    }
}

/// Parses a path segment as a typed id; text that is not an id names
/// nothing, so it is a 404 like an unknown id.
pub fn path_id<I: std::str::FromStr>(raw: &str, what: &str) -> Result<I, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found(what))
}

/// The caller holds the operator token.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        auth::require_operator(state, &parts.headers)?;
        Ok(Operator)
    }
}

/// The caller is a site admin of the tenant named in the path; an
/// experience admin gets 403 naming what the route manages.
#[derive(Debug, Clone)]
pub struct TenantAdmin {
    pub id: TenantId,
    pub tenant: Tenant,
}

impl FromRequestParts<AppState> for TenantAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = tenant_in_path(parts, state).await?;
        let grant = auth::require_tenant_role(state, &parts.headers, id, &[ROLE_ADMIN]).await?;
        if scope_of(state, id, &grant).await? != AdminScope::Site {
            return Err(site_admin_only(parts.uri.path()));
        }
        rate_limit(state, ApiCaller::Admins(id))?;
        let tenant = load_tenant(state, id).await?;
        Ok(Self { id, tenant })
    }
}

/// Limited after authentication, so strangers cannot spend anyone's
/// budget: the admins of a tenant share one, each agent has their own.
pub fn rate_limit(state: &AppState, caller: ApiCaller<'_>) -> Result<(), ApiError> {
    state.limits.api(caller)
}

/// Who of a tenant is calling.
#[derive(Debug, Clone)]
pub enum Member {
    /// An admin, with what they may see.
    Admin(AdminScope),
    /// A human agent, as their record stands now.
    Agent(Agent),
}

/// The caller is an admin or an agent of the tenant named in the path.
#[derive(Debug, Clone)]
pub struct TenantMember {
    pub id: TenantId,
    pub member: Member,
}

impl TenantMember {
    /// The agent's spaces, or `None` for an admin (who sees every space).
    pub fn spaces(&self) -> Option<&[String]> {
        match &self.member {
            Member::Admin(_) => None,
            Member::Agent(agent) => Some(&agent.spaces),
        }
    }

    /// 403 for an experience admin: for routes about spaces and their
    /// teams, which only site admins and agents see.
    pub fn refuse_experience_admin(&self, what: &str) -> Result<(), ApiError> {
        match &self.member {
            Member::Admin(AdminScope::Experiences(_)) => Err(ApiError::Forbidden(format!(
                "only a site admin or an agent may see {what}; an experience admin may only \
                 configure the experiences it was given and their widgets"
            ))),
            _ => Ok(()),
        }
    }

    /// The agent's id; empty for an admin.
    pub fn agent_id(&self) -> &str {
        match &self.member {
            Member::Admin(_) => "",
            Member::Agent(agent) => &agent.id,
        }
    }
}

impl FromRequestParts<AppState> for TenantMember {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = tenant_in_path(parts, state).await?;
        let grant =
            auth::require_tenant_role(state, &parts.headers, id, &[ROLE_ADMIN, ROLE_AGENT]).await?;
        rate_limit(
            state,
            if grant.role == ROLE_AGENT {
                ApiCaller::Agent(&grant.subject)
            } else {
                ApiCaller::Admins(id)
            },
        )?;
        let member = if grant.role == ROLE_AGENT {
            // A grant whose agent is gone (or belongs elsewhere) proves nothing.
            let agent = state
                .config_cache
                .get_or_fetch::<Agent>(&keys::agent(&grant.subject))
                .await?
                .filter(|a| a.tenant == id.to_string())
                .ok_or_else(|| ApiError::Unauthorized("the bearer token is not valid".into()))?;
            if agent.deactivated {
                return Err(deactivated_agent());
            }
            Member::Agent(agent)
        } else {
            Member::Admin(scope_of(state, id, &grant).await?)
        };
        Ok(Self { id, member })
    }
}

/// The refusal a deactivated agent's token gets, on the API and at the
/// console's `hello`.
pub fn deactivated_agent() -> ApiError {
    ApiError::Unauthorized("this agent was deactivated; a site admin can reactivate them".into())
}

/// The `{tenant}` path parameter as an id (404 when it cannot be one).
pub async fn tenant_in_path(parts: &mut Parts, state: &AppState) -> Result<TenantId, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::not_found("tenant"))?;
    let raw = params
        .iter()
        .find(|(name, _)| *name == "tenant")
        .map(|(_, value)| value)
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    path_id(raw, "tenant")
}

pub async fn load_tenant(state: &AppState, id: TenantId) -> Result<Tenant, ApiError> {
    state
        .config_cache
        .get_or_fetch::<Tenant>(&keys::tenant(id))
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))
}
