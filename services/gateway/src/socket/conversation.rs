//! The bus I/O both sockets do for a conversation they show: its events and
//! typing as one feed from the gateway's fan-out, durable commands, typing
//! indicators published on core NATS, and transcript reads. Undecodable bus messages are logged and
//! skipped here, so a session only ever sees decoded events. Each names its
//! conversation on the span it runs in.

use std::future::poll_fn;
use std::task::{Context, Poll};
use std::time::Duration;

use switchboard_bus::publish::PendingAck;
use switchboard_bus::{Bus, BusError};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::{
    ConversationCommand, ConversationEvent, TranscriptPage, TranscriptQuery, TypingEvent,
};
use switchboard_runtime::telemetry;

use super::fanout::{Family, Fanned, Fanout, Subscription};
use super::shell::Traced;

/// How long a request to another service (a transcript read) may take.
pub const RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// A conversation's events and typing (`sb.evt`, `sb.typing`), merged into
/// one feed.
pub struct ConversationFeed {
    messages: Subscription,
}

/// One decoded message of a [`ConversationFeed`].
#[derive(Debug)]
pub enum FeedItem {
    Event(ConversationEvent),
    Typing(TypingEvent),
    /// Events may have been missed (the socket fell behind, or the bus
    /// connection came back): the conversation is to be read again.
    Resync,
}

impl ConversationFeed {
    /// Registers for the conversation's events and typing.
    pub fn subscribe(fanout: &Fanout, tenant: TenantId, conversation: ConversationId) -> Self {
        Self {
            messages: fanout.subscribe(&[Family::Events, Family::Typing], tenant, conversation),
        }
    }

    /// The next message: `Ready(None)` when the fan-out stopped (the server
    /// is shutting down), a `None` delivery for one skipped.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Traced<Option<FeedItem>>>> {
        self.messages.poll_next(cx).map(|fanned| {
            Some(match fanned? {
                Fanned::Resync => Traced::untraced(Some(FeedItem::Resync)),
                Fanned::Message(message) if message.subject.starts_with("sb.typing.") => {
                    receive(&message, "typing event").map(|item| item.map(FeedItem::Typing))
                }
                Fanned::Message(message) => {
                    receive(&message, "conversation event").map(|item| item.map(FeedItem::Event))
                }
            })
        })
    }

    /// [`Self::poll_next`] as a future.
    pub async fn next(&mut self) -> Option<Traced<Option<FeedItem>>> {
        poll_fn(|cx| self.poll_next(cx)).await
    }
}

/// [`decode`], keeping the message's headers (its trace context).
pub fn receive<T: prost::Message + Default>(
    message: &async_nats::Message,
    what: &str,
) -> Traced<Option<T>> {
    let headers = message.headers.clone();
    Traced {
        delivery: decode(message, what),
        headers,
    }
}

/// Decodes a bus message, or logs it as `what` and skips it.
pub fn decode<T: prost::Message + Default>(message: &async_nats::Message, what: &str) -> Option<T> {
    match T::decode(message.payload.clone()) {
        Ok(decoded) => Some(decoded),
        Err(error) => {
            tracing::warn!(%error, subject = %message.subject, "undecodable {what} skipped");
            None
        }
    }
}

/// The subject `build` makes for a conversation id a session put in an
/// effect; `None` only if it is not an id (sessions only use ids they made).
pub fn subject_of(
    tenant: TenantId,
    conversation: &str,
    build: fn(TenantId, ConversationId) -> String,
) -> Option<String> {
    let conversation = conversation.parse::<ConversationId>().ok()?;
    Some(build(tenant, conversation))
}

/// Sends a command durably on its conversation's subject, with the command
/// id as `Nats-Msg-Id`, without waiting for the stream's ack: the ack to
/// wait for (see [`super::unacked`]). `None` when skipped: the conversation
/// is not an id (sessions only build commands for ids they made).
pub async fn send_command(
    bus: &Bus,
    tenant: TenantId,
    command: &ConversationCommand,
) -> Result<Option<PendingAck>, BusError> {
    telemetry::record_conversation(&command.conversation);
    let Some(subject) = subject_of(tenant, &command.conversation, subjects::command) else {
        return Ok(None);
    };
    bus.send_durable(subject, &command.command_id, command)
        .await
        .map(Some)
}

/// Publishes a typing indicator on core NATS. Best effort: a lost
/// indicator clears itself.
pub async fn publish_typing(bus: &Bus, tenant: TenantId, event: &TypingEvent) {
    telemetry::record_conversation(&event.conversation);
    let Some(subject) = subject_of(tenant, &event.conversation, subjects::typing) else {
        return;
    };
    if let Err(error) = bus.publish_core(subject, event).await {
        tracing::debug!(%error, "typing publish failed");
    }
}

/// Reads a conversation's messages after `after_seq`; `None` (logged) when
/// the transcript service cannot answer.
pub async fn read_transcript(
    bus: &Bus,
    tenant: TenantId,
    conversation: ConversationId,
    after_seq: u64,
) -> Option<TranscriptPage> {
    telemetry::record_conversation(&conversation);
    let query = TranscriptQuery {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        after_seq,
        limit: 0,
        tail: false,
    };
    let subject = subjects::transcript_rpc(tenant);
    match bus
        .request::<TranscriptPage>(subject, &query, RPC_TIMEOUT)
        .await
    {
        Ok(page) => Some(page),
        Err(error) => {
            tracing::warn!(%error, "transcript read failed");
            None
        }
    }
}
