//! The gateway application: built with its listener bound (port 0 in tests),
//! run until a shutdown future resolves, then drained.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use switchboard_bus::Bus;
use switchboard_bus::config::ConfigCache;
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use tokio::net::TcpListener;

use crate::config::GatewayConfig;
use crate::state::{AppState, Counters};

pub struct Application {
    listener: TcpListener,
    router: Router,
    shutdown: Shutdown,
    state: AppState,
}

impl Application {
    /// Connects to the bus, ensures the topology, loads the configuration
    /// cache and binds the HTTP listener.
    pub async fn build(config: GatewayConfig) -> anyhow::Result<Self> {
        let shutdown = Shutdown::new();
        let bus = Bus::connect(&config.nats_url, "gateway").await?;
        bus.ensure_topology().await?;
        let config_cache = ConfigCache::start(&bus, shutdown.token()).await?;
        config_cache.ready().await;

        let listener = TcpListener::bind(config.http_addr).await?;
        let addr = listener.local_addr()?;
        let public_url: Arc<str> = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .into();
        let metrics = Metrics::new();
        let state = AppState {
            bus,
            config_cache,
            counters: Arc::new(Counters::new(&metrics)),
            settings: Arc::new(config),
            public_url,
            metrics: metrics.clone(),
            shutdown: shutdown.clone(),
        };
        let ready = Readiness::default();
        ready.set(true);
        let router = Router::new()
            .merge(crate::api::routes())
            .merge(crate::ws::routes())
            .merge(crate::agent_ws::routes())
            .merge(crate::web::routes())
            .with_state(state.clone())
            .merge(health::routes("gateway", ready, metrics));
        Ok(Self {
            listener,
            router,
            shutdown,
            state,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server when triggered (tests use it).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Serves until `signal` resolves or the shutdown handle is triggered,
    /// then gives open requests and sockets up to 10 s to finish.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()> + Send + 'static) {
        let token = self.shutdown.token();
        let stop = token.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = signal => stop.cancel(),
                () = stop.cancelled() => {}
            }
        });
        // Small frames back to back (typing, then the answer) must not wait
        // for the client's delayed ACK: turn Nagle's algorithm off.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let served = axum::serve(listener, self.router)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "gateway server failed");
        }
        self.shutdown.drain(Duration::from_secs(10)).await;
    }
}
