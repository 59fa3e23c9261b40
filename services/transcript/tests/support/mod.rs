//! What the service tests share: a transcript service started in-process on
//! its own nats-server and SQLite file (optionally beside a real timer
//! service), a bus client to drive it, and command builders.

#![allow(dead_code)] // each test binary uses its own part of the kit

pub mod commands;

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use prost::Message;
use switchboard_bus::Bus;
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::{
    Author, ChatMessage, CommandRejected, ConversationCommand, ConversationEvent,
    ConversationStart, ConversationState, Customer, EndConversation, EndReason, PostMessage, Role,
    StateChanged, SupportMode, TranscriptPage, TranscriptQuery,
};
use switchboard_runtime::shutdown::Shutdown;
use switchboard_testkit::NatsServer;
use switchboard_transcript::config::TranscriptConfig;
use switchboard_transcript::server;
use switchboard_transcript::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a test waits for any one event.
pub const WAIT: Duration = Duration::from_secs(15);

/// A running transcript service and a client of its bus.
pub struct Harness {
    pub nats: NatsServer,
    pub bus: Bus,
    pub health_addr: SocketAddr,
    /// The service's store (a handle on the same database).
    pub store: Store,
    config: TranscriptConfig,
    shutdown: Shutdown,
    running: tokio::task::JoinHandle<()>,
    timer: Option<Shutdown>,
    _data: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|_| {}, false).await
    }

    /// A harness whose config `configure` adjusts; with `timer`, the real
    /// timer service runs beside the transcript and fires its timers.
    pub async fn start_with(configure: impl FnOnce(&mut TranscriptConfig), timer: bool) -> Self {
        let nats = NatsServer::start().await;
        let data = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}", data.path().join("transcript.db").display());
        let mut config = TranscriptConfig::for_tests(&nats.url(), &database_url);
        configure(&mut config);
        let (store, health_addr, shutdown, running) = launch(&config).await;
        let timer = if timer {
            let timers = switchboard_timer::server::Service::start(
                switchboard_timer::config::TimerConfig::for_tests(&nats.url()),
            )
            .await
            .expect("timer service starts");
            let handle = timers.shutdown_handle();
            tokio::spawn(timers.run_until(std::future::pending()));
            Some(handle)
        } else {
            None
        };
        let bus = Bus::connect(&nats.url(), "transcript-test")
            .await
            .expect("test client");
        Self {
            nats,
            bus,
            health_addr,
            store,
            config,
            shutdown,
            running,
            timer,
            _data: data,
        }
    }

    /// Stops the transcript service (drained), runs `meanwhile`, and starts
    /// it again on the same bus and database.
    pub async fn restart_around(&mut self, meanwhile: impl std::future::Future<Output = ()>) {
        self.shutdown.trigger();
        let stopped = std::mem::replace(&mut self.running, tokio::spawn(async {}));
        tokio::time::timeout(Duration::from_secs(20), stopped)
            .await
            .expect("the service drains within 20 s")
            .expect("the service task does not panic");
        meanwhile.await;
        (self.store, self.health_addr, self.shutdown, self.running) = launch(&self.config).await;
    }

    /// The database the service writes.
    pub fn database_url(&self) -> &str {
        &self.config.common.database_url
    }

    /// Triggers shutdown and checks the service drains in time.
    pub async fn stop(self) {
        if let Some(timer) = &self.timer {
            timer.trigger();
        }
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(20), self.running)
            .await
            .expect("the service drains within 20 s")
            .expect("the service task does not panic");
    }

    /// A core subscription to one conversation's events, live before return.
    pub async fn events(&self, tenant: TenantId, conversation: ConversationId) -> Events {
        let subscriber = self
            .bus
            .client
            .subscribe(filter::conversation_events(tenant, conversation))
            .await
            .expect("subscribe to events");
        self.bus.client.flush().await.expect("flush");
        Events(subscriber)
    }

    /// Publishes a command the way a gateway does, with its own message id.
    pub async fn send(&self, command: &ConversationCommand, msg_id: &str) {
        let (tenant, conversation) = ids(command);
        self.bus
            .publish_durable(subjects::command(tenant, conversation), msg_id, command)
            .await
            .expect("command stored");
    }

    /// Publishes raw bytes to the command stream (no message id).
    pub async fn send_raw(&self, subject: &str, payload: bytes::Bytes) {
        self.bus
            .js
            .publish(subject.to_owned(), payload)
            .await
            .expect("publish")
            .await
            .expect("stored");
    }

    /// Waits until the test client is back on the server (after a restart)
    /// with its subscriptions renewed.
    pub async fn wait_connected(&self) {
        let client = self.bus.client.clone();
        switchboard_testkit::eventually("the test client to reconnect", WAIT, || {
            let client = client.clone();
            async move {
                (client.connection_state() == async_nats::connection::State::Connected)
                    .then_some(())
            }
        })
        .await;
        self.bus.client.flush().await.expect("flush");
    }

    pub async fn read(&self, subject_tenant: TenantId, query: TranscriptQuery) -> TranscriptPage {
        self.bus
            .request(
                subjects::transcript_rpc(subject_tenant),
                &query,
                Duration::from_secs(5),
            )
            .await
            .expect("transcript answers")
    }

    /// `GET path` on the health port: the status line and body.
    pub async fn health(&self, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(self.health_addr)
            .await
            .expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        response
    }
}

