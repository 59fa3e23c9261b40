//! The running service: [`Service::start`] connects the bus, opens the
//! router-state and timers buckets, loads the configuration index, and starts
//! the two consumers, the agent-view RPC and the health endpoints;
//! [`Service::run_until`] waits for a shutdown signal and drains. Tests start
//! the same service in-process, as many instances as they like.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use switchboard_bus::consume;
use switchboard_bus::timers::Timers;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::streams;
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_runtime::startup::{StartupTimeout, retry_until};
use tokio::time::Instant;

use crate::catalog::{self, Catalog};
use crate::config::RouterConfig;
use crate::error::StartError;
use crate::handlers::Counters;
use crate::handlers::events::{self, EventHandler};
use crate::handlers::inputs::{self, InputHandler};
use crate::handlers::perform::Performer;
use crate::handlers::rpc::{self, RpcHandler};
use crate::store::SnapshotStore;

/// How long work in flight may take to finish at shutdown.
const DRAIN_GRACE: Duration = Duration::from_secs(10);

/// A started router instance.
#[derive(Debug)]
pub struct Service {
    shutdown: Shutdown,
    ready: Readiness,
    health_addr: SocketAddr,
    bus: Bus,
    catalog: Catalog,
    store: SnapshotStore,
    metrics: Metrics,
    counters: Counters,
}

impl Service {
    /// Connects and starts every task. NATS may come up after this process
    /// (as under `make run`): it is retried until `config.startup_timeout`.
    pub async fn start(config: RouterConfig) -> Result<Self, StartError> {
        let deadline = Instant::now() + config.startup_timeout;
        let bus = Bus::connect(&config.nats_url, "router")
            .await?
            .with_replicas(config.replicas);
        retry_until(
            "the NATS streams",
            deadline,
            || bus.ensure_topology(),
            not_up_yet,
        )
        .await?;
        let timing = config.timing();
        let store = retry_until(
            "the router-state bucket",
            deadline,
            || SnapshotStore::open(&bus, timing),
            not_up_yet,
        )
        .await?;
        let timers = retry_until(
            "the timers bucket",
            deadline,
            || Timers::open(&bus),
            not_up_yet,
        )
        .await?;
        let config_bucket = retry_until(
            "the configuration bucket",
            deadline,
            || async {
                bus.js
                    .get_key_value(streams::CONFIG_BUCKET)
                    .await
                    .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
            },
            not_up_yet,
        )
        .await?;

        let shutdown = Shutdown::new();
        let catalog = Catalog::default();
        shutdown.spawn(catalog::watch::run(
            catalog.clone(),
            config_bucket,
            bus.clone(),
            shutdown.token(),
        ));
        let loaded = tokio::time::timeout_at(deadline, catalog.ready()).await;
        if loaded.is_err() {
            shutdown.trigger();
            return Err(StartError::Timeout(StartupTimeout {
                what: "the configuration to load",
                seconds: config.startup_timeout.as_secs(),
                last_error: "no answer".into(),
            }));
        }
        let subscriber = retry_until(
            "the router rpc subscription",
            deadline,
            || rpc::subscribe(&bus),
            not_up_yet,
        )
        .await?;

        let metrics = Metrics::new();
        let ready = Readiness::default();
        let health_addr = health::serve(
            "router",
            config.health_addr,
            ready.clone(),
            metrics.clone(),
            &shutdown,
        )
        .await
        .map_err(StartError::Health)?;

        let counters = Counters::new(&metrics);
        let inputs = InputHandler {
            store: store.clone(),
            catalog: catalog.clone(),
            performer: Performer {
                bus: bus.clone(),
                timers,
                catalog: catalog.clone(),
                counters: counters.clone(),
            },
            counters: counters.clone(),
        };
        shutdown.spawn(consume::run(
            bus.clone(),
            inputs::spec(config.lanes),
            move |delivery| {
                let inputs = inputs.clone();
                async move { inputs.handle(delivery).await }
            },
            shutdown.token(),
        ));
        let events = EventHandler {
            bus: bus.clone(),
            counters: counters.clone(),
        };
        shutdown.spawn(consume::run(
            bus.clone(),
            events::spec(config.lanes),
            move |delivery| {
                let events = events.clone();
                async move { events.handle(delivery).await }
            },
            shutdown.token(),
        ));
        let rpc = RpcHandler {
            bus: bus.clone(),
            store: store.clone(),
            catalog: catalog.clone(),
            counters: counters.clone(),
            concurrency: config.rpc_concurrency,
        };
        shutdown.spawn(rpc.serve(subscriber, shutdown.clone()));

        ready.set(true);
        tracing::info!(health = %health_addr, "router started");
        Ok(Self {
            shutdown,
            ready,
            health_addr,
            bus,
            catalog,
            store,
            metrics,
            counters,
        })
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub fn health_addr(&self) -> SocketAddr {
        self.health_addr
    }

    pub fn is_ready(&self) -> bool {
        self.ready.is_ready()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The router-state bucket (tests read snapshots through it).
    pub fn store(&self) -> &SnapshotStore {
        &self.store
    }

    /// This instance's configuration index (tests wait on
    /// [`Catalog::wait_seen`] for the revision a config put returned).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// A handle that stops the service when triggered.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Runs until `signal` resolves or the shutdown handle is triggered, then
    /// stops taking inputs and lets those in flight finish (an unacked input
    /// is redelivered to another instance anyway).
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        let drained = self
            .shutdown
            .wait_then_drain(signal, &self.ready, DRAIN_GRACE)
            .await;
        if !drained {
            tracing::warn!("work still running after {DRAIN_GRACE:?}; stopping anyway");
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.bus.client.flush()).await;
        tracing::info!("router stopped");
    }
}

/// Every bus error at start is taken as "not up yet".
fn not_up_yet(_: &BusError) -> bool {
    true
}
