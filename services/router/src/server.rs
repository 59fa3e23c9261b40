//! The running service: [`Service::start`] starts the service kit (bus,
//! topology, health), opens the router-state, timers and presence buckets, loads the
//! configuration index, and lists what the router consumes (routing inputs,
//! conversation events) and answers (agent views, space views); [`Service::run_until`]
//! waits for a shutdown signal, drains and flushes. Tests start the same
//! service in-process, as many instances as they like.

use std::future::Future;

use switchboard_bus::presence::PresenceStore;
use switchboard_bus::service::{Kit, KitSettings, Running};
use switchboard_bus::timers::Timers;
use switchboard_bus::{BusError, ConnectSettings, ErrorKind};
use switchboard_contracts::streams;

use crate::catalog::{self, Catalog};
use crate::config::RouterConfig;
use crate::error::StartError;
use crate::handlers::Counters;
use crate::handlers::events::{self, EventHandler};
use crate::handlers::inputs::{self, InputHandler};
use crate::handlers::perform::Performer;
use crate::handlers::presence::Presence;
use crate::handlers::rpc::{self, RpcHandler};
use crate::handlers::space_view::{self, SpaceViewHandler};
use crate::store::SnapshotStore;

/// A started router instance.
#[derive(Debug)]
pub struct Service {
    running: Running,
    catalog: Catalog,
    store: SnapshotStore,
    counters: Counters,
}

impl Service {
    /// Connects and starts every task. NATS may come up after this process
    /// (as under `make run`): it is retried until `config.startup_timeout`.
    pub async fn start(config: RouterConfig) -> Result<Self, StartError> {
        let kit = Kit::start(KitSettings::new(
            ConnectSettings::for_service(&config.bus, "router"),
            config.health_addr,
            config.startup_timeout,
        ))
        .await?;
        let bus = kit.bus().clone();
        let timing = config.timing();
        let store = kit
            .wait_for(
                "the router-state bucket",
                || SnapshotStore::open(&bus, timing),
                not_up_yet,
            )
            .await?
            .with_metrics(kit.metrics())
            .snapshot_every(config.snapshot_every);
        let states = store.clone();
        kit.readiness().add_check("routing state", move || {
            let states = states.clone();
            async move { states.unreadable() }
        });
        let timers = kit
            .wait_for("the timers bucket", || Timers::open(&bus), not_up_yet)
            .await?;
        let presence = kit
            .wait_for(
                "the presence bucket",
                || PresenceStore::open(&bus),
                not_up_yet,
            )
            .await?;
        let config_bucket = kit
            .wait_for(
                "the configuration bucket",
                || async {
                    bus.js
                        .get_key_value(streams::CONFIG_BUCKET)
                        .await
                        .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
                },
                not_up_yet,
            )
            .await?;

        let catalog = Catalog::default();
        kit.shutdown().spawn(catalog::watch::run(
            catalog.clone(),
            config_bucket,
            bus.clone(),
            kit.shutdown().token(),
        ));
        let loaded = kit
            .within("the configuration to load", catalog.ready())
            .await;
        if let Err(error) = loaded {
            kit.shutdown().trigger();
            return Err(error);
        }

        let counters = Counters::new(kit.metrics());
        let inputs = InputHandler {
            store: store.clone(),
            catalog: catalog.clone(),
            performer: Performer {
                bus: bus.clone(),
                timers,
                catalog: catalog.clone(),
                counters: counters.clone(),
            },
            presence: Presence {
                store: presence,
                timing: config.presence(),
            },
            counters: counters.clone(),
        };
        kit.spawn_lane_batch_consumer(inputs::spec(config.lanes), inputs::MAX_BATCH, inputs);
        let events = EventHandler {
            bus,
            counters: counters.clone(),
        };
        kit.spawn_lane_batch_consumer(events::spec(config.lanes), events::MAX_BATCH, events);
        let views = RpcHandler {
            store: store.clone(),
            catalog: catalog.clone(),
            counters: counters.clone(),
        };
        kit.spawn_responder(rpc::responder(config.rpc_concurrency), views)
            .await?;
        let spaces = SpaceViewHandler {
            store: store.clone(),
            catalog: catalog.clone(),
            counters: counters.clone(),
        };
        kit.spawn_responder(space_view::responder(config.rpc_concurrency), spaces)
            .await?;

        Ok(Self {
            running: kit.running(),
            catalog,
            store,
            counters,
        })
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The router-state bucket (tests read snapshots through it).
    pub fn store(&self) -> &SnapshotStore {
        &self.store
    }

    /// This instance's configuration index (tests wait on
    /// [`Catalog::wait_seen`] for the revision a config put returned).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Runs until `signal` resolves or the shutdown handle is triggered, then
    /// stops taking inputs, lets those in flight finish (an unacked input is
    /// redelivered to another instance anyway) and flushes the bus.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        self.running.run_until(signal).await;
    }
}

/// Every bus error at start is taken as "not up yet".
fn not_up_yet(_: &BusError) -> bool {
    true
}

/// A started service is its kit's [`Running`] (health address, readiness,
/// metrics, shutdown handle) plus its own parts.
impl std::ops::Deref for Service {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.running
    }
}