/// Starts a transcript service with `config` and runs it in a task.
async fn launch(
    config: &TranscriptConfig,
) -> (Store, SocketAddr, Shutdown, tokio::task::JoinHandle<()>) {
    let service = server::start(config.clone())
        .await
        .expect("transcript starts");
    let store = service.parts().clone();
    let health_addr = service.health_addr();
    let shutdown = service.shutdown_handle();
    let running = tokio::spawn(service.run_until(std::future::pending()));
    (store, health_addr, shutdown, running)
}

fn ids(command: &ConversationCommand) -> (TenantId, ConversationId) {
    (
        command.tenant.parse().expect("tenant id"),
        command.conversation.parse().expect("conversation id"),
    )
}

pub struct Events(async_nats::Subscriber);

impl Events {
    pub async fn next(&mut self) -> ConversationEvent {
        let message = tokio::time::timeout(WAIT, self.0.next())
            .await
            .expect("an event in time")
            .expect("the subscription is open");
        ConversationEvent::decode(message.payload).expect("a ConversationEvent")
    }

    pub async fn next_message(&mut self) -> (ChatMessage, ConversationEvent) {
        loop {
            let event = self.next().await;
            if let Some(Event::Message(added)) = &event.event {
                return (added.message.clone().expect("a message"), event);
            }
        }
    }
}

pub fn state_changed(event: &ConversationEvent) -> StateChanged {
    match &event.event {
        Some(Event::State(changed)) => *changed,
        other => panic!("expected StateChanged, got {other:?}"),
    }
}

pub fn added(event: &ConversationEvent) -> ChatMessage {
    match &event.event {
        Some(Event::Message(added)) => added.message.clone().expect("a message"),
        other => panic!("expected MessageAdded, got {other:?}"),
    }
}

pub fn rejected(event: &ConversationEvent) -> CommandRejected {
    match &event.event {
        Some(Event::Rejected(rejected)) => rejected.clone(),
        other => panic!("expected CommandRejected, got {other:?}"),
    }
}

/// A customer's post; `opens` adds the start that may create the conversation.
pub fn post(
    tenant: TenantId,
    conversation: ConversationId,
    client_id: &str,
    opens: bool,
) -> ConversationCommand {
    let start = opens.then(|| ConversationStart {
        customer: Some(Customer {
            key: "user:ada".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            signed_in: true,
        }),
        initial_state: ConversationState::Ai as i32,
        support_mode: SupportMode::AiAgent as i32,
        ..Default::default()
    });
    ConversationCommand {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        at_ms: 1,
        command_id: format!("post:{conversation}:{client_id}"),
        command: Some(Command::Post(PostMessage {
            author: Some(Author {
                role: Role::Customer as i32,
                id: "user:ada".into(),
                name: "Ada".into(),
            }),
            text: format!("text of {client_id}"),
            client_id: client_id.to_owned(),
            start,
        })),
    }
}

pub fn end(
    tenant: TenantId,
    conversation: ConversationId,
    reason: EndReason,
) -> ConversationCommand {
    commands::command(
        tenant,
        conversation,
        &format!("end:{conversation}"),
        Command::End(EndConversation {
            reason: reason as i32,
            ..Default::default()
        }),
    )
}

pub fn query(tenant: TenantId, conversation: ConversationId) -> TranscriptQuery {
    TranscriptQuery {
        tenant: tenant.to_string(),
        conversation: conversation.to_string(),
        ..Default::default()
    }
}
