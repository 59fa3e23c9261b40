//! What the service tests share: a webhook service started in-process on
//! its own nats-server and database (SQLite, or PostgreSQL when the run has
//! one), the test playing the gateway (subscriptions written to the
//! configuration bucket, secrets sealed with the same keys) and the
//! transcript service (conversation events into `SB_EVENTS`), and a real
//! HTTP receiver that verifies signatures.

pub mod receiver;

use std::time::Duration;

use switchboard_bus::Bus;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::conversation_event::Event;
use switchboard_contracts::v1::webhook_request::Request;
use switchboard_contracts::v1::{
    Author, ChatMessage, ConversationEvent, ConversationInfo, MessageAdded, Role, Webhook,
    WebhookDeliveriesQuery, WebhookDelivery, WebhookReply, WebhookRequest, WebhookState,
    WebhookStatesQuery, WorkItem, WorkItemChanged,
};
use switchboard_contracts::webhooks::{parse_secret, secret_context};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_secrets::Keyring;
use switchboard_testkit::{NatsServer, eventually};
use switchboard_webhook::config::WebhookConfig;
use switchboard_webhook::server;
use tokio_util::sync::CancellationToken;

pub use receiver::Receiver;

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(20);
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Where a test's database lives.
pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Db {
    pub fn sqlite() -> Self {
        Db::Sqlite(tempfile::tempdir().expect("temp dir"))
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}", dir.path().join("switchboard.db").display()),
            Db::Postgres(url) => url.clone(),
        }
    }
}

/// A running service (stopped and started again by restart tests).
pub struct Running {
    pub metrics: Metrics,
    shutdown: Shutdown,
    task: tokio::task::JoinHandle<()>,
}

pub struct Harness {
    pub bus: Bus,
    pub config: ConfigCache,
    pub keys: Keyring,
    pub tenant: TenantId,
    pub db: Db,
    pub service: Option<Running>,
    allow_private: bool,
    _stop: CancellationToken,
    pub nats: NatsServer,
}

