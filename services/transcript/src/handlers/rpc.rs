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
//! Requests are answered by [`switchboard_bus::rpc`]: concurrently, bounded
//! by a semaphore; after a NATS restart the client resubscribes by itself; on
//! shutdown the subscription is drained, so requests already delivered are
//! still answered.

use bytes::Bytes;
use prost::Message;
use switchboard_bus::rpc::{Lifecycle, Responder};
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{ChatMessage, TranscriptPage, TranscriptQuery};
use switchboard_runtime::shutdown::Shutdown;
use tracing::Instrument;

use super::Counters;
use crate::store::Store;

/// Room left in a reply for the page's other fields and the headers.
const REPLY_MARGIN: usize = 16 * 1024;

/// Where the transcript responder listens; `concurrency` is set per instance.
fn responder(concurrency: usize) -> Responder {
    Responder {
        subject_filter: filter::ALL_TRANSCRIPT_RPC,
        queue_group: queues::TRANSCRIPT_RPC,
        concurrency,
    }
}

/// Subscribes to every tenant's transcript subject in the shared queue
/// group, and waits until the server has the subscription.
pub async fn subscribe(bus: &Bus) -> Result<async_nats::Subscriber, BusError> {
    responder(1).subscribe(bus).await
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub store: Store,
    pub bus: Bus,
    pub counters: Counters,
    /// Requests answered at once.
    pub concurrency: usize,
}

impl RpcHandler {
    /// Answers requests from `subscriber` until shutdown, then drains it.
    pub async fn serve(self, subscriber: async_nats::Subscriber, shutdown: Shutdown) {
        let lifecycle = Lifecycle {
            stop: shutdown.token(),
            tasks: shutdown.tracker().clone(),
        };
        let bus = self.bus.clone();
        responder(self.concurrency)
            .serve(
                bus,
                subscriber,
                move |request| {
                    let handler = self.clone();
                    async move { handler.respond(request).await }
                },
                lifecycle,
            )
            .await;
    }

    async fn respond(&self, request: async_nats::Message) -> TranscriptPage {
        let span = tracing::info_span!("transcript.rpc", subject = %request.subject);
        switchboard_bus::propagation::set_parent_from(&span, request.headers.as_ref());
        self.counters.rpc_requests.inc();
        let page = self
            .answer(&request.subject, &request.payload)
            .instrument(span)
            .await;
        if page.error == ErrorCode::Unavailable.as_str() {
            self.counters.rpc_failures.inc();
        }
        page
    }

    async fn answer(&self, subject: &str, payload: &Bytes) -> TranscriptPage {
        let Ok(query) = TranscriptQuery::decode(payload.clone()) else {
            return failed(ErrorCode::Invalid);
        };
        let Some((tenant, conversation)) = address(subject, &query) else {
            return failed(ErrorCode::Invalid);
        };
        let read = self
            .store
            .read(
                tenant,
                conversation,
                query.after_seq,
                query.limit,
                query.tail,
            )
            .await;
        match read {
            Ok(Some((info, messages))) => {
                let budget = self.bus.client.max_payload().saturating_sub(REPLY_MARGIN);
                TranscriptPage {
                    info: Some(info),
                    messages: fit(messages, budget, query.tail),
                    error: String::new(),
                }
            }
            Ok(None) => failed(ErrorCode::NotFound),
            Err(error) => {
                tracing::warn!(%error, "transcript read failed");
                failed(ErrorCode::Unavailable)
            }
        }
    }
}

/// The query's ids, when its tenant is the subject's.
fn address(subject: &str, query: &TranscriptQuery) -> Option<(TenantId, ConversationId)> {
    let tenant: TenantId = query.tenant.parse().ok()?;
    let conversation: ConversationId = query.conversation.parse().ok()?;
    (subject == subjects::transcript_rpc(tenant)).then_some((tenant, conversation))
}

fn failed(code: ErrorCode) -> TranscriptPage {
    TranscriptPage {
        info: None,
        messages: Vec::new(),
        error: code.as_str().to_owned(),
    }
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
