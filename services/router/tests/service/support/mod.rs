//! What the service tests share: router instances started in-process on their
//! own nats-server (and, when asked, the timer service), a tenant configured
//! through the configuration bucket, and the transcript's part played by
//! hand: conversation events in, conversation commands read back.

mod setup;
mod wire;

pub use wire::*;

use std::time::Duration;

use switchboard_bus::Bus;
use switchboard_bus::config::ConfigCache;
use switchboard_contracts::ids::{AgentId, ConversationId, ExperienceId, SpaceId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, filter};
use switchboard_contracts::v1::routing_input::Input;
use switchboard_contracts::v1::{
    Availability, ConversationState, RouteAccept, RouteSetStatus, SupportMode,
};
use switchboard_router::catalog::Catalog;
use switchboard_router::config::RouterConfig;
use switchboard_router::handlers::Counters;
use switchboard_router::server::Service;
use switchboard_router::snapshot::Snapshot;
use switchboard_router::store::SnapshotStore;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_testkit::NatsServer;
use tokio_util::sync::CancellationToken;

/// How long a test waits for any one thing.
pub const WAIT: Duration = Duration::from_secs(15);

/// One running router instance.
pub struct Router {
    pub store: SnapshotStore,
    pub catalog: Catalog,
    pub counters: Counters,
    shutdown: Shutdown,
    running: tokio::task::JoinHandle<()>,
}

pub struct Harness {
    pub nats: NatsServer,
    pub bus: Bus,
    pub config: ConfigCache,
    pub tenant: TenantId,
    pub routers: Vec<Router>,
    timer: Option<(Shutdown, tokio::task::JoinHandle<()>)>,
    cancel: CancellationToken,
    last_revision: u64,
}

/// A team-mode experience routed to one space.
#[derive(Debug, Clone, Copy)]
pub struct Cx {
    pub id: ExperienceId,
    pub space: SpaceId,
    pub mode: SupportMode,
}

impl Harness {
    /// One router with the default durations, no timer service.
    pub async fn start() -> Self {
        Self::with(1, false, |_| {}).await
    }

    /// `routers` instances configured by `tweak`, and the timer service if asked.
    pub async fn with(routers: usize, timer: bool, tweak: impl Fn(&mut RouterConfig)) -> Self {
        let nats = NatsServer::start().await;
        let bus = Bus::connect(&nats.url(), "router-test")
            .await
            .expect("test client");
        bus.ensure_topology().await.expect("topology");
        let cancel = CancellationToken::new();
        let config = ConfigCache::start(&bus, cancel.clone())
            .await
            .expect("config cache");
        config.ready().await;
        let mut harness = Self {
            nats,
            bus,
            config,
            tenant: TenantId::new(),
            routers: Vec::new(),
            timer: None,
            cancel,
            last_revision: 0,
        };
        for _ in 0..routers {
            let mut settings = RouterConfig::for_tests(&harness.nats.url());
            tweak(&mut settings);
            harness.routers.push(start_router(settings).await);
        }
        if timer {
            harness.timer = Some(start_timer(&harness.nats.url()).await);
        }
        harness
    }

    /// Starts one more router instance with the test settings, tweaked.
    pub async fn add_router_with(&mut self, tweak: impl Fn(&mut RouterConfig)) {
        let mut settings = RouterConfig::for_tests(&self.nats.url());
        tweak(&mut settings);
        self.routers.push(start_router(settings).await);
    }

    /// Stops every router, runs `meanwhile` (what it publishes waits in
    /// the streams), then starts one router with the test settings: it
    /// finds everything waiting at once.
    pub async fn while_stopped(&mut self, meanwhile: impl std::future::Future<Output = ()>) {
        for router in std::mem::take(&mut self.routers) {
            router.shutdown.trigger();
            tokio::time::timeout(Duration::from_secs(20), router.running)
                .await
                .expect("the router drains within 20 s")
                .expect("the router task does not panic");
        }
        meanwhile.await;
        self.add_router_with(|_| {}).await;
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        for router in self.routers {
            router.shutdown.trigger();
            tokio::time::timeout(Duration::from_secs(20), router.running)
                .await
                .expect("the router drains within 20 s")
                .expect("the router task does not panic");
        }
        if let Some((shutdown, running)) = self.timer {
            shutdown.trigger();
            let _ = tokio::time::timeout(Duration::from_secs(20), running).await;
        }
    }

