//! Reading a thread over core request/reply: `TranscriptQuery` on
//! `sb.rpc.transcript.{tenant}` (queue group `transcript`, so instances share
//! the load) → `TranscriptPage`.
//!
//! The tenant comes from the subject, which NATS permissions can confine; a
//! query naming another tenant is `invalid`, and a conversation of another
//! tenant is `not_found`. A page holds at most [`crate::store::MAX_READ`]
//! messages and never more bytes than the server's max payload: a reader that
//! wants more pages on with `after_seq` (its `info.last_seq` says how far
//! the thread goes).
//!
//! Requests are answered by the service kit's responder: concurrently,
//! bounded; after a NATS restart the client resubscribes by itself; on
//! shutdown the subscription is drained, so requests already delivered are
//! still answered. A failed read is a [`ReadError`], which knows its code.

use prost::Message;
use switchboard_bus::rpc::{Refuse, Responder};
use switchboard_bus::service::Answer;
use switchboard_bus::{Bus, Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{ChatMessage, TranscriptPage, TranscriptQuery};
use switchboard_runtime::telemetry;

use super::Counters;
use crate::error::StoreError;
use crate::store::Store;

/// Room left in a reply for the page's other fields and the headers.
const REPLY_MARGIN: usize = 16 * 1024;

/// Where the transcript responder listens; `concurrency` is set per instance.
pub fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_TRANSCRIPT_RPC,
        queue_group: queues::TRANSCRIPT_RPC,
        concurrency,
    }
}

/// Why a read got no page; the caller gets [`ReadError::code`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("undecodable TranscriptQuery: {0}")]
    Undecodable(#[from] prost::DecodeError),
    #[error("the query's ids are not valid or not the subject's tenant")]
    Misaddressed,
    #[error("no such conversation")]
    NotFound,
    #[error("transcript read failed: {0}")]
    Store(#[from] StoreError),
}

impl ReadError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ReadError::Undecodable(_) | ReadError::Misaddressed => ErrorCode::Invalid,
            ReadError::NotFound => ErrorCode::NotFound,
            ReadError::Store(_) => ErrorCode::Unavailable,
        }
    }
}

impl Classify for ReadError {
    fn disposition(&self) -> Disposition {
        match self {
            ReadError::Store(_) => Disposition::Retry,
            _ => Disposition::Answered,
        }
    }
}

impl Refuse<TranscriptPage> for ReadError {
    fn reply(&self) -> TranscriptPage {
        TranscriptPage {
            info: None,
            messages: Vec::new(),
            error: self.code().as_str().to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub store: Store,
    pub bus: Bus,
    pub counters: Counters,
}

impl RpcHandler {
    async fn read(&self, subject: &str, payload: &[u8]) -> Result<TranscriptPage, ReadError> {
        let query = TranscriptQuery::decode(payload)?;
        let (tenant, conversation) = address(subject, &query).ok_or(ReadError::Misaddressed)?;
        telemetry::record_conversation(&conversation);
        let (info, messages) = self
            .store
            .read(
                tenant,
                conversation,
                query.after_seq,
                query.limit,
                query.tail,
            )
            .await?
            .ok_or(ReadError::NotFound)?;
        let budget = self.bus.client.max_payload().saturating_sub(REPLY_MARGIN);
        Ok(TranscriptPage {
            info: Some(info),
            messages: fit(messages, budget, query.tail),
            error: String::new(),
        })
    }
}

impl Answer for RpcHandler {
    type Reply = TranscriptPage;
    type Error = ReadError;

    /// Answers one request.
    async fn answer(&self, request: async_nats::Message) -> Result<TranscriptPage, ReadError> {
        self.counters.rpc_requests.inc();
        let page = self.read(&request.subject, &request.payload).await;
        if matches!(page, Err(ReadError::Store(_))) {
            self.counters.rpc_failures.inc();
        }
        page
    }
}

/// The query's ids, when its tenant is the subject's.
fn address(subject: &str, query: &TranscriptQuery) -> Option<(TenantId, ConversationId)> {
    let tenant: TenantId = query.tenant.parse().ok()?;
    let conversation: ConversationId = query.conversation.parse().ok()?;
    (subject == subjects::transcript_rpc(tenant)).then_some((tenant, conversation))
}

/// The messages that fit in `budget` encoded bytes: the first ones, or with
/// `tail` the last ones, in seq order either way.
fn fit(mut messages: Vec<ChatMessage>, budget: usize, tail: bool) -> Vec<ChatMessage> {
    // A repeated field costs its tag and length prefix on top of the body.
    let cost = |m: &ChatMessage| m.encoded_len() + 6;
    let mut used = 0;
    let mut fits = |m: &ChatMessage| {
        used += cost(m);
        used <= budget
    };
    if tail {
        let keep = messages.iter().rev().take_while(|m| fits(m)).count();
        messages.drain(..messages.len() - keep);
    } else {
        let keep = messages.iter().take_while(|m| fits(m)).count();
        messages.truncate(keep);
    }
    messages
}

#[cfg(test)]
#[path = "rpc_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(n: u64) -> Vec<ChatMessage> {
        (1..=n)
            .map(|seq| ChatMessage {
                seq,
                text: "x".repeat(100),
                ..Default::default()
            })
            .collect()
    }

    fn seqs(messages: &[ChatMessage]) -> Vec<u64> {
        messages.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn a_page_that_fits_is_returned_whole() {
        assert_eq!(seqs(&fit(thread(3), 10_000, false)), vec![1, 2, 3]);
        assert_eq!(seqs(&fit(thread(3), 10_000, true)), vec![1, 2, 3]);
    }

    #[test]
    fn an_oversized_page_keeps_the_first_or_the_last_messages_in_order() {
        let one = thread(1)[0].encoded_len() + 6;
        assert_eq!(seqs(&fit(thread(5), one * 2, false)), vec![1, 2]);
        assert_eq!(seqs(&fit(thread(5), one * 2, true)), vec![4, 5]);
        assert!(fit(thread(5), 1, true).is_empty());
    }

    #[test]
    fn a_query_must_name_the_subjects_tenant() {
        let (t, c) = (TenantId::new(), ConversationId::new());
        let query = TranscriptQuery {
            tenant: t.to_string(),
            conversation: c.to_string(),
            ..Default::default()
        };
        assert_eq!(address(&subjects::transcript_rpc(t), &query), Some((t, c)));
        assert_eq!(
            address(&subjects::transcript_rpc(TenantId::new()), &query),
            None
        );
        let garbled = TranscriptQuery {
            conversation: "x".into(),
            ..query
        };
        assert_eq!(address(&subjects::transcript_rpc(t), &garbled), None);
    }
}
