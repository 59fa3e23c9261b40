//! The timer service: connects, opens the timers and lease buckets, starts
//! the lease coordinator, the fire loop and the health endpoint, and runs
//! until a shutdown signal. Draining stops firing, lets the fires in flight
//! finish, then hands every partition lease over so the other instances
//! take the timers at once rather than after the lease TTL.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use switchboard_bus::timers::Timers;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::streams::timer_keys::PARTITIONS;
use switchboard_runtime::clock::now_ms_unsigned as now_ms;
use switchboard_runtime::health::{self, Readiness};
use switchboard_runtime::metrics::Metrics;
use switchboard_runtime::shutdown::Shutdown;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::TimerConfig;
use crate::coordinator::Coordinator;
use crate::counters::Counters;
use crate::domain::TimerTable;
use crate::error::StartError;
use crate::fire;
use crate::leases::{self, LeaseView};
use crate::shared::Shared;

/// How long each drain step (fires in flight, lease hand-over) may take.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// A running timer service instance.
#[derive(Debug)]
pub struct Service {
    shutdown: Shutdown,
    stop_firing: CancellationToken,
    fires: TaskTracker,
    stop_coordinator: CancellationToken,
    coordinator: JoinHandle<()>,
    health_addr: SocketAddr,
    ready: Readiness,
    instance_id: String,
}

impl Service {
    pub async fn start(config: TimerConfig) -> Result<Self, StartError> {
        let shutdown = Shutdown::new();
        let changed = Arc::new(Notify::new());
        let (reconnected, reconnects) = watch::channel(0u64);
        let bus = connect(&config.nats_url, changed.clone(), reconnected).await?;
        let timers = Timers::open(&bus).await?;
        let lease_store = bus
            .js
            .create_or_update_key_value(leases::bucket_config())
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;

        let metrics = Metrics::new();
        let ready = Readiness::default();
        let health_addr = health::serve(
            "timer",
            config.health_addr,
            ready.clone(),
            metrics.clone(),
            &shutdown,
        )
        .await?;

        let table = TimerTable::new(PARTITIONS, now_ms());
        let counters = Counters::new(&metrics);
        let view = LeaseView::start(
            lease_store.clone(),
            reconnects.clone(),
            changed.clone(),
            shutdown.token(),
        );
        let store = timers.store().clone();
        let shared = Arc::new(Shared::new(
            table, bus, store, counters, changed, reconnects,
        ));

        let stop_firing = CancellationToken::new();
        let fires = TaskTracker::new();
        shutdown.spawn(fire::run(
            shared.clone(),
            config.max_in_flight,
            stop_firing.clone(),
            fires.clone(),
        ));
        let stop_coordinator = CancellationToken::new();
        let coordinator = Coordinator::new(
            shared,
            lease_store,
            view,
            config.instance_id.clone(),
            config.lease_ttl,
            ready.clone(),
        );
        let coordinator = tokio::spawn(coordinator.run(stop_coordinator.clone()));
        tracing::info!(%health_addr, instance = %config.instance_id, "timer service started");
        Ok(Self {
            shutdown,
            stop_firing,
            fires,
            stop_coordinator,
            coordinator,
            health_addr,
            ready,
            instance_id: config.instance_id,
        })
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub fn health_addr(&self) -> SocketAddr {
        self.health_addr
    }

    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Ready once it holds its share of the partitions and has loaded them.
    pub fn is_ready(&self) -> bool {
        self.ready.is_ready()
    }

    /// A handle that stops the service when triggered (tests use it).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Runs until `signal` resolves or the shutdown handle is triggered, then drains.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        tokio::select! {
            () = signal => {}
            () = self.shutdown.cancelled() => {}
        }
        tracing::info!("timer service draining");
        self.ready.set(false);
        self.stop_firing.cancel();
        self.fires.close();
        if tokio::time::timeout(DRAIN_GRACE, self.fires.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "fires still in flight at shutdown; their timers fire again elsewhere (deduplicated)"
            );
        }
        self.stop_coordinator.cancel();
        if tokio::time::timeout(DRAIN_GRACE, self.coordinator)
            .await
            .is_err()
        {
            tracing::warn!("lease hand-over did not finish; the leases expire after their TTL");
        }
        self.shutdown.drain(DRAIN_GRACE).await;
    }
}

/// Like `Bus::connect`, with differences that serve "overdue timers fire
/// within a second of NATS coming back": the reconnect delay is capped at
/// 250 ms (the default grows to 4 s), a reconnect wakes the coordinator so
/// it renews its leases at once, and it is counted on `reconnected` so the
/// watches restart at once.
async fn connect(
    url: &str,
    changed: Arc<Notify>,
    reconnected: watch::Sender<u64>,
) -> Result<Bus, BusError> {
    let reconnected = Arc::new(reconnected);
    let client = async_nats::ConnectOptions::new()
        .name("timer")
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        .reconnect_delay_callback(|attempts| Duration::from_millis(50 * attempts.min(5) as u64))
        .event_callback(move |event| {
            let (changed, reconnected) = (changed.clone(), reconnected.clone());
            async move {
                if matches!(event, async_nats::Event::Connected) {
                    reconnected.send_modify(|n| *n += 1);
                    changed.notify_one();
                }
            }
        })
        .connect(url)
        .await
        .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
    let js = jetstream::new(client.clone());
    Ok(Bus {
        client,
        js,
        replicas: 1,
    })
}
