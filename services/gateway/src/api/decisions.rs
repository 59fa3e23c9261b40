//! A conversation's routing decision record (SPEC §5, §10): who the router
//! chose each time it placed the conversation, and who it skipped and why.
//!
//! The router keeps each decision in `SB_AUDIT` on the conversation's own
//! subject (`sb.decision.{tenant}.{conversation}`), so reading one
//! conversation means replaying one subject: an ephemeral pull consumer
//! filtered on it, from the first record, never acknowledged. Access and
//! existence are the conversation's: the transcript service is asked first,
//! so an unknown conversation is 404 and an agent who did not accept it 403.
//! A known conversation the router never placed (AI only, say) has an empty
//! list.
//!
//! Paged like every list (`?limit=&cursor=`, `{items, next_cursor}`, with
//! the same page under `decisions` as CONTRACT §2 names it): the cursor holds
//! the stream sequence of the last decision handed out, and the next page
//! replays from just after it, so decisions recorded meanwhile come at the end.

use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use futures::StreamExt;
use prost::Message as _;
use serde_json::{Value, json};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::v1::{RoutingDecision, SkippedAgent};
use switchboard_contracts::{streams, subjects};

use crate::api::conversations::{may_read, query};
use crate::api::extract::{TenantMember, path_id};
use crate::api::page::{self, Page, PageParams};
use crate::api::render::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long the replay may take before the caller gets 503.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn list(
    State(state): State<AppState>,
    member: TenantMember,
    Path((_, id)): Path<(String, String)>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<axum::Json<Value>> {
    let id: ConversationId = path_id(&id, "conversation")?;
    let page = Page::from_query("decisions", page::LISTS, params)?;
    let after = match &page.after {
        None => 0,
        Some(key) => key.parse::<u64>().map_err(|_| {
            ApiError::BadRequest("cursor: is not a cursor this list handed out".into())
        })?,
    };
    let read_info = query(&state, member.id, id, 1).await?;
    may_read(&member, &read_info.info.unwrap_or_default())?;
    let reading = read(&state, member.id, id, after, page.limit as usize);
    let (records, more) = match tokio::time::timeout(READ_TIMEOUT, reading).await {
        Ok(records) => records?,
        Err(_) => return Err(unavailable("the decision record took too long to read")),
    };
    let next = records
        .last()
        .filter(|_| more)
        .map(|(sequence, _)| page.cursor(&sequence.to_string()));
    let decisions: Vec<Value> = records.iter().map(|(_, r)| decision_json(r)).collect();
    Ok(axum::Json(page::body_with_legacy(
        decisions,
        next,
        "decisions",
    )))
}

/// The decisions recorded on the conversation's subject after stream
/// sequence `after`, in stream order (the order the router recorded them),
/// at most `limit`, each with its sequence; and whether more follow.
async fn read(
    state: &AppState,
    tenant: TenantId,
    conversation: ConversationId,
    after: u64,
    limit: usize,
) -> ApiResult<(Vec<(u64, RoutingDecision)>, bool)> {
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        tracing::warn!(%conversation, error = %e, "{what}");
        unavailable("the decision record could not be read; retry shortly")
    };
    let stream = state
        .bus
        .js
        .get_stream(streams::AUDIT)
        .await
        .map_err(|e| failed("audit stream lookup failed", &e))?;
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: subjects::decision(tenant, conversation),
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            },
            ack_policy: AckPolicy::None,
            // Ephemeral: the server drops it soon after this read.
            inactive_threshold: Duration::from_secs(30),
            ..Default::default()
        })
        .await
        .map_err(|e| failed("decision consumer failed", &e))?;
    let pending = usize::try_from(consumer.cached_info().num_pending).unwrap_or(usize::MAX);
    // One more than the page tells whether another follows.
    let wanted = pending.min(limit + 1);
    let mut records = Vec::with_capacity(wanted);
    if wanted == 0 {
        return Ok((records, false));
    }
    let mut batch = consumer
        .fetch()
        .max_messages(wanted)
        .expires(READ_TIMEOUT)
        .messages()
        .await
        .map_err(|e| failed("decision fetch failed", &e))?;
    let mut delivered = 0;
    while delivered < wanted {
        let Some(message) = batch.next().await else {
            break;
        };
        delivered += 1;
        let message = message.map_err(|e| failed("decision fetch failed", &e))?;
        let sequence = message
            .info()
            .map(|info| info.stream_sequence)
            .map_err(|e| failed("decision without stream info", &e))?;
        match RoutingDecision::decode(message.payload.clone()) {
            Ok(record) => records.push((sequence, record)),
            // One unreadable record must not hide the others.
            Err(e) => tracing::warn!(%conversation, error = %e, "undecodable routing decision"),
        }
    }
    let name = consumer.cached_info().name.clone();
    if let Err(e) = stream.delete_consumer(&name).await {
        tracing::debug!(error = %e, "decision consumer left to expire");
    }
    let more = records.len() > limit || (delivered == wanted && pending > wanted);
    records.truncate(limit);
    Ok((records, more))
}

fn unavailable(message: &str) -> ApiError {
    ApiError::Unavailable(message.into())
}

/// One decision as CONTRACT §2 shows it: `kind` is `offered` when an agent
/// was chosen (`agent` names them), `none_eligible` when nobody was.
pub fn decision_json(record: &RoutingDecision) -> Value {
    let skipped: Vec<Value> = record.skipped.iter().filter_map(skipped_json).collect();
    let mut decision = json!({
        "at": rfc3339_ms(record.at_ms),
        "kind": if record.chosen.is_empty() { "none_eligible" } else { "offered" },
        "space": record.space,
        "skipped": skipped,
    });
    if !record.chosen.is_empty() {
        decision["agent"] = json!(record.chosen);
    }
    if !record.offer_id.is_empty() {
        decision["offer_id"] = json!(record.offer_id);
    }
    decision
}

/// The router's reason as one of the contract's `why` values. An agent not
/// in the space was never a candidate, so it is left out; a reason this
/// gateway does not know yet reads as `unavailable` (the agent could not be
/// offered it) rather than failing the whole record.
fn skipped_json(skipped: &SkippedAgent) -> Option<Value> {
    let why = match skipped.reason.as_str() {
        "not_in_space" => return None,
        why @ ("at_limit" | "unavailable" | "declined" | "timed_out") => why,
        _ => "unavailable",
    };
    Some(json!({"agent": skipped.agent, "why": why}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(agent: &str, reason: &str) -> SkippedAgent {
        SkippedAgent {
            agent: agent.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn a_decision_with_nobody_chosen_has_no_agent_and_maps_every_reason() {
        let record = RoutingDecision {
            at_ms: 0,
            space: "s".into(),
            skipped: vec![
                skip("a", "at_limit"),
                skip("b", "not_in_space"),
                skip("c", "something_new"),
                skip("d", "timed_out"),
            ],
            ..Default::default()
        };
        let shown = decision_json(&record);
        assert_eq!(shown["kind"], "none_eligible");
        assert!(shown.get("agent").is_none());
        assert_eq!(
            shown["skipped"],
            json!([
                {"agent": "a", "why": "at_limit"},
                {"agent": "c", "why": "unavailable"},
                {"agent": "d", "why": "timed_out"},
            ])
        );
    }
}
