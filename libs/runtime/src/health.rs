//! The operational endpoints every service serves on its own port:
//! `GET /healthz` (the process runs), `GET /readyz` (its dependencies are
//! connected and it has caught up) and `GET /metrics`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::metrics::Metrics;
use crate::shutdown::Shutdown;

/// Set once the service can do its work.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Debug, Clone)]
struct HealthState {
    service: Arc<str>,
    ready: Readiness,
    metrics: Metrics,
}

/// The health routes, to be served alone or merged into a service's router.
pub fn routes<S: Clone + Send + Sync + 'static>(
    service: impl Into<Arc<str>>,
    ready: Readiness,
    metrics: Metrics,
) -> Router<S> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(HealthState {
            service: service.into(),
            ready,
            metrics,
        })
}

async fn healthz(State(state): State<HealthState>) -> String {
    format!("{} ok\n", state.service)
}

async fn readyz(State(state): State<HealthState>) -> (StatusCode, String) {
    if state.ready.is_ready() {
        (StatusCode::OK, format!("{} ready\n", state.service))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} not ready\n", state.service),
        )
    }
}

async fn metrics_text(State(state): State<HealthState>) -> String {
    state.metrics.render()
}

/// Binds `addr` and serves the health routes until shutdown. Returns the
/// bound address (useful with port 0).
pub async fn serve(
    service: impl Into<Arc<str>>,
    addr: SocketAddr,
    ready: Readiness,
    metrics: Metrics,
    shutdown: &Shutdown,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app: Router = routes(service, ready, metrics);
    let token = shutdown.token();
    shutdown.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "health endpoint stopped");
        }
    });
    Ok(bound)
}
