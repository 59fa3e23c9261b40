//! The running service: [`Service::start`] connects the bus and the
//! database and starts the command consumer, the transcript RPC and the
//! health endpoints; [`Service::run_until`] waits for a shutdown signal and
//! drains. Tests start the same service in-process.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use switchboard_bus::consume;
use switchboard_bus::timers::Timers;
use switchboard_bus::{Bus, BusError};
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_runtime::startup::retry_until;
use tokio::time::Instant;

use crate::config::TranscriptConfig;
use crate::domain::inactivity::Limits;
use crate::error::{StartError, StoreError, StoreErrorKind};
use crate::handlers::Counters;
use crate::handlers::commands::{self, CommandHandler};
use crate::handlers::inactivity::InactivityTimer;
use crate::handlers::rpc::{self, RpcHandler};
use crate::store::Store;

/// How long work in flight may take to finish at shutdown.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// A started transcript service.
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
    pub async fn start(config: TranscriptConfig) -> Result<Self, StartError> {
        let deadline = Instant::now() + config.startup_timeout;
        let bus = Bus::connect(&config.nats_url, "transcript").await?;
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
        let timers = retry_until(
            "the timers bucket",
            deadline,
            || Timers::open(&bus),
            |_: &BusError| true,
        )
        .await?;
        let subscriber = retry_until(
            "the transcript rpc subscription",
            deadline,
            || rpc::subscribe(&bus),
            |_: &BusError| true,
        )
        .await?;

        let shutdown = Shutdown::new();
        let metrics = Metrics::new();
        let ready = Readiness::default();
        let health_addr = health::serve(
            "transcript",
            config.health_addr,
            ready.clone(),
            metrics.clone(),
            &shutdown,
        )
        .await
        .map_err(StartError::Health)?;

        let counters = Counters::new(&metrics);
        let commands = CommandHandler {
            store: store.clone(),
            bus: bus.clone(),
            counters: counters.clone(),
            inactivity: InactivityTimer::new(
                timers,
                Limits::new(config.inactivity_warn, config.inactivity_end),
            ),
        };
        shutdown.spawn(consume::run(
            bus.clone(),
            commands::spec(config.lanes),
            move |delivery| {
                let commands = commands.clone();
                async move { commands.handle(delivery).await }
            },
            shutdown.token(),
        ));
        let rpc = RpcHandler {
            store: store.clone(),
            bus: bus.clone(),
            counters,
            concurrency: config.rpc_concurrency,
        };
        shutdown.spawn(rpc.serve(subscriber, shutdown.clone()));

        ready.set(true);
        tracing::info!(health = %health_addr, "transcript started");
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
    /// stops taking work, lets commands and reads in flight finish (unacked
    /// commands are redelivered to another instance anyway), and closes the
    /// database and the bus connection.
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
        tracing::info!("transcript stopped");
    }
}
