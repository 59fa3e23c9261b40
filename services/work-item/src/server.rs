//! The running service: [`Service::start`] connects the bus and the
//! database and starts the event consumer, the work-item RPC and the health
//! endpoints; [`Service::run_until`] waits for a shutdown signal and drains.
//! Tests start the same service in-process.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use switchboard_bus::consume;
use switchboard_bus::{Bus, BusError};
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_runtime::startup::retry_until;
use tokio::time::Instant;

use crate::config::WorkItemConfig;
use crate::error::{StartError, StoreError, StoreErrorKind};
use crate::handlers::Counters;
use crate::handlers::answer::Answerer;
use crate::handlers::events::{self, EventHandler};
use crate::handlers::rpc::{self, RpcHandler};
use crate::store::Store;

/// How long work in flight may take to finish at shutdown.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// A started work-item service.
#[derive(Debug)]
pub struct Service {
    shutdown: Shutdown,
    ready: Readiness,
    health_addr: SocketAddr,
    store: Store,
    bus: Bus,
    metrics: Metrics,
}

impl Service {
    /// Connects, prepares the streams and the schema, and starts every task.
    /// NATS and the database may come up after this process (as under
    /// `make run`): each is retried until `config.startup_timeout`.
    pub async fn start(config: WorkItemConfig) -> Result<Self, StartError> {
        let deadline = Instant::now() + config.startup_timeout;
        let bus = Bus::connect(&config.nats_url, "work-item").await?;
        retry_until(
            "the NATS streams",
            deadline,
            || bus.ensure_topology(),
            |_: &BusError| true,
        )
        .await?;
        let store = retry_until(
            "the database",
            deadline,
            || Store::connect(&config.database_url),
            |e: &StoreError| e.kind() == StoreErrorKind::Unavailable,
        )
        .await?;
        let subscriber = retry_until(
            "the work-item rpc subscription",
            deadline,
            || rpc::subscribe(&bus),
            |_: &BusError| true,
        )
        .await?;

        let shutdown = Shutdown::new();
        let metrics = Metrics::new();
        let ready = Readiness::default();
        let health_addr = health::serve(
            "work-item",
            config.health_addr,
            ready.clone(),
            metrics.clone(),
            &shutdown,
        )
        .await
        .map_err(StartError::Health)?;

        let counters = Counters::new(&metrics);
        let events = EventHandler {
            store: store.clone(),
            bus: bus.clone(),
            counters: counters.clone(),
            transcript_timeout: config.transcript_timeout,
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
            answerer: Answerer {
                store: store.clone(),
                counters,
            },
            bus: bus.clone(),
            concurrency: config.rpc_concurrency,
        };
        shutdown.spawn(rpc.serve(subscriber, shutdown.clone()));

        ready.set(true);
        tracing::info!(health = %health_addr, "work-item started");
        Ok(Self {
            shutdown,
            ready,
            health_addr,
            store,
            bus,
            metrics,
        })
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub fn health_addr(&self) -> SocketAddr {
        self.health_addr
    }

    pub fn is_ready(&self) -> bool {
        self.ready.is_ready()
    }

    /// The store this service writes (tests read through it).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// A handle that stops the service when triggered.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Runs until `signal` resolves or the shutdown handle is triggered, then
    /// stops taking work, lets events and requests in flight finish (unacked
    /// events are redelivered anyway), and closes the database and the bus.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        let drained = self
            .shutdown
            .wait_then_drain(signal, &self.ready, DRAIN_GRACE)
            .await;
        if !drained {
            tracing::warn!("work still running after {DRAIN_GRACE:?}; stopping anyway");
        }
        if tokio::time::timeout(CLOSE_GRACE, self.store.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use at exit");
        }
        let _ = tokio::time::timeout(CLOSE_GRACE, self.bus.client.flush()).await;
        tracing::info!("work-item stopped");
    }
}
