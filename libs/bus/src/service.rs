//! The service kit: the skeleton every service runs on, written once.
//!
//! [`Kit::start`] connects to NATS, creates the topology (both retried until
//! the start deadline: services may start before NATS, as under `make run`)
//! and serves `/healthz`, `/readyz` and `/metrics`. The service then lists
//! what it consumes ([`Kit::spawn_consumer`]) and answers
//! ([`Kit::spawn_responder`]), registers what must be closed at exit
//! ([`Kit::on_close`]), and turns the kit into a [`Running`] service, which
//! waits for the shutdown signal, drains, closes and flushes the client.

mod handlers;
mod running;

pub use handlers::{Answer, BatchConsumer, Consumer, Settling, StagedBatchConsumer};
pub use running::{Running, Started};

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_runtime::startup::{RetryError, StartupTimeout, retry_until};
use tokio::time::Instant;

use crate::config::ConfigCache;
use crate::consume::{self, ConsumerSpec};
use crate::rpc::{Lifecycle, Responder};
use crate::{Bus, BusError, ConnectSettings, ErrorKind};
use running::Closers;

/// Why a service could not start. A service with more to say wraps it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the bus is unavailable: {0}")]
    Bus(#[from] BusError),
    #[error("cannot serve the health endpoints: {0}")]
    Health(#[source] std::io::Error),
    /// "gave up after {seconds}s waiting for {what}: {last_error}"
    #[error(transparent)]
    Timeout(#[from] StartupTimeout),
    /// A start step failed in a way retrying cannot fix.
    #[error("{what}: {source}")]
    Dependency {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Where the health endpoints are served.
#[derive(Debug, Clone, Copy)]
pub enum HealthListener {
    /// On their own port (port 0 picks one).
    Serve(SocketAddr),
    /// The service merges [`switchboard_runtime::health::routes`] into its
    /// own listener (the gateway).
    Merged,
}

/// What the kit needs to start.
#[derive(Debug, Clone)]
pub struct KitSettings {
    pub connect: ConnectSettings,
    pub health: HealthListener,
    /// How long start-up waits for NATS and the other dependencies.
    pub startup_timeout: Duration,
    /// How long work in flight may take to finish at shutdown.
    pub drain_grace: Duration,
}

impl KitSettings {
    pub fn new(
        connect: ConnectSettings,
        health_addr: SocketAddr,
        startup_timeout: Duration,
    ) -> Self {
        Self {
            connect,
            health: HealthListener::Serve(health_addr),
            startup_timeout,
            drain_grace: Duration::from_secs(10),
        }
    }
}

/// A service being started.
#[derive(Debug)]
pub struct Kit {
    name: String,
    bus: Bus,
    shutdown: Shutdown,
    ready: Readiness,
    metrics: Metrics,
    health_addr: Option<SocketAddr>,
    deadline: Instant,
    drain_grace: Duration,
    closers: Closers,
}

impl Kit {
    /// Connects, ensures the topology and serves the health endpoints (not
    /// ready yet).
    pub async fn start(settings: KitSettings) -> Result<Self, StartError> {
        let deadline = Instant::now() + settings.startup_timeout;
        let name = settings.connect.name.clone();
        let bus = tokio::time::timeout_at(deadline, Bus::connect_with(&settings.connect))
            .await
            .map_err(|_| StartupTimeout {
                what: "NATS",
                seconds: settings.startup_timeout.as_secs(),
                last_error: "no answer".into(),
            })??;
        let metrics = Metrics::new();
        let bus = bus.with_metrics(&metrics);
        let ready = Readiness::default();
        let client = bus.client.clone();
        ready.add_check("NATS", move || {
            let client = client.clone();
            async move { nats_answers(&client).await }
        });
        let kit = Self {
            name,
            bus,
            shutdown: Shutdown::new(),
            ready,
            metrics,
            health_addr: None,
            deadline,
            drain_grace: settings.drain_grace,
            closers: Closers::default(),
        };
        let bus = kit.bus.clone();
        kit.wait_for(
            "the NATS streams",
            || bus.ensure_topology(),
            |e: &BusError| e.kind() != ErrorKind::Rejected,
        )
        .await?;
        let health_addr = match settings.health {
            HealthListener::Merged => None,
            HealthListener::Serve(addr) => Some(
                health::serve(
                    kit.name.as_str(),
                    addr,
                    kit.ready.clone(),
                    kit.metrics.clone(),
                    &kit.shutdown,
                )
                .await
                .map_err(StartError::Health)?,
            ),
        };
        Ok(Self { health_addr, ..kit })
    }

    /// Calls `attempt` until it succeeds, fails with an error `retryable`
    /// rejects, or the start deadline passes.
    pub async fn wait_for<T, E, F, Fut>(
        &self,
        what: &'static str,
        attempt: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, StartError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        retry_until(what, self.deadline, attempt, retryable)
            .await
            .map_err(|error| match error {
                RetryError::TimedOut(timeout) => StartError::Timeout(timeout),
                RetryError::Failed(source) => StartError::Dependency {
                    what,
                    source: Box::new(source),
                },
            })
    }

    /// Waits for `future` until the start deadline.
    pub async fn within<T>(
        &self,
        what: &'static str,
        future: impl Future<Output = T>,
    ) -> Result<T, StartError> {
        let started = Instant::now();
        tokio::time::timeout_at(self.deadline, future)
            .await
            .map_err(|_| {
                StartError::Timeout(StartupTimeout {
                    what,
                    seconds: started.elapsed().as_secs(),
                    last_error: "no answer".into(),
                })
            })
    }

    /// The configuration bucket's live cache, loaded (both steps retried
    /// until the start deadline).
    pub async fn config_cache(&self) -> Result<ConfigCache, StartError> {
        let cache = self
            .wait_for(
                "the configuration cache",
                || ConfigCache::start(&self.bus, self.shutdown.token()),
                |_| true,
            )
            .await?;
        self.within("the configuration to load", cache.ready())
            .await?;
        Ok(cache)
    }

    /// Runs a durable consumer until shutdown; the pipeline settles each
    /// message by the handler's result (see [`consume`]).
    pub fn spawn_consumer(&self, spec: ConsumerSpec, consumer: impl Consumer) {
        let handler = move |delivery| {
            let consumer = consumer.clone();
            async move { consumer.consume(delivery).await }
        };
        self.shutdown.spawn(consume::run(
            self.bus.clone(),
            spec,
            handler,
            self.shutdown.token(),
        ));
    }

    /// Runs a durable consumer in batches of up to `spec.max_batch`, each in
    /// two stages, until shutdown (see [`consume::run_batched`]).
    #[expect(
        clippy::async_yields_async,
        reason = "the first stage yields the second, awaited beside the next batch"
    )]
    pub fn spawn_batch_consumer(&self, spec: ConsumerSpec, consumer: impl StagedBatchConsumer) {
        let handler = move |batch| {
            let consumer = consumer.clone();
            async move { consumer.consume_batch(batch).await }
        };
        self.shutdown.spawn(consume::run_batched(
            self.bus.clone(),
            spec,
            handler,
            self.shutdown.token(),
        ));
    }

    /// Runs a durable consumer in batches per lane, at most `max_batch`
    /// messages each, until shutdown (see [`consume::run_lane_batched`]): a
    /// lane's messages that arrived together are decided in one step.
    pub fn spawn_lane_batch_consumer(
        &self,
        spec: ConsumerSpec,
        max_batch: usize,
        consumer: impl BatchConsumer,
    ) {
        let handler = move |deliveries| {
            let consumer = consumer.clone();
            async move { consumer.consume_batch(deliveries).await }
        };
        self.shutdown.spawn(consume::run_lane_batched(
            self.bus.clone(),
            spec,
            max_batch,
            handler,
            self.shutdown.token(),
        ));
    }

    /// Subscribes (retried until the start deadline) and answers requests
    /// until shutdown, then drains the subscription.
    pub async fn spawn_responder(
        &self,
        responder: Responder,
        answer: impl Answer,
    ) -> Result<(), StartError> {
        let subscriber = responder
            .subscribe_by(&self.bus, self.deadline)
            .await
            .map_err(|error| match error {
                RetryError::TimedOut(timeout) => StartError::Timeout(timeout),
                RetryError::Failed(error) => StartError::Bus(error),
            })?;
        let lifecycle = Lifecycle {
            stop: self.shutdown.token(),
            tasks: self.shutdown.tracker().clone(),
        };
        let handler = move |request| {
            let answer = answer.clone();
            async move { answer.answer(request).await }
        };
        self.shutdown
            .spawn(responder.serve(self.bus.clone(), subscriber, handler, lifecycle));
        Ok(())
    }

    /// Something to close at exit, after the drain (a database pool).
    pub fn on_close(&mut self, close: impl Future<Output = ()> + Send + 'static) {
        self.closers.0.push(Box::pin(close));
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    pub fn readiness(&self) -> &Readiness {
        &self.ready
    }

    /// Everything is started: report ready, and keep `parts` beside the
    /// running kit.
    pub fn started<P>(self, parts: P) -> Started<P> {
        Started {
            running: self.running(),
            parts,
        }
    }

    /// Everything is started: report ready.
    pub fn running(self) -> Running {
        self.ready.set(true);
        self.running_unready()
    }

    /// Everything is started; the service reports ready itself (the timer,
    /// once it holds its partitions).
    pub fn running_unready(self) -> Running {
        tracing::info!(health = ?self.health_addr, "{} started", self.name);
        Running {
            name: self.name,
            bus: self.bus,
            shutdown: self.shutdown,
            ready: self.ready,
            metrics: self.metrics,
            health_addr: self.health_addr,
            drain_grace: self.drain_grace,
            closers: std::sync::Mutex::new(self.closers),
        }
    }
}

/// `/readyz`'s check of NATS: connected, and a round trip to the server
/// (a flush) answers.
async fn nats_answers(client: &async_nats::Client) -> Result<(), String> {
    use async_nats::connection::State;
    match client.connection_state() {
        State::Connected => {}
        State::Pending => return Err("connecting".into()),
        State::Disconnected => return Err("disconnected".into()),
    }
    client.flush().await.map_err(|e| e.to_string())
}
