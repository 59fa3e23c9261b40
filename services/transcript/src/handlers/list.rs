//! Listing a tenant's conversations over core request/reply:
//! `ConversationListQuery` on `sb.rpc.transcript.{tenant}.conversations`
//! (queue group `transcript`) → `ConversationList`, newest first, one page.
//!
//! The tenant comes from the subject; a query naming another tenant, an
//! unknown state, a cursor this service did not hand out or an `until_ms`
//! before its `since_ms` is `invalid`. The
//! caller (the admin API) decides which experiences a caller may see and
//! passes them in `experiences`. A page holds at most
//! [`crate::store::MAX_LIST`] conversations, small enough for any reply.

use prost::Message;
use switchboard_bus::rpc::{Refuse, Responder};
use switchboard_bus::service::Answer;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::names::WireName;
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{
    ConversationList, ConversationListItem, ConversationListQuery, ConversationState,
};

use super::Counters;
use crate::error::StoreError;
use crate::store::{Cursor, ListFilter, MAX_LIST, Store};

/// Where the list responder listens; `concurrency` is set per instance.
pub fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_CONVERSATION_LIST_RPC,
        queue_group: queues::TRANSCRIPT_RPC,
        concurrency,
    }
}

/// Why a list request got no page; the caller gets [`ListError::code`].
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("undecodable ConversationListQuery: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error("the query's tenant is not valid or not the subject's")]
    Misaddressed,
    #[error("unknown conversation state `{0}`")]
    State(String),
    #[error("limit {0} is outside 1..={MAX_LIST}")]
    Limit(u32),
    #[error("the cursor was not handed out by this service")]
    Cursor,
    #[error("until ({until}) is before since ({since})")]
    Range { since: i64, until: i64 },
    #[error("conversation list failed: {0}")]
    Store(#[from] StoreError),
}

impl ListError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ListError::Store(_) => ErrorCode::Unavailable,
            _ => ErrorCode::Invalid,
        }
    }
}

impl Classify for ListError {
    fn disposition(&self) -> Disposition {
        match self {
            ListError::Store(_) => Disposition::Retry,
            _ => Disposition::Answered,
        }
    }
}

impl Refuse<ConversationList> for ListError {
    fn reply(&self) -> ConversationList {
        ConversationList {
            error: self.code().as_str().to_owned(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListHandler {
    pub store: Store,
    pub counters: Counters,
}

impl ListHandler {
    async fn list(&self, subject: &str, payload: &[u8]) -> Result<ConversationList, ListError> {
        let query = ConversationListQuery::decode(payload)?;
        let tenant: TenantId = query.tenant.parse().map_err(|_| ListError::Misaddressed)?;
        if subject != subjects::conversation_list_rpc(tenant) {
            return Err(ListError::Misaddressed);
        }
        let (filter, after) = understand(&query)?;
        let page = self
            .store
            .list(tenant, &filter, query.limit, after.as_ref())
            .await?;
        Ok(ConversationList {
            items: page
                .items
                .into_iter()
                .map(|listed| ConversationListItem {
                    info: Some(listed.info),
                    updated_at_ms: listed.updated_at_ms,
                })
                .collect(),
            next_cursor: page.next.map(|c| c.encode()).unwrap_or_default(),
            error: String::new(),
        })
    }
}

impl Answer for ListHandler {
    type Reply = ConversationList;
    type Error = ListError;

    /// Answers one request.
    async fn answer(&self, request: async_nats::Message) -> Result<ConversationList, ListError> {
        self.counters.rpc_requests.inc();
        let page = self.list(&request.subject, &request.payload).await;
        if matches!(page, Err(ListError::Store(_))) {
            self.counters.rpc_failures.inc();
        }
        page
    }
}

/// The query's filter and cursor, checked.
fn understand(query: &ConversationListQuery) -> Result<(ListFilter, Option<Cursor>), ListError> {
    if query.limit > MAX_LIST {
        return Err(ListError::Limit(query.limit));
    }
    let state = match query.state.as_str() {
        "" => None,
        name => Some(
            ConversationState::from_wire_name(name)
                .filter(|s| *s != ConversationState::Unspecified)
                .ok_or_else(|| ListError::State(name.to_owned()))?,
        ),
    };
    let after = match query.cursor.as_str() {
        "" => None,
        text => Some(Cursor::decode(text).ok_or(ListError::Cursor)?),
    };
    if let (Some(since), Some(until)) = (query.since_ms, query.until_ms)
        && until < since
    {
        return Err(ListError::Range { since, until });
    }
    let filter = ListFilter {
        state,
        space: Some(query.space.clone()).filter(|s| !s.is_empty()),
        experiences: query.experiences.clone(),
        since_ms: query.since_ms,
        until_ms: query.until_ms,
    };
    Ok((filter, after))
}

#[cfg(test)]
#[path = "list_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_with_a_known_state_and_cursor_becomes_a_filter() {
        let cursor = Cursor {
            created_at_ms: 5,
            id: "c".into(),
        };
        let query = ConversationListQuery {
            state: "live".into(),
            space: "s".into(),
            cursor: cursor.encode(),
            since_ms: Some(10),
            until_ms: Some(10),
            ..Default::default()
        };
        let (filter, after) = understand(&query).expect("valid");
        assert_eq!(filter.state, Some(ConversationState::Live));
        assert_eq!(filter.space.as_deref(), Some("s"));
        assert_eq!((filter.since_ms, filter.until_ms), (Some(10), Some(10)));
        assert_eq!(after, Some(cursor));
    }

    #[test]
    fn an_unknown_state_a_foreign_cursor_a_huge_limit_or_a_backward_range_is_invalid() {
        for query in [
            ConversationListQuery {
                state: "sleeping".into(),
                ..Default::default()
            },
            ConversationListQuery {
                cursor: "not hex".into(),
                ..Default::default()
            },
            ConversationListQuery {
                limit: MAX_LIST + 1,
                ..Default::default()
            },
            ConversationListQuery {
                since_ms: Some(10),
                until_ms: Some(9),
                ..Default::default()
            },
        ] {
            let refused = understand(&query).expect_err("invalid");
            assert_eq!(refused.code(), ErrorCode::Invalid);
        }
    }
}
