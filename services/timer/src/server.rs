//! The timer service: starts the service kit (bus, topology, health) with a
//! quick reconnect, opens the timers and lease buckets, starts the lease
//! coordinator and the fire loop, and runs until a shutdown signal. Draining
//! stops firing, lets the fires in flight finish, then hands every partition
//! lease over so the other instances take the timers at once rather than
//! after the lease TTL, and flushes the bus.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use switchboard_bus::ConnectSettings;
use switchboard_bus::service::{Kit, KitSettings, Running};
use switchboard_bus::timers::Timers;
use switchboard_contracts::streams::timer_keys::PARTITIONS;
use switchboard_runtime::clock::now_ms_unsigned as now_ms;
use switchboard_runtime::config::BusSettings;
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
    running: Running,
    stop_firing: CancellationToken,
    fires: TaskTracker,
    stop_coordinator: CancellationToken,
    coordinator: JoinHandle<()>,
    instance_id: String,
}

impl Service {
    pub async fn start(config: TimerConfig) -> Result<Self, StartError> {
        let changed = Arc::new(Notify::new());
        let (reconnected, reconnects) = watch::channel(0u64);
        let mut settings = KitSettings::new(
            fast_reconnect(&config.bus, changed.clone(), reconnected),
            config.health_addr,
            config.startup_timeout,
        );
        settings.drain_grace = DRAIN_GRACE;
        let kit = Kit::start(settings).await?;
        let bus = kit.bus().clone();
        let timers = kit
            .wait_for("the timers bucket", || Timers::open(&bus), |_| true)
            .await?;
        let lease_store = kit
            .wait_for(
                "the lease bucket",
                || bus.ensure_bucket(leases::bucket_config()),
                |_| true,
            )
            .await?;

        let table = TimerTable::new(PARTITIONS, now_ms());
        let counters = Counters::new(kit.metrics());
        let view = LeaseView::start(
            lease_store.clone(),
            reconnects.clone(),
            changed.clone(),
            kit.shutdown().token(),
        );
        let store = timers.store().clone();
        let shared = Arc::new(Shared::new(
            table, bus, store, counters, changed, reconnects,
        ));

        let stop_firing = CancellationToken::new();
        let fires = TaskTracker::new();
        kit.shutdown().spawn(fire::run(
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
            kit.readiness().clone(),
        );
        let coordinator = tokio::spawn(coordinator.run(stop_coordinator.clone()));
        tracing::info!(instance = %config.instance_id, "timer instance");
        Ok(Self {
            // Ready once it holds its share of the partitions and has loaded
            // them: the coordinator says so.
            running: kit.running_unready(),
            stop_firing,
            fires,
            stop_coordinator,
            coordinator,
            instance_id: config.instance_id,
        })
    }

    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Ready once it holds its share of the partitions and has loaded them.
    /// Runs until `signal` resolves or the shutdown handle is triggered, then drains.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        self.running.wait(signal).await;
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
        self.running.finish().await;
    }
}

/// The connection, with differences that serve "overdue timers fire within
/// a second of NATS coming back": the reconnect delay is capped at 250 ms
/// (the default grows to 4 s), a reconnect wakes the coordinator so it
/// renews its leases at once, and it is counted on `reconnected` so the
/// watches restart at once.
fn fast_reconnect(
    bus: &BusSettings,
    changed: Arc<Notify>,
    reconnected: watch::Sender<u64>,
) -> ConnectSettings {
    let mut settings = ConnectSettings::for_service(bus, "timer");
    settings.reconnect_delay_cap = Some(Duration::from_millis(250));
    settings.on_connect = Some(Arc::new(move || {
        reconnected.send_modify(|n| *n += 1);
        changed.notify_one();
    }));
    settings
}

/// A started service is its kit's [`Running`] (health address, readiness,
/// metrics, shutdown handle) plus its own parts.
impl std::ops::Deref for Service {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.running
    }
}
