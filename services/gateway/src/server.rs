//! The gateway application: built on the service kit (bus, topology with
//! retry, the health listener with `/metrics`), with its public listener
//! bound (port 0 in tests; it answers `/healthz` and `/readyz` too); run
//! until a shutdown future resolves, then drained and the bus flushed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use switchboard_bus::ConnectSettings;
use switchboard_bus::presence::PresenceStore;
use switchboard_bus::service::{HealthListener, Kit, KitSettings, Running};
use switchboard_runtime::health;
use switchboard_runtime::shutdown::Shutdown;
use tokio::net::TcpListener;

use crate::agent_ws::revocation::Revocations;
use crate::api::rate_limit::{RateLimiter, RateLimits};
use crate::config::GatewayConfig;
use crate::http_meters::HttpMeters;
use crate::presence::Presence;
use crate::socket::fanout::Fanout;
use crate::state::{AppState, Counters, Shared};

pub struct Application {
    listener: TcpListener,
    router: Router,
    running: Running,
    state: AppState,
}

impl Application {
    /// Connects to the bus, ensures the topology, loads the configuration
    /// cache (each retried until the start deadline) and binds the HTTP
    /// listener.
    pub async fn build(config: GatewayConfig) -> anyhow::Result<Self> {
        // Each (re)connection of the bus makes the sockets read their
        // conversations again: core messages sent meanwhile are lost.
        let (connections, reconnected) = tokio::sync::watch::channel(0u64);
        let mut connect = ConnectSettings::for_service(&config.bus, "gateway");
        connect.on_connect = Some(Arc::new(move || connections.send_modify(|n| *n += 1)));
        let kit = Kit::start(KitSettings {
            connect,
            health: HealthListener::Serve(config.health_addr),
            startup_timeout: config.startup_timeout,
            // Open requests and sockets get this long to finish.
            drain_grace: Duration::from_secs(10),
        })
        .await?;
        let config_cache = kit.config_cache().await?;
        crate::secrets::sweep::seal_clear_secrets(&config_cache, &config.secret_keys).await;
        let bus = kit.bus().clone();
        let records = kit
            .wait_for(
                "the presence bucket",
                || PresenceStore::open(&bus),
                |_| true,
            )
            .await?;
        let presence = Presence::new(records, config.presence_refresh, kit.shutdown().clone());
        kit.shutdown()
            .spawn(presence.clone().run(kit.shutdown().token()));
        let revocations = Revocations::default();
        kit.shutdown().spawn(
            revocations
                .clone()
                .run(config_cache.clone(), kit.shutdown().token()),
        );

        let fanout = Fanout::start(&bus.client, reconnected, kit.shutdown().token()).await?;

        let listener = TcpListener::bind(config.http_addr).await?;
        let addr = listener.local_addr()?;
        let public_url: Arc<str> = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .into();
        let metrics = kit.metrics().clone();
        let limits = RateLimits {
            api: RateLimiter::new(config.api_requests_per_second),
            addresses: RateLimiter::new(config.address_requests_per_second),
            proxy_hops: config.proxy_hops,
        };
        let state = AppState::new(Shared {
            bus: kit.bus().clone(),
            fanout,
            config_cache,
            counters: Arc::new(Counters::new(&metrics)),
            presence,
            revocations,
            limits: Arc::new(limits),
            settings: Arc::new(config),
            public_url,
            metrics: metrics.clone(),
            shutdown: kit.shutdown().clone(),
        });
        let router = Router::new()
            .merge(crate::api::routes())
            .merge(crate::ws::routes())
            .merge(crate::agent_ws::routes())
            .merge(crate::web::routes())
            .with_state(state.clone())
            .merge(health::probe_routes("gateway", kit.readiness().clone()))
            .layer(axum::middleware::from_fn_with_state(
                HttpMeters::new(&metrics),
                crate::http_meters::measure,
            ));
        Ok(Self {
            listener,
            router,
            running: kit.running(),
            state,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub fn health_addr(&self) -> SocketAddr {
        self.running.health_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server when triggered (tests use it).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.running.shutdown_handle()
    }

    /// Serves until `signal` resolves or the shutdown handle is triggered,
    /// then gives open requests and sockets up to 10 s to finish and flushes
    /// the bus.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()> + Send + 'static) {
        let shutdown = self.running.shutdown_handle();
        let served = crate::edge::serve(
            self.listener,
            self.router,
            self.state.settings.edge,
            self.state.counters.http_connections.clone(),
            shutdown.clone(),
        );
        let watch = async {
            self.running.wait(signal).await;
            shutdown.trigger();
        };
        tokio::join!(served, watch);
        self.running.finish().await;
    }
}
