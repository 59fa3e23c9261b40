//! The transcript service's read side, played by the test: answers
//! `sb.rpc.transcript.*` from threads the test keeps in memory, a few
//! messages a page so readers must page on with `after_seq`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use prost::Message;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{ChatMessage, ConversationInfo, TranscriptPage, TranscriptQuery};
use tokio_util::sync::CancellationToken;

/// Messages per page: small, so a thread of a few messages takes pages.
pub const PAGE: usize = 2;

/// One conversation and its messages.
type Thread = (ConversationInfo, Vec<ChatMessage>);

/// What the fake transcript knows, by conversation id.
#[derive(Debug, Clone, Default)]
pub struct Threads {
    threads: Arc<Mutex<HashMap<String, Thread>>>,
    /// While set, every read is answered `unavailable` (a database outage).
    down: Arc<AtomicBool>,
}

impl Threads {
    pub fn set(&self, info: &ConversationInfo, messages: Vec<ChatMessage>) {
        let mut info = info.clone();
        info.last_seq = messages.last().map_or(0, |m| m.seq);
        self.threads
            .lock()
            .unwrap()
            .insert(info.id.clone(), (info, messages));
    }

    /// Makes reads fail (`true`) or succeed again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn page(&self, subject: &str, query: &TranscriptQuery) -> TranscriptPage {
        if self.down.load(Ordering::SeqCst) {
            return TranscriptPage {
                error: "unavailable".into(),
                ..Default::default()
            };
        }
        let tenant = subjects::tenant_of(subject).map(|t| t.to_string());
        let threads = self.threads.lock().unwrap();
        match threads.get(&query.conversation) {
            Some((info, messages)) if tenant.as_deref() == Some(info.tenant.as_str()) => {
                TranscriptPage {
                    info: Some(info.clone()),
                    messages: messages
                        .iter()
                        .filter(|m| m.seq > query.after_seq)
                        .take(PAGE)
                        .cloned()
                        .collect(),
                    error: String::new(),
                }
            }
            _ => TranscriptPage {
                error: "not_found".into(),
                ..Default::default()
            },
        }
    }
}

/// Answers transcript queries until `stop`.
pub async fn serve(client: async_nats::Client, threads: Threads, stop: CancellationToken) {
    let mut requests = client
        .subscribe(filter::ALL_TRANSCRIPT_RPC)
        .await
        .expect("subscribe to transcript queries");
    client.flush().await.expect("flush");
    tokio::spawn(async move {
        loop {
            let request = tokio::select! {
                () = stop.cancelled() => return,
                request = requests.next() => match request {
                    Some(request) => request,
                    None => return,
                },
            };
            let Some(reply) = request.reply.clone() else {
                continue;
            };
            let page = match TranscriptQuery::decode(request.payload.clone()) {
                Ok(query) => threads.page(&request.subject, &query),
                Err(_) => TranscriptPage {
                    error: "invalid".into(),
                    ..Default::default()
                },
            };
            let _ = client.publish(reply, page.encode_to_vec().into()).await;
        }
    });
}
