//! Reading conversations. The transcript service owns them; the gateway asks
//! it over the bus (`sb.rpc.transcript.{tenant}`) and renders the answer.
//! When nobody answers within [`RPC_TIMEOUT`] the caller gets 503
//! `unavailable` and may retry.
//!
//! Site admins read every conversation of their tenant, an experience admin
//! those of its experiences; an agent reads only the
//! conversations they accepted (`info.assignee`), and gets 403 for others.

use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{ConversationInfo, TranscriptPage, TranscriptQuery};

use crate::api::extract::{Member, TenantMember, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::{MessageObject, conversation_json, message_object};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const RPC_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn show(
    State(state): State<AppState>,
    member: TenantMember,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let id: ConversationId = path_id(&id, "conversation")?;
    // Only the conversation's info is needed: ask for its last message.
    let page = query(&state, member.id, id, 1).await?;
    let info = page.info.unwrap_or_default();
    may_read(&member, &info)?;
    Ok(axum::Json(conversation_json(&info)))
}

/// A page of the conversation's messages, oldest first
/// (`?limit=&cursor=`, [`page::TRANSCRIPTS`]). The cursor holds the seq of
/// the last message handed out; messages added later have higher seqs, so a
/// reader paging on sees each message once. `messages` repeats `items` for
/// clients of the time before pages.
pub async fn transcript(
    State(state): State<AppState>,
    member: TenantMember,
    Path((_, id)): Path<(String, String)>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Response> {
    let id: ConversationId = path_id(&id, "conversation")?;
    let page = Page::from_query("transcript", page::TRANSCRIPTS, params)?;
    let after_seq = match &page.after {
        None => 0,
        Some(key) => key.parse::<u64>().map_err(|_| {
            ApiError::BadRequest("cursor: is not a cursor this list handed out".into())
        })?,
    };
    let query = TranscriptQuery {
        tenant: member.id.to_string(),
        conversation: id.to_string(),
        after_seq,
        limit: page.limit,
        tail: false,
    };
    let read = ask(&state, member.id, id, &query).await?;
    let info = read.info.clone().unwrap_or_default();
    may_read(&member, &info)?;
    // The service may hand out fewer than asked (its reply has a size
    // bound): whether more follow is what the thread's last seq says.
    let next = read
        .messages
        .last()
        .filter(|last| last.seq < info.last_seq)
        .map(|last| page.cursor(&last.seq.to_string()));
    let messages: Vec<MessageObject> = read.messages.iter().map(message_object).collect();
    let body = TranscriptBody {
        items: &messages,
        next_cursor: next,
        messages: &messages,
        conversation: id.to_string(),
    };
    Ok(axum::Json(body).into_response())
}

/// A transcript page: the paged list's `items` and `next_cursor`, the same
/// messages under `messages` (the name before paging), and the conversation.
/// Serialized straight from the messages, written twice but built once.
#[derive(Serialize)]
struct TranscriptBody<'a> {
    items: &'a [MessageObject],
    next_cursor: Option<String>,
    messages: &'a [MessageObject],
    conversation: String,
}

/// CONTRACT §2: "admin, or the agent who accepted it".
pub(crate) fn may_read(member: &TenantMember, info: &ConversationInfo) -> ApiResult<()> {
    match &member.member {
        Member::Admin(scope) if scope.covers(&info.experience) => Ok(()),
        Member::Admin(_) => Err(ApiError::Forbidden(
            "this conversation belongs to an experience this admin was not given".into(),
        )),
        Member::Agent(agent) if !info.assignee.is_empty() && info.assignee == agent.id => Ok(()),
        Member::Agent(_) => Err(ApiError::Forbidden(
            "only an admin or the agent who accepted this conversation may read it".into(),
        )),
    }
}

/// The last `limit` messages (0 = all) and the conversation's info; 404 when
/// the tenant has no such conversation.
pub(crate) async fn query(
    state: &AppState,
    tenant: TenantId,
    conversation: ConversationId,
    limit: u32,
) -> ApiResult<TranscriptPage> {
    let query = TranscriptQuery {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        after_seq: 0,
        limit,
        tail: limit > 0,
    };
    ask(state, tenant, conversation, &query).await
}

/// One read of the transcript service, its refusals mapped to the contract.
async fn ask(
    state: &AppState,
    tenant: TenantId,
    conversation: ConversationId,
    query: &TranscriptQuery,
) -> ApiResult<TranscriptPage> {
    let page: TranscriptPage = state
        .bus
        .request(subjects::transcript_rpc(tenant), query, RPC_TIMEOUT)
        .await?;
    match ErrorCode::parse(&page.error) {
        None if page.error.is_empty() => {}
        Some(ErrorCode::NotFound) => return Err(ApiError::not_found("conversation")),
        _ => {
            tracing::warn!(%conversation, code = %page.error, "transcript query failed");
            return Err(ApiError::Unavailable(
                "the conversation could not be read; retry shortly".into(),
            ));
        }
    }
    // The tenant is in the subject, so another tenant's conversation never
    // answers; the check keeps that true whatever the other side does.
    match &page.info {
        Some(info) if info.tenant.is_empty() || info.tenant == tenant.to_string() => Ok(page),
        _ => Err(ApiError::not_found("conversation")),
    }
}
