//! The operational endpoints every service serves on its own port:
//! `GET /healthz` (the process runs), `GET /readyz` (it has started and its
//! dependencies answer now) and `GET /metrics`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use futures::future::BoxFuture;
use tokio::net::TcpListener;

use crate::metrics::{self, Metrics};
use crate::shutdown::Shutdown;

/// How long one readiness check may take before it counts as failed: well
/// inside a probe's own timeout (Kubernetes' default is a second).
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(500);

type Check = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Whether the service can do its work: set once it has started, and the
/// checks of its dependencies, run on every `/readyz`.
#[derive(Clone, Default)]
pub struct Readiness {
    started: Arc<AtomicBool>,
    checks: Arc<Mutex<Vec<(&'static str, Check)>>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("started", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.started.store(ready, Ordering::Release);
    }

    /// Started (the checks are not run here).
    pub fn is_ready(&self) -> bool {
        self.started.load(Ordering::Acquire)
    }

    /// A dependency `/readyz` asks each time: `check` answers `Err(reason)`
    /// when `what` is unreachable; no answer within [`CHECK_TIMEOUT`] fails
    /// too.
    pub fn add_check<F, Fut>(&self, what: &'static str, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let check: Check = Arc::new(move || Box::pin(check()));
        self.checks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((what, check));
    }

    /// Runs every check at once: the reasons of those that failed, in the
    /// order they were added.
    pub async fn failures(&self) -> Vec<String> {
        let checks = self
            .checks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let runs = checks.iter().map(|(what, check)| async move {
            match tokio::time::timeout(CHECK_TIMEOUT, check()).await {
                Ok(Ok(())) => None,
                Ok(Err(reason)) => Some(format!("{what}: {reason}")),
                Err(_) => Some(format!(
                    "{what}: no answer within {}ms",
                    CHECK_TIMEOUT.as_millis()
                )),
            }
        });
        futures::future::join_all(runs)
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}

#[derive(Debug, Clone)]
struct HealthState {
    service: Arc<str>,
    ready: Readiness,
    metrics: Metrics,
}

/// The health routes with `/metrics`, as the health listener serves them.
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

/// `/healthz` and `/readyz` alone, for a public listener (the gateway's),
/// where `/metrics` has no place.
pub fn probe_routes<S: Clone + Send + Sync + 'static>(
    service: impl Into<Arc<str>>,
    ready: Readiness,
) -> Router<S> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(HealthState {
            service: service.into(),
            ready,
            metrics: Metrics::new(),
        })
}

async fn healthz(State(state): State<HealthState>) -> String {
    format!("{} ok\n", state.service)
}

async fn readyz(State(state): State<HealthState>) -> (StatusCode, String) {
    if !state.ready.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} not ready: starting\n", state.service),
        );
    }
    let failures = state.ready.failures().await;
    if failures.is_empty() {
        (StatusCode::OK, format!("{} ready\n", state.service))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} not ready: {}\n", state.service, failures.join("; ")),
        )
    }
}

/// OpenMetrics to a scraper that asks for it (Prometheus does), the
/// classic text format otherwise.
async fn metrics_text(State(state): State<HealthState>, headers: HeaderMap) -> impl IntoResponse {
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    if openmetrics {
        (
            [(header::CONTENT_TYPE, metrics::OPENMETRICS_TYPE)],
            state.metrics.render(),
        )
    } else {
        (
            [(header::CONTENT_TYPE, metrics::TEXT_TYPE)],
            state.metrics.render_text(),
        )
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn readiness_names_each_dependency_that_fails_or_does_not_answer() {
        let ready = Readiness::default();
        ready.add_check("NATS", || async { Ok(()) });
        ready.add_check("database", || async {
            Err("connection refused".to_owned())
        });
        ready.add_check("slow", std::future::pending);
        let started = tokio::time::Instant::now();
        assert_eq!(
            ready.failures().await,
            [
                "database: connection refused".to_owned(),
                format!("slow: no answer within {}ms", CHECK_TIMEOUT.as_millis()),
            ]
        );
        assert!(
            started.elapsed() < CHECK_TIMEOUT * 2,
            "the checks run together"
        );
    }
}
