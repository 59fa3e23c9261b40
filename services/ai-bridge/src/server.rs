//! The ai-bridge service: connects to the bus, loads the configuration cache,
//! starts its three durable consumers and the health endpoint, and runs until a
//! shutdown signal, then drains what the consumers hold.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use switchboard_bus::Bus;
use switchboard_bus::config::ConfigCache;
use switchboard_bus::consume::{self, ConsumerSpec, Delivery, Outcome};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::filter;
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;

use crate::config::AiBridgeConfig;
use crate::error::StartError;
use crate::handlers::{Context, Counters, events, handoffs, replies};
use crate::index_cache::IndexCache;

/// How long in-flight messages get to finish after a shutdown signal; what is
/// still unacked then is redelivered to another instance.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

/// A running ai-bridge.
#[derive(Debug)]
pub struct Service {
    shutdown: Shutdown,
    health_addr: SocketAddr,
    ready: Readiness,
}

impl Service {
    /// Connects, ensures the bus topology, waits for the configuration cache,
    /// then starts the consumers and the health endpoint.
    pub async fn start(config: AiBridgeConfig) -> Result<Self, StartError> {
        let shutdown = Shutdown::new();
        let bus = Bus::connect(&config.nats_url, "ai-bridge").await?;
        bus.ensure_topology().await?;
        let config_cache = ConfigCache::start(&bus, shutdown.token()).await?;
        config_cache.ready().await;

        let metrics = Metrics::new();
        let ready = Readiness::default();
        let health_addr = health::serve(
            "ai-bridge",
            config.health_addr,
            ready.clone(),
            metrics.clone(),
            &shutdown,
        )
        .await?;

        let counters = Counters::new(&metrics);
        let context = Arc::new(Context {
            bus: bus.clone(),
            config: config_cache,
            indexes: IndexCache::new(config.index_cache_capacity, counters.index_builds.clone()),
            rpc_timeout: config.rpc_timeout,
            counters,
        });
        let specs = [
            (
                streams::EVENTS,
                consumers::AI_BRIDGE_EVENTS,
                filter::ALL_EVENTS,
            ),
            (
                streams::AI,
                consumers::AI_BRIDGE_REPLIES,
                filter::ALL_AI_REPLIES,
            ),
            (
                streams::AI,
                consumers::AI_BRIDGE_HANDOFFS,
                filter::ALL_AI_HANDOFFS,
            ),
        ]
        .map(|(stream, durable, filter)| {
            ConsumerSpec::new(stream, durable, filter).lanes(config.lanes)
        });
        let [events_spec, replies_spec, handoffs_spec] = specs;
        spawn_consumer(&shutdown, &bus, events_spec, &context, events::handle);
        spawn_consumer(&shutdown, &bus, replies_spec, &context, replies::handle);
        spawn_consumer(&shutdown, &bus, handoffs_spec, &context, handoffs::handle);

        ready.set(true);
        tracing::info!(%health_addr, "ai-bridge started");
        Ok(Self {
            shutdown,
            health_addr,
            ready,
        })
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub fn health_addr(&self) -> SocketAddr {
        self.health_addr
    }

    /// A handle that stops the service when triggered (tests use it).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Runs until `signal` resolves or the shutdown handle is triggered, then
    /// stops taking messages and lets the consumers finish what they hold.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        let drained = self
            .shutdown
            .wait_then_drain(signal, &self.ready, DRAIN_GRACE)
            .await;
        if !drained {
            tracing::warn!(
                "ai-bridge stopped before every message finished; they will be redelivered"
            );
        }
        tracing::info!("ai-bridge stopped");
    }
}

fn spawn_consumer<F, Fut>(
    shutdown: &Shutdown,
    bus: &Bus,
    spec: ConsumerSpec,
    context: &Arc<Context>,
    handler: F,
) where
    F: Fn(Arc<Context>, Delivery) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let context = context.clone();
    shutdown.spawn(consume::run(
        bus.clone(),
        spec,
        move |delivery| handler(context.clone(), delivery),
        shutdown.token(),
    ));
}
