//! The running service: [`Service::start`] connects the bus and the
//! database and starts the event consumer, the work-item RPC and the health
//! endpoints; [`Service::run_until`] waits for a shutdown signal and drains.
//! Tests start the same service in-process.

use std::fmt::Display;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use switchboard_bus::consume;
use switchboard_bus::{Bus, BusError};
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
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
        until_ready(
            "the NATS streams",
            deadline,
            || bus.ensure_topology(),
            |_: &BusError| true,
        )
        .await?;
        let store = until_ready(
            "the database",
            deadline,
            || Store::connect(&config.database_url),
            |e: &StoreError| e.kind() == StoreErrorKind::Unavailable,
        )
        .await?;
        let subscriber = until_ready(
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
        tokio::select! {
            () = signal => {}
            () = self.shutdown.cancelled() => {}
        }
        self.ready.set(false);
        tracing::info!("work-item draining");
        if !self.shutdown.drain(DRAIN_GRACE).await {
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

/// Calls `attempt` until it succeeds, fails for good, or `deadline` passes.
async fn until_ready<T, E, F, Fut>(
    what: &'static str,
    deadline: Instant,
    mut attempt: F,
    retryable: impl Fn(&E) -> bool,
) -> Result<T, StartError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<StartError> + Display,
{
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        let timed_out = |last_error: String| StartError::Timeout {
            what,
            seconds: started.elapsed().as_secs(),
            last_error,
        };
        let error = match tokio::time::timeout_at(deadline, attempt()).await {
            Err(_) => return Err(timed_out("no answer".into())),
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) if !retryable(&error) => return Err(error.into()),
            Ok(Err(error)) => error,
        };
        if Instant::now() + delay > deadline {
            return Err(timed_out(error.to_string()));
        }
        tracing::warn!(%error, "waiting for {what}");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
