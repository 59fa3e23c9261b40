//! The transcript service's read side, played by the test: answers
//! `sb.rpc.transcript.*` from conversations the test keeps in memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use prost::Message;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::{ChatMessage, ConversationInfo, TranscriptPage, TranscriptQuery};
use switchboard_testkit::NatsServer;
use tokio_util::sync::CancellationToken;

/// What the fake transcript service knows of one conversation.
#[derive(Debug, Clone)]
pub struct Thread {
    pub info: ConversationInfo,
    pub messages: Vec<ChatMessage>,
}

/// Answers `sb.rpc.transcript.*` from the fake transcript.
pub async fn answer_transcript_queries(
    nats: &NatsServer,
    threads: Arc<Mutex<HashMap<String, Thread>>>,
    answered: Arc<AtomicUsize>,
    stop: CancellationToken,
) {
    let client = nats.client().await;
    let mut subscription = client.subscribe(filter::ALL_TRANSCRIPT_RPC).await.unwrap();
    client.flush().await.unwrap();
    tokio::spawn(async move {
        loop {
            let request = tokio::select! {
                () = stop.cancelled() => return,
                request = subscription.next() => match request {
                    Some(request) => request,
                    None => return,
                },
            };
            let Some(reply) = request.reply.clone() else {
                continue;
            };
            let query = TranscriptQuery::decode(request.payload.clone()).unwrap();
            let page = page_for(&threads.lock().unwrap(), &request.subject, &query);
            answered.fetch_add(1, Ordering::SeqCst);
            client
                .publish(reply, page.encode_to_vec().into())
                .await
                .unwrap();
        }
    });
}

fn page_for(
    threads: &HashMap<String, Thread>,
    subject: &str,
    query: &TranscriptQuery,
) -> TranscriptPage {
    let tenant = subjects::tenant_of(subject).map(|t| t.to_string());
    match threads.get(&query.conversation) {
        Some(thread) if tenant.as_deref() == Some(thread.info.tenant.as_str()) => {
            let mut messages = thread.messages.clone();
            if query.tail && query.limit > 0 {
                let skip = messages.len().saturating_sub(query.limit as usize);
                messages.drain(..skip);
            }
            TranscriptPage {
                info: Some(thread.info.clone()),
                messages,
                error: String::new(),
            }
        }
        _ => TranscriptPage::default(),
    }
}
