//! A stand-in for the transcript service (the conversations' owner), so both
//! sockets are tested against the bus contract alone: it consumes
//! `SB_COMMANDS` through a durable JetStream consumer, keeps conversations in
//! memory with gap-free `seq`, publishes the events a real owner would
//! (including the same event again for a redelivered post), and answers
//! transcript reads on `sb.rpc.transcript.*`. A test may seed conversations
//! (with their AI part) and see each command the owner consumed. The
//! live-chat commands are in [`crate::fake_owner_live`].

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
    ChatMessage, CommandRejected, ConversationCommand, ConversationEvent, ConversationInfo,
    ConversationState, MessageAdded, StateChanged, TranscriptPage, TranscriptQuery,
};
use tokio::sync::mpsc;

use crate::fake_owner_live;

#[derive(Default)]
pub struct Conversation {
    pub info: ConversationInfo,
    pub messages: Vec<ChatMessage>,
}

type Store = Arc<Mutex<HashMap<String, Conversation>>>;

pub struct FakeOwner {
    store: Store,
    commands: mpsc::UnboundedReceiver<ConversationCommand>,
}

/// An event of `command`'s conversation as it stands.
pub fn event_of(
    command: &ConversationCommand,
    info: &ConversationInfo,
    event: Event,
) -> ConversationEvent {
    ConversationEvent {
        tenant: command.tenant.clone(),
        conversation: command.conversation.clone(),
        at_ms: command.at_ms,
        info: Some(info.clone()),
        event: Some(event),
    }
}

impl FakeOwner {
    /// Starts the consumer and the RPC responder; they run until the bus
    /// closes.
    pub async fn start(bus: Bus) -> Self {
        let store = Store::default();
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
        let (commands_bus, writes) = (bus.clone(), store.clone());
        tokio::spawn(async move {
            while let Some(Ok(message)) = messages.next().await {
                if let Ok(command) = ConversationCommand::decode(message.payload.clone()) {
                    for (msg_id, event) in apply(&writes, command.clone()) {
                        let subject = subjects::event_of(&event).expect("an event with its ids");
                        commands_bus
                            .publish_durable(subject, &msg_id, &event)
                            .await
                            .expect("event published");
                    }
                    // A test that let the owner go has dropped the receiver.
                    let _ = tx.send(command);
                }
                message.ack().await.expect("command acked");
            }
        });
        let mut requests = bus
            .client
            .subscribe(filter::ALL_TRANSCRIPT_RPC)
            .await
            .expect("rpc subscription");
        let (client, reads) = (bus.client.clone(), store.clone());
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let Some(reply) = request.reply else { continue };
                let page = match TranscriptQuery::decode(request.payload) {
                    Ok(query) => read(&reads, &query),
                    Err(_) => TranscriptPage {
                        error: "invalid".into(),
                        ..Default::default()
                    },
                };
                let _ = client.publish(reply, page.encode_to_vec().into()).await;
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

/// Applies one command; returns the events to publish with their ids.
fn apply(store: &Store, command: ConversationCommand) -> Vec<(String, ConversationEvent)> {
    let mut store = store.lock().unwrap();
    let event = |info: &ConversationInfo, event: Event| event_of(&command, info, event);
    let reject = |code: &str, client_id: &str| {
        let info = ConversationInfo::default();
        vec![(
            format!("rejected:{}", command.command_id),
            event(
                &info,
                Event::Rejected(CommandRejected {
                    command_id: command.command_id.clone(),
                    client_id: client_id.to_owned(),
                    code: code.to_owned(),
                    message: format!("refused: {code}"),
                }),
            ),
        )]
    };
    match command.command.clone() {
        Some(Command::Post(post)) => {
            if !store.contains_key(&command.conversation) {
                let Some(start) = post.start else {
                    return reject("not_found", &post.client_id);
                };
                let info = ConversationInfo {
                    id: command.conversation.clone(),
                    tenant: command.tenant.clone(),
                    experience: start.experience,
                    widget: start.widget,
                    customer: start.customer,
                    state: start.initial_state,
                    support_mode: start.support_mode,
                    ai_agent: start.ai_agent,
                    created_at_ms: command.at_ms,
                    ..Default::default()
                };
                store.insert(
                    command.conversation.clone(),
                    Conversation {
                        info,
                        messages: Vec::new(),
                    },
                );
            }
            let conversation = store
                .get_mut(&command.conversation)
                .expect("inserted above");
            if conversation.info.state() == ConversationState::Ended {
                return reject("conversation_ended", &post.client_id);
            }
            let stored = conversation
                .messages
                .iter()
                .find(|m| m.client_id == post.client_id)
                .cloned();
            let message = stored.unwrap_or_else(|| {
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
                    notice: String::new(),
                };
                conversation.messages.push(message.clone());
                message
            });
            let added = event(
                &conversation.info,
                Event::Message(MessageAdded {
                    message: Some(message.clone()),
                }),
            );
            vec![(format!("msg:{}", message.id), added)]
        }
        Some(Command::End(end)) => {
            let Some(conversation) = store.get_mut(&command.conversation) else {
                return reject("not_found", "");
            };
            let from = conversation.info.state();
            if from == ConversationState::Ended {
                return reject("conversation_ended", "");
            }
            conversation.info.state = ConversationState::Ended as i32;
            conversation.info.end_reason = end.reason;
            let changed = StateChanged {
                from: from as i32,
                to: ConversationState::Ended as i32,
                reason: end.reason,
            };
            vec![(
                format!("end:{}", command.conversation),
                event(&conversation.info, Event::State(changed)),
            )]
        }
        Some(other) => match store.get_mut(&command.conversation) {
            Some(conversation) => fake_owner_live::apply(conversation, &command, other),
            None => reject("not_found", ""),
        },
        None => Vec::new(),
    }
}
