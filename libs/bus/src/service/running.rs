//! A started service: waits for the shutdown signal, drains, closes what
//! was registered and flushes the bus.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use switchboard_runtime::health::Readiness;
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;

use crate::Bus;

/// How long closing one resource, and the final flush, may take.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What to close at exit, in order.
#[derive(Default)]
pub(super) struct Closers(pub(super) Vec<Pin<Box<dyn Future<Output = ()> + Send>>>);

impl std::fmt::Debug for Closers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to close", self.0.len())
    }
}

/// A started service.
#[derive(Debug)]
pub struct Running {
    pub(super) name: String,
    pub(super) bus: Bus,
    pub(super) shutdown: Shutdown,
    pub(super) ready: Readiness,
    pub(super) metrics: Metrics,
    pub(super) health_addr: Option<SocketAddr>,
    pub(super) drain_grace: Duration,
    /// Behind a lock only so that a `Running` is `Sync` (the futures are not).
    pub(super) closers: std::sync::Mutex<Closers>,
}

impl Running {
    /// Where `/healthz`, `/readyz` and `/metrics` are served; the
    /// unspecified address `0.0.0.0:0` when the service merged them into
    /// its own listener ([`HealthListener::Merged`]).
    pub fn health_addr(&self) -> SocketAddr {
        self.health_addr
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub fn is_ready(&self) -> bool {
        self.ready.is_ready()
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// A handle that stops the service when triggered.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Waits for `signal` or the shutdown handle, drains, closes, flushes.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        self.wait(signal).await;
        self.finish().await;
    }

    /// Waits for `signal` or the shutdown handle, then reports not ready (so
    /// no new work is sent here). Tasks keep running until [`Self::finish`].
    pub async fn wait(&self, signal: impl Future<Output = ()>) {
        tokio::select! {
            () = signal => {}
            () = self.shutdown.cancelled() => {}
        }
        self.ready.set(false);
        tracing::info!("{} draining", self.name);
    }

    /// Stops every task and lets work in flight finish (what is unacked then
    /// is redelivered to another instance), closes what was registered, and
    /// flushes the client so the last publishes leave.
    pub async fn finish(self) {
        if !self.shutdown.drain(self.drain_grace).await {
            tracing::warn!(
                "work still running after {:?}; stopping anyway",
                self.drain_grace
            );
        }
        let closers = self.closers.into_inner().unwrap_or_else(|e| e.into_inner());
        for close in closers.0 {
            if tokio::time::timeout(CLOSE_GRACE, close).await.is_err() {
                tracing::warn!("a resource did not close within {CLOSE_GRACE:?}");
            }
        }
        if tokio::time::timeout(CLOSE_GRACE, self.bus.client.flush())
            .await
            .is_err()
        {
            tracing::warn!("the last messages may not have reached NATS");
        }
        tracing::info!("{} stopped", self.name);
    }
}

/// A started service whose own parts are one value (a store, say): the
/// kit's [`Running`], which it derefs to (health address, readiness,
/// metrics, shutdown handle), plus `parts`, kept for tests to read through.
#[derive(Debug)]
pub struct Started<P> {
    pub(super) running: Running,
    pub(super) parts: P,
}

impl<P> Started<P> {
    /// The service's own parts.
    pub fn parts(&self) -> &P {
        &self.parts
    }

    /// See [`Running::run_until`].
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        self.running.run_until(signal).await;
    }
}

impl<P> std::ops::Deref for Started<P> {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.running
    }
}
