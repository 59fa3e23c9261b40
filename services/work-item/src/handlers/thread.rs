//! Reading a whole thread from its owner, the transcript service, over
//! `sb.rpc.transcript.{tenant}`. A page holds what fits in one reply, so the
//! reader pages on with `after_seq` until it reaches the thread's
//! `last_seq`.

use std::time::Duration;

use switchboard_bus::{Bus, BusError};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{ChatMessage, TranscriptPage, TranscriptQuery};

/// A guard against a reader that never reaches the end (1,000 messages a
/// page makes this a million messages).
const MAX_PAGES: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ThreadError {
    /// No answer: retry later.
    #[error("the transcript service is unavailable: {0}")]
    Unavailable(#[from] BusError),
    /// The transcript service answered with another error code (it could
    /// not read): retry later.
    #[error("the transcript service answered `{code}`")]
    Failed { code: String },
    /// The transcript service does not know the conversation.
    #[error("the transcript service does not know the conversation")]
    NotFound,
}

/// Every message of the conversation, in seq order.
pub async fn read_thread(
    bus: &Bus,
    tenant: TenantId,
    conversation: ConversationId,
    timeout: Duration,
) -> Result<Vec<ChatMessage>, ThreadError> {
    let mut messages: Vec<ChatMessage> = Vec::new();
    let mut after_seq = 0;
    for _ in 0..MAX_PAGES {
        let query = TranscriptQuery {
            tenant: tenant.to_string(),
            conversation: conversation.to_string(),
            after_seq,
            limit: 0,
            tail: false,
        };
        let page: TranscriptPage = bus
            .request(subjects::transcript_rpc(tenant), &query, timeout)
            .await?;
        match ErrorCode::parse(&page.error) {
            None if page.error.is_empty() => {}
            Some(ErrorCode::NotFound) => return Err(ThreadError::NotFound),
            _ => {
                return Err(ThreadError::Failed {
                    code: page.error.clone(),
                });
            }
        }
        let last_seq = page.info.as_ref().map_or(0, |i| i.last_seq);
        let Some(reached) = page.messages.last().map(|m| m.seq) else {
            break;
        };
        if reached <= after_seq {
            // A page that does not move on would loop forever.
            break;
        }
        messages.extend(page.messages);
        after_seq = reached;
        if after_seq >= last_seq {
            break;
        }
    }
    Ok(messages)
}