impl Harness {
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, true).await
    }

    /// `allow_private`: whether the service may deliver to 127.0.0.1.
    pub async fn start_with(db: Db, allow_private: bool) -> Self {
        let nats = NatsServer::start().await;
        let bus = Bus::connect(&nats.url(), "webhook-test")
            .await
            .expect("bus");
        bus.ensure_topology().await.expect("topology");
        let stop = CancellationToken::new();
        let config = ConfigCache::start(&bus, stop.clone()).await.expect("cache");
        config.ready().await;
        let mut harness = Self {
            bus,
            config,
            keys: Keyring::generate(),
            tenant: TenantId::new(),
            db,
            service: None,
            allow_private,
            _stop: stop,
            nats,
        };
        harness.start_service().await;
        harness
    }

    pub async fn start_service(&mut self) {
        let mut config =
            WebhookConfig::for_tests(&self.nats.url(), &self.db.url(), self.keys.clone());
        config.delivery.allow_private = self.allow_private;
        let service = server::start(config).await.expect("webhook starts");
        let metrics = service.metrics().clone();
        let shutdown = service.shutdown_handle();
        let task = tokio::spawn(service.run_until(std::future::pending()));
        self.service = Some(Running {
            metrics,
            shutdown,
            task,
        });
    }

    /// Stops the service and waits for it to drain.
    pub async fn stop_service(&mut self) {
        let running = self.service.take().expect("a running service");
        running.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(20), running.task)
            .await
            .expect("the service drains within 20 s")
            .expect("the service task does not panic");
    }

    pub fn counter(&self, name: &str) -> u64 {
        let running = self.service.as_ref().expect("a running service");
        running.metrics.counter(name, "").get()
    }

    /// Subscribes `url` to `events`, as the gateway writes it.
    pub async fn subscribe(&self, url: &str, events: &[&str]) -> Webhook {
        let id = uuid::Uuid::now_v7().to_string();
        let hook = Webhook {
            secret: Some(self.keys.seal(SECRET, &secret_context(&id))),
            id,
            tenant: self.tenant.to_string(),
            url: url.to_owned(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            disabled: false,
            generation: 0,
            created_at_ms: 0,
        };
        self.config
            .create(&keys::webhook(self.tenant, &hook.id), &hook)
            .await
            .expect("subscription written");
        hook
    }

    /// Raises the subscription's generation, as an admin's resume does.
    pub async fn resume(&self, hook: &Webhook) {
        self.config
            .update(
                &keys::webhook(self.tenant, &hook.id),
                |mut hook: Webhook| -> Result<Webhook, String> {
                    hook.generation += 1;
                    Ok(hook)
                },
            )
            .await
            .expect("resumed");
    }

    /// Publishes a customer message of `conversation` to `SB_EVENTS`, as
    /// the transcript service does after storing it.
    pub async fn message(&self, conversation: ConversationId, seq: u64, text: &str) {
        let message = ChatMessage {
            id: format!("{conversation}-{seq}"),
            tenant: self.tenant.to_string(),
            conversation: conversation.to_string(),
            seq,
            author: Some(Author {
                role: Role::Customer as i32,
                id: String::new(),
                name: "Ada".into(),
            }),
            text: text.to_owned(),
            at_ms: 1_700_000_000_000 + seq as i64,
            ..Default::default()
        };
        let event = ConversationEvent {
            tenant: self.tenant.to_string(),
            conversation: conversation.to_string(),
            at_ms: message.at_ms,
            info: Some(ConversationInfo {
                id: conversation.to_string(),
                tenant: self.tenant.to_string(),
                last_seq: seq,
                ..Default::default()
            }),
            event: Some(Event::Message(MessageAdded {
                message: Some(message.clone()),
            })),
        };
        self.bus
            .publish_durable(
                subjects::event(self.tenant, conversation, EventKind::Message),
                &format!("msg:{}", message.id),
                &event,
            )
            .await
            .expect("event stored");
    }

    /// Publishes a change of the conversation's work item, as the
    /// work-item service does.
    pub async fn work_item_change(&self, conversation: ConversationId, change: &str, status: &str) {
        let changed = WorkItemChanged {
            item: Some(WorkItem {
                id: format!("wi-{conversation}"),
                tenant: self.tenant.to_string(),
                conversation: conversation.to_string(),
                status: status.to_owned(),
                summary: "billing".into(),
                updated_at_ms: 1_700_000_001_000,
                ..Default::default()
            }),
            change: change.to_owned(),
            at_ms: 1_700_000_001_000,
        };
        self.bus
            .publish_durable(
                subjects::work_item_change(self.tenant, conversation),
                &format!("wi:{conversation}:{change}:{status}"),
                &changed,
            )
            .await
            .expect("change stored");
    }

    async fn ask(&self, request: Request) -> WebhookReply {
        self.bus
            .request(
                subjects::webhook_rpc(self.tenant),
                &WebhookRequest {
                    tenant: self.tenant.to_string(),
                    request: Some(request),
                },
                Duration::from_secs(5),
            )
            .await
            .expect("the webhook service answers")
    }

    /// The subscription's delivery log, newest first (one page of 200).
    pub async fn log(&self, hook: &Webhook) -> Vec<WebhookDelivery> {
        let query = WebhookDeliveriesQuery {
            subscription: hook.id.clone(),
            limit: 200,
            cursor: String::new(),
        };
        let reply = self.ask(Request::Deliveries(query)).await;
        assert_eq!(reply.error, "", "{}", reply.message);
        reply.deliveries
    }

    pub async fn state(&self, hook: &Webhook) -> Option<WebhookState> {
        let query = WebhookStatesQuery {
            subscriptions: vec![hook.id.clone()],
        };
        self.ask(Request::States(query)).await.states.pop()
    }

    /// Waits until the receiver holds `n` arrivals.
    pub async fn arrivals(&self, receiver: &Receiver, n: usize) -> Vec<receiver::Arrival> {
        eventually(&format!("{n} arrivals"), WAIT, || async move {
            let arrivals = receiver.arrivals();
            (arrivals.len() >= n).then_some(arrivals)
        })
        .await
    }
}

/// The receiver for [`SECRET`].
pub async fn receiver() -> Receiver {
    Receiver::start(parse_secret(SECRET).unwrap()).await
}
