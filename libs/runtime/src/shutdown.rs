//! Graceful shutdown: one cancellation token that every task watches and a
//! tracker that `main` waits on, so work in flight drains before exit.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::health::Readiness;

#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    /// Spawns a task that shutdown waits for.
    pub fn spawn<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker.spawn(future)
    }

    pub fn trigger(&self) {
        self.token.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    pub async fn cancelled(&self) {
        self.token.cancelled().await;
    }

    /// The end of a service's run: waits until `signal` resolves or the
    /// shutdown is triggered, reports not ready (so no new work is sent
    /// here), then drains (see [`Shutdown::drain`]). True if every tracked
    /// task ended within `grace`.
    pub async fn wait_then_drain(
        &self,
        signal: impl std::future::Future<Output = ()>,
        ready: &Readiness,
        grace: Duration,
    ) -> bool {
        tokio::select! {
            () = signal => {}
            () = self.cancelled() => {}
        }
        ready.set(false);
        tracing::info!("draining");
        self.drain(grace).await
    }

    /// Cancels and waits up to `grace` for tracked tasks; true if they all ended.
    pub async fn drain(&self, grace: Duration) -> bool {
        self.token.cancel();
        self.tracker.close();
        tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok()
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
