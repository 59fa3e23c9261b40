//! A stand-in for the transcript service, the conversations' owner: the test
//! seeds conversations (with their AI part), it answers transcript reads on
//! `sb.rpc.transcript.*`, and it consumes `SB_COMMANDS` through a durable
//! JetStream consumer, applying posts and ends with gap-free `seq` and
//! publishing the events a real owner would. Each command is also handed to
//! the test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, pull};
use futures::StreamExt;
use prost::Message;
use switchboard_bus::Bus;
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    ChatMessage, ConversationCommand, ConversationEvent, ConversationInfo, ConversationState,
    MessageAdded, StateChanged, TranscriptPage, TranscriptQuery,
};
use tokio::sync::mpsc;

#[derive(Default)]
struct Conversation {
    info: ConversationInfo,
    messages: Vec<ChatMessage>,
}

type Store = Arc<Mutex<HashMap<String, Conversation>>>;

pub struct FakeOwner {
    store: Store,
    commands: mpsc::UnboundedReceiver<ConversationCommand>,
}

impl FakeOwner {
    pub async fn start(bus: Bus) -> Self {
        let store = Store::default();
        let mut requests = bus
            .client
            .subscribe(filter::ALL_TRANSCRIPT_RPC)
            .await
            .expect("transcript rpc subscription");
        let (client, reads) = (bus.client.clone(), store.clone());
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let Some(reply) = request.reply else { continue };
                let page = TranscriptQuery::decode(request.payload)
                    .map(|query| read(&reads, &query))
                    .unwrap_or_default();
                let _ = client.publish(reply, page.encode_to_vec().into()).await;
            }
        });
        let consumer = bus
            .js
            .get_stream(streams::COMMANDS)
            .await
            .expect("command stream")
            .create_consumer(pull::Config {
                durable_name: Some("fake-owner".into()),
                ack_policy: AckPolicy::Explicit,
                filter_subject: filter::ALL_COMMANDS.into(),
                ..Default::default()
            })
            .await
            .expect("fake owner consumer");
        let mut messages = consumer.messages().await.expect("fake owner messages");
        let (tx, commands) = mpsc::unbounded_channel();
        let writes = store.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = messages.next().await {
                if let Ok(command) = ConversationCommand::decode(message.payload.clone()) {
                    if let Some((msg_id, event)) = apply(&writes, &command) {
                        let subject = subjects::event(
                            event.tenant.parse().expect("tenant id"),
                            event.conversation.parse().expect("conversation id"),
                        );
                        bus.publish_durable(subject, &msg_id, &event)
                            .await
                            .expect("event published");
                    }
                    let _ = tx.send(command);
                }
                message.ack().await.expect("command acked");
            }
        });
        Self { store, commands }
    }

    /// Stores a conversation as the owner would hold it.
    pub fn seed(&self, info: ConversationInfo, messages: Vec<ChatMessage>) {
        let mut info = info;
        info.last_seq = messages.len() as u64;
        self.store
            .lock()
            .unwrap()
            .insert(info.id.clone(), Conversation { info, messages });
    }

    /// The next command the owner consumed.
    pub async fn next_command(&mut self) -> ConversationCommand {
        tokio::time::timeout(Duration::from_secs(5), self.commands.recv())
            .await
            .expect("a command within 5 s")
            .expect("the fake owner runs")
    }
}

fn read(store: &Store, query: &TranscriptQuery) -> TranscriptPage {
    let store = store.lock().unwrap();
    match store
        .get(&query.conversation)
        .filter(|c| c.info.tenant == query.tenant)
    {
        Some(conversation) => TranscriptPage {
            info: Some(conversation.info.clone()),
            messages: conversation
                .messages
                .iter()
                .filter(|m| m.seq > query.after_seq)
                .cloned()
                .collect(),
            error: String::new(),
        },
        None => TranscriptPage::default(),
    }
}

/// Applies a post or an end; returns the event to publish with its id.
fn apply(store: &Store, command: &ConversationCommand) -> Option<(String, ConversationEvent)> {
    let mut store = store.lock().unwrap();
    let conversation = store.get_mut(&command.conversation)?;
    if conversation.info.state() == ConversationState::Ended {
        return None;
    }
    let event = |info: &ConversationInfo, event: Event| ConversationEvent {
        tenant: command.tenant.clone(),
        conversation: command.conversation.clone(),
        at_ms: command.at_ms,
        info: Some(info.clone()),
        event: Some(event),
    };
    match command.command.clone()? {
        Command::Post(post) => {
            conversation.info.last_seq += 1;
            let message = ChatMessage {
                id: uuid::Uuid::now_v7().to_string(),
                tenant: command.tenant.clone(),
                conversation: command.conversation.clone(),
                seq: conversation.info.last_seq,
                author: post.author,
                text: post.text,
                at_ms: command.at_ms,
                client_id: post.client_id,
                ..Default::default()
            };
            conversation.messages.push(message.clone());
            let added = Event::Message(MessageAdded {
                message: Some(message.clone()),
            });
            Some((
                format!("msg:{}", message.id),
                event(&conversation.info, added),
            ))
        }
        Command::End(end) => {
            let from = conversation.info.state;
            conversation.info.state = ConversationState::Ended as i32;
            conversation.info.end_reason = end.reason;
            let changed = Event::State(StateChanged {
                from,
                to: ConversationState::Ended as i32,
                reason: end.reason,
            });
            Some((
                format!("end:{}", command.conversation),
                event(&conversation.info, changed),
            ))
        }
        _ => None,
    }
}