    /// Publishes a routing input with its own id as the message id.
    pub async fn route(&self, input: Input) -> String {
        let id = uuid_like();
        self.route_as(&id, &id, input).await;
        id
    }

    /// Publishes a routing input with the given input id and message id.
    pub async fn route_as(&self, input_id: &str, msg_id: &str, input: Input) {
        publish_input(&self.bus, self.tenant, input_id, msg_id, input).await;
    }

    /// Sets the agent's availability in all its spaces and waits for the echo.
    pub async fn available(&self, agent: AgentId, events: &mut Events) {
        self.route(Input::SetStatus(RouteSetStatus {
            agent: agent.to_string(),
            space: String::new(),
            status: Availability::Available as i32,
        }))
        .await;
        events.status().await;
    }

    pub async fn accept(&self, agent: AgentId, offer_id: &str) -> String {
        self.route(Input::Accept(RouteAccept {
            offer_id: offer_id.to_owned(),
            agent: agent.to_string(),
        }))
        .await
    }

    /// Plays the transcript: the conversation enters the queue.
    pub async fn hand_off(&self, cx: &Cx, conversation: ConversationId) {
        let info = queued_info(self.tenant, cx, conversation);
        publish_change(
            &self.bus,
            self.tenant,
            conversation,
            info,
            ConversationState::Ai,
            ConversationState::Queued,
        )
        .await;
    }

    /// Plays the transcript: the conversation ended from `from`.
    pub async fn end(&self, conversation: ConversationId, from: ConversationState) {
        end_conversation(&self.bus, self.tenant, conversation, from).await;
    }

    pub async fn agent_events(&self, agent: AgentId) -> Events {
        let subscriber = self
            .bus
            .client
            .subscribe(subjects::agent_events(self.tenant, agent))
            .await
            .expect("subscribe");
        self.bus.client.flush().await.expect("flush");
        Events(subscriber)
    }

    pub async fn queue_positions(&self, conversation: ConversationId) -> async_nats::Subscriber {
        let subscriber = self
            .bus
            .client
            .subscribe(subjects::queue_position(self.tenant, conversation))
            .await
            .expect("subscribe");
        self.bus.client.flush().await.expect("flush");
        subscriber
    }

    /// Every command of the tenant, from the start of the stream.
    pub async fn commands(&self) -> Commands {
        let stream = self
            .bus
            .js
            .get_stream(streams::COMMANDS)
            .await
            .expect("stream");
        let consumer = stream
            .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
                filter_subject: filter::tenant_commands(self.tenant),
                ..Default::default()
            })
            .await
            .expect("consumer");
        Commands(consumer.messages().await.expect("messages"))
    }

    /// The stored snapshot and its revision.
    pub async fn snapshot(&self) -> (Snapshot, u64) {
        self.routers[0]
            .store
            .read(self.tenant)
            .await
            .expect("snapshot")
    }
}

async fn start_router(config: RouterConfig) -> Router {
    let service = Service::start(config).await.expect("the router starts");
    let store = service.store().clone();
    let catalog = service.catalog().clone();
    let counters = service.counters().clone();
    let shutdown = service.shutdown_handle();
    let running = tokio::spawn(service.run_until(std::future::pending()));
    Router {
        store,
        catalog,
        counters,
        shutdown,
        running,
    }
}

async fn start_timer(url: &str) -> (Shutdown, tokio::task::JoinHandle<()>) {
    use switchboard_timer::config::TimerConfig;
    let service = switchboard_timer::server::Service::start(TimerConfig::for_tests(url))
        .await
        .expect("the timer service starts");
    switchboard_testkit::eventually("the timer service to be ready", WAIT, || async {
        service.is_ready().then_some(())
    })
    .await;
    let shutdown = service.shutdown_handle();
    (
        shutdown,
        tokio::spawn(service.run_until(std::future::pending())),
    )
}
