//! Work items (SPEC §4, §7): the team's record of a conversation that
//! reached it. The work-item service owns them; the gateway asks it over the
//! bus (`sb.rpc.workitem.{tenant}`, `WorkItemRequest` → `WorkItemPage`).
//!
//! Agents and admins may call these routes. An agent sees the items of their
//! own spaces only: the gateway passes the agent's spaces with every request
//! and checks the answer again, so an item elsewhere is simply not found.
//! The service's refusals map to the contract: `not_found` → 404, `invalid`
//! → 422, `conflict` → 409; no answer within [`RPC_TIMEOUT`] → 503.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::Value;
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{AgentId, SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::work_item_request::Request;
use switchboard_contracts::v1::{
    WorkItem, WorkItemPage, WorkItemQuery, WorkItemRequest, WorkItemUpdate,
};

use crate::api::conversations::RPC_TIMEOUT;
use crate::api::extract::{ApiJson, Member, TenantMember};
use crate::api::page::{self, Page};
use crate::api::render::work_item_json;
use crate::api::validate;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A work item's statuses, in their usual order.
pub const STATUSES: &[&str] = &["open", "in_progress", "resolved"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(default)]
    space: Option<String>,
    #[serde(default)]
    status: Option<String>,
    /// An agent id, or `me` for the calling agent.
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

/// A page of work items, newest first (`?limit=&cursor=`): the cursor holds
/// the last item's creation time and id, and the service pages on by keyset
/// from there.
pub async fn list(
    State(state): State<AppState>,
    member: TenantMember,
    query: Result<Query<Filter>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    member.refuse_experience_admin("work items")?;
    let Query(filter) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let page = Page::read(
        "work_items",
        page::LISTS,
        filter.limit.as_deref(),
        filter.cursor.as_deref(),
    )?;
    let (after_created_at_ms, after_id) = match &page.after {
        None => (0, String::new()),
        Some(key) => after(key)?,
    };
    let space = given(filter.space)
        .map(|s| parse_id::<SpaceId>("space", &s))
        .transpose()?;
    let status = given(filter.status)
        .map(|s| status("status", &s))
        .transpose()?;
    let assignee = given(filter.assignee)
        .map(|a| assignee(&member, &a))
        .transpose()?;
    // An agent without spaces, or asking about a space they are not in,
    // sees nothing there (never everything: empty spaces mean "any" below).
    if let Some(spaces) = member.spaces()
        && (spaces.is_empty() || space.as_ref().is_some_and(|s| !spaces.contains(s)))
    {
        return Ok(axum::Json(page::body(Vec::new(), None)));
    }
    let query = WorkItemQuery {
        tenant: member.id.to_string(),
        id: String::new(),
        space: space.unwrap_or_default(),
        status: status.unwrap_or_default(),
        assignee: assignee.unwrap_or_default(),
        spaces: member.spaces().map(<[String]>::to_vec).unwrap_or_default(),
        limit: page.limit,
        after_created_at_ms,
        after_id,
    };
    let (items, more) = ask(&state, member.id, Request::Query(query)).await?;
    // The cursor follows the last item the service answered with, before
    // the visibility check, so a page never pages back over what it read.
    let next = items
        .last()
        .filter(|_| more)
        .map(|last| page.cursor(&format!("{}:{}", last.created_at_ms, last.id)));
    let items: Vec<Value> = visible(&member, items).iter().map(work_item_json).collect();
    Ok(axum::Json(page::body(items, next)))
}

/// The `(created_at_ms, id)` a work-item cursor holds.
fn after(key: &str) -> ApiResult<(i64, String)> {
    key.split_once(':')
        .and_then(|(at, id)| Some((at.parse().ok()?, uuid::Uuid::parse_str(id).ok()?)))
        .map(|(at, id)| (at, id.to_string()))
        .ok_or_else(|| ApiError::BadRequest("cursor: is not a cursor this list handed out".into()))
}

pub async fn show(
    State(state): State<AppState>,
    member: TenantMember,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    member.refuse_experience_admin("work items")?;
    let id = item_id(&id)?;
    refuse_spaceless_agent(&member)?;
    let query = WorkItemQuery {
        tenant: member.id.to_string(),
        id,
        spaces: member.spaces().map(<[String]>::to_vec).unwrap_or_default(),
        ..Default::default()
    };
    let (items, _) = ask(&state, member.id, Request::Query(query)).await?;
    one(&member, items)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkItem {
    status: String,
}

/// Moves a work item on (`open` → `in_progress` → `resolved`, or reopens
/// it); the service decides which moves are allowed.
pub async fn update(
    State(state): State<AppState>,
    member: TenantMember,
    Path((_, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateWorkItem>,
) -> ApiResult<axum::Json<Value>> {
    member.refuse_experience_admin("work items")?;
    let id = item_id(&id)?;
    let status = status("status", &body.status)?;
    refuse_spaceless_agent(&member)?;
    let update = WorkItemUpdate {
        tenant: member.id.to_string(),
        id,
        status,
        by: match &member.member {
            Member::Admin(_) => "admin".to_owned(),
            Member::Agent(agent) => agent.id.clone(),
        },
        spaces: member.spaces().map(<[String]>::to_vec).unwrap_or_default(),
    };
    let (items, _) = ask(&state, member.id, Request::Update(update)).await?;
    one(&member, items)
}

/// Asks the work-item service; its refusals become the contract's errors.
/// The items, and whether more follow (a list's next page).
async fn ask(
    state: &AppState,
    tenant: TenantId,
    request: Request,
) -> ApiResult<(Vec<WorkItem>, bool)> {
    let request = WorkItemRequest {
        request: Some(request),
    };
    let page: WorkItemPage = state
        .bus
        .request(subjects::workitem_rpc(tenant), &request, RPC_TIMEOUT)
        .await?;
    let message = |default: &str| {
        if page.message.is_empty() {
            default.to_owned()
        } else {
            page.message.clone()
        }
    };
    match ErrorCode::parse(&page.error) {
        None if page.error.is_empty() => Ok((page.items, page.more)),
        Some(ErrorCode::NotFound) => Err(ApiError::not_found("work item")),
        Some(ErrorCode::Invalid) => Err(ApiError::Invalid(message(
            "status: this change is not allowed",
        ))),
        Some(ErrorCode::Conflict) => Err(ApiError::Conflict(message(
            "the work item changed meanwhile; read it and try again",
        ))),
        _ => {
            tracing::warn!(code = %page.error, "work-item request failed");
            Err(ApiError::Unavailable(
                "work items are temporarily unavailable; retry shortly".into(),
            ))
        }
    }
}

/// The items the caller may see, whatever the service answered.
fn visible(member: &TenantMember, items: Vec<WorkItem>) -> Vec<WorkItem> {
    match member.spaces() {
        None => items,
        Some(spaces) => items
            .into_iter()
            .filter(|item| spaces.contains(&item.space))
            .collect(),
    }
}

fn one(member: &TenantMember, items: Vec<WorkItem>) -> ApiResult<axum::Json<Value>> {
    visible(member, items)
        .first()
        .map(|item| axum::Json(work_item_json(item)))
        .ok_or_else(|| ApiError::not_found("work item"))
}

fn refuse_spaceless_agent(member: &TenantMember) -> ApiResult<()> {
    match member.spaces() {
        Some([]) => Err(ApiError::not_found("work item")),
        _ => Ok(()),
    }
}

/// Work-item ids are UUIDs; anything else names nothing (404).
fn item_id(raw: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|id| id.to_string())
        .map_err(|_| ApiError::not_found("work item"))
}

fn status(field: &str, value: &str) -> ApiResult<String> {
    if STATUSES.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid(
            field,
            format!(
                "`{}` is not one of {}",
                validate::clip(value),
                STATUSES.join(", ")
            ),
        ))
    }
}

fn assignee(member: &TenantMember, value: &str) -> ApiResult<String> {
    match (value, &member.member) {
        ("me", Member::Agent(agent)) => Ok(agent.id.clone()),
        ("me", Member::Admin(_)) => Err(ApiError::invalid(
            "assignee",
            "`me` needs an agent's token; give an agent id",
        )),
        (id, _) => parse_id::<AgentId>("assignee", id),
    }
}

fn parse_id<I: std::str::FromStr + ToString>(field: &str, value: &str) -> ApiResult<String> {
    value
        .parse::<I>()
        .map(|id| id.to_string())
        .map_err(|_| ApiError::invalid(field, format!("`{}` is not an id", validate::clip(value))))
}

/// An absent or empty query parameter is no filter.
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}
