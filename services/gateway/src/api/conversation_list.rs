//! The admin console's conversation list: `GET …/conversations`, newest
//! first, one page at a time. The transcript service owns the list and pages
//! it by keyset (`sb.rpc.transcript.{tenant}.conversations`); the gateway
//! checks the parameters and the caller's role and renders the page.
//!
//! Admins only. An experience admin sees the conversations of its own
//! experiences, and filtering on another experience is 403.
//!
//! `since` and `until` (RFC 3339) bound the creation time: from `since`
//! inclusive to `until` exclusive, so consecutive ranges neither overlap nor
//! leave a gap.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{ExperienceId, SpaceId};
use switchboard_contracts::names::WireName;
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{
    ConversationList, ConversationListItem, ConversationListQuery, ConversationState, EndReason,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::access::{AdminScope, AnyAdmin};
use crate::api::conversations::RPC_TIMEOUT;
use crate::api::page::{self, Page};
use crate::api::render::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    space: Option<String>,
    #[serde(default)]
    experience: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    admin: AnyAdmin,
    params: Result<Query<Params>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let Query(params) = params.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let query = understand(&admin.scope, params)?;
    let Some(mut query) = query else {
        // An experience admin without experiences sees nothing.
        return Ok(axum::Json(json!({"items": [], "next_cursor": null})));
    };
    query.tenant = admin.id.to_string();
    let page: ConversationList = state
        .bus
        .request(
            subjects::conversation_list_rpc(admin.id),
            &query,
            RPC_TIMEOUT,
        )
        .await?;
    match ErrorCode::parse(&page.error) {
        None if page.error.is_empty() => {}
        // Every other parameter was checked here; only the cursor is the
        // transcript service's to judge.
        Some(ErrorCode::Invalid) => {
            return Err(ApiError::BadRequest(
                "cursor: is not a cursor this list handed out".into(),
            ));
        }
        _ => {
            tracing::warn!(code = %page.error, "conversation list failed");
            return Err(ApiError::Unavailable(
                "the conversations could not be listed; retry shortly".into(),
            ));
        }
    }
    let items: Vec<Value> = page.items.iter().map(item_json).collect();
    let next = Some(page.next_cursor).filter(|c| !c.is_empty());
    Ok(axum::Json(json!({"items": items, "next_cursor": next})))
}

/// The checked query; `None` when the caller may see no conversation at all.
fn understand(scope: &AdminScope, params: Params) -> ApiResult<Option<ConversationListQuery>> {
    let given = |value: Option<String>| value.filter(|v| !v.is_empty());
    // The cursor is the transcript service's own (opaque hex); only the
    // limit is read here, as on every list.
    let limit = Page::read("conversations", page::LISTS, params.limit.as_deref(), None)?.limit;
    let state = match given(params.state) {
        None => String::new(),
        Some(name) => ConversationState::from_wire_name(&name)
            .filter(|s| *s != ConversationState::Unspecified)
            .map(|s| s.wire_name().to_owned())
            .ok_or_else(|| ApiError::invalid("state", "must be ai, queued, live or ended"))?,
    };
    let space = given(params.space)
        .map(|s| {
            s.parse::<SpaceId>()
                .map(|id| id.to_string())
                .map_err(|_| ApiError::invalid("space", "must be a space id"))
        })
        .transpose()?
        .unwrap_or_default();
    let since = given(params.since)
        .map(|text| epoch_ms("since", &text))
        .transpose()?;
    let until = given(params.until)
        .map(|text| epoch_ms("until", &text))
        .transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        return Err(ApiError::invalid("until", "must not be before `since`"));
    }
    let experiences = match given(params.experience) {
        Some(text) => {
            let id = text
                .parse::<ExperienceId>()
                .map_err(|_| ApiError::invalid("experience", "must be an experience id"))?
                .to_string();
            scope.require(&id)?;
            vec![id]
        }
        None => match scope {
            AdminScope::Site => Vec::new(),
            AdminScope::Experiences(ids) if ids.is_empty() => return Ok(None),
            AdminScope::Experiences(ids) => ids.clone(),
        },
    };
    Ok(Some(ConversationListQuery {
        tenant: String::new(),
        state,
        space,
        experiences,
        limit,
        cursor: given(params.cursor).unwrap_or_default(),
        since_ms: since,
        until_ms: until,
    }))
}

/// An RFC 3339 time as epoch milliseconds. A `+` of an offset that reached
/// us as a space (an unencoded `+` in a query string) is read as the `+` it
/// was: RFC 3339 as parsed here has no other place for a space.
fn epoch_ms(field: &str, text: &str) -> ApiResult<i64> {
    let bad = || {
        ApiError::invalid(
            field,
            "must be an RFC 3339 time, like 2026-11-24T09:30:00Z or 2026-11-24T10:30:00+01:00",
        )
    };
    let at = OffsetDateTime::parse(&text.trim().replace(' ', "+"), &Rfc3339).map_err(|_| bad())?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).map_err(|_| bad())
}

fn item_json(item: &ConversationListItem) -> Value {
    let info = item.info.clone().unwrap_or_default();
    let customer = info.customer.clone().unwrap_or_default();
    let state = match info.state() {
        ConversationState::Unspecified => None,
        state => Some(state.wire_name()),
    };
    let ended_reason = match info.end_reason() {
        EndReason::Unspecified => None,
        reason => Some(reason.wire_name()),
    };
    let optional = |text: &str| Some(text.to_owned()).filter(|t| !t.is_empty());
    json!({
        "id": info.id,
        "state": state,
        "experience": info.experience,
        "space": optional(&info.routed_space),
        "customer": {
            "name": customer.name,
            "email": optional(&customer.email),
            "signed_in": customer.signed_in,
        },
        "created_at": rfc3339_ms(info.created_at_ms),
        "updated_at": rfc3339_ms(item.updated_at_ms),
        "ended_reason": ended_reason,
    })
}
