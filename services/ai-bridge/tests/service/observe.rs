//! What the bridge publishes, recorded in arrival order by core subscriptions
//! (one subscription per subject tree keeps the bridge's own publish order).

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use prost::Message;
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::v1::{
    AiRequest, ConversationCommand, RequestHandoff, TypingEvent, conversation_command,
};
use switchboard_testkit::NatsServer;
use tokio_util::sync::CancellationToken;

/// Something the bridge published, in the order it arrived.
#[derive(Debug, Clone)]
pub enum Seen {
    Command(ConversationCommand),
    Typing(TypingEvent),
    AiRequest { subject: String, request: AiRequest },
    Parked { subject: String, reason: String },
}

/// Records what arrives on `subject` (one subscription keeps the order of
/// everything the bridge publishes under it).
pub async fn record(
    nats: &NatsServer,
    subject: &str,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: CancellationToken,
) {
    let client = nats.client().await;
    let mut subscription = client.subscribe(subject.to_owned()).await.unwrap();
    client.flush().await.unwrap();
    tokio::spawn(async move {
        let _client = client;
        loop {
            let message = tokio::select! {
                () = stop.cancelled() => return,
                message = subscription.next() => match message {
                    Some(message) => message,
                    None => return,
                },
            };
            if let Some(item) = classify(&message) {
                seen.lock().unwrap().push(item);
            }
        }
    });
}

fn classify(message: &async_nats::Message) -> Option<Seen> {
    let subject = message.subject.as_str();
    let payload = message.payload.clone();
    if subject.starts_with("sb.cmd.") {
        Some(Seen::Command(ConversationCommand::decode(payload).unwrap()))
    } else if subject.starts_with("sb.typing.") {
        Some(Seen::Typing(TypingEvent::decode(payload).unwrap()))
    } else if subject.starts_with("switchboard.ai.request.") {
        Some(Seen::AiRequest {
            subject: subject.to_owned(),
            request: AiRequest::decode(payload).unwrap(),
        })
    } else if subject.starts_with("sb.parked.") {
        let reason = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Switchboard-Parked-Reason"))
            .map(|v| v.to_string())
            .unwrap_or_default();
        Some(Seen::Parked {
            subject: subject.to_owned(),
            reason,
        })
    } else {
        None
    }
}

/// The handoff commands seen for `conversation`, in order.
pub fn handoffs(
    seen: &[Seen],
    conversation: ConversationId,
) -> Vec<(ConversationCommand, RequestHandoff)> {
    seen.iter()
        .filter_map(|s| match s {
            Seen::Command(command) if command.conversation == conversation.to_string() => {
                match &command.command {
                    Some(conversation_command::Command::Handoff(handoff)) => {
                        Some((command.clone(), handoff.clone()))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}
