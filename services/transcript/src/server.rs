//! The running service: [`start`] starts the service kit (bus,
//! topology, health), opens the database, the timers bucket and the
//! configuration cache, and lists what the transcript consumes (commands)
//! and answers (thread reads), and the task that ends the conversations of
//! deleted configuration;
//! [`Started::run_until`] waits for a shutdown signal, drains, closes the
//! database and flushes the bus. Tests start the same service in-process.

use switchboard_bus::service::{Kit, KitSettings, Started};
use switchboard_bus::timers::Timers;
use switchboard_bus::{BusError, ConnectSettings};

use crate::config::TranscriptConfig;
use crate::domain::inactivity::Limits;
use crate::error::{StartError, StoreError, StoreErrorKind};
use crate::handlers::Counters;
use crate::handlers::commands::{self, CommandHandler};
use crate::handlers::inactivity::InactivityTimer;
use crate::handlers::list::{self, ListHandler};
use crate::handlers::orphans::Orphans;
use crate::handlers::rpc::{self, RpcHandler};
use crate::store::Store;

/// A started transcript service: the running kit and the store it writes
/// ([`Started::parts`]; tests read through it). [`Started::run_until`] waits
/// for a shutdown signal, lets commands and reads in flight finish (unacked commands are redelivered to
/// another instance anyway),
/// closes the database and flushes the bus.
pub type Service = Started<Store>;

/// Connects, prepares the streams and the schema, and starts every task.
/// NATS and the database may come up after this process (as under
/// `make run`): each is retried until `startup_timeout`.
pub async fn start(config: TranscriptConfig) -> Result<Service, StartError> {
    let common = &config.common;
    let mut kit = Kit::start(KitSettings::new(
        ConnectSettings::for_service(&common.bus, "transcript"),
        common.health_addr,
        common.startup_timeout,
    ))
    .await?;
    let store = kit
        .wait_for(
            "the database",
            || Store::connect(&common.database_url),
            |e: &StoreError| e.kind() == StoreErrorKind::Unavailable,
        )
        .await?;
    let bus = kit.bus().clone();
    let timers = kit
        .wait_for(
            "the timers bucket",
            || Timers::open(&bus),
            |_: &BusError| true,
        )
        .await?;

    let config_cache = kit.config_cache().await?;

    let counters = Counters::new(kit.metrics());
    let orphans = Orphans {
        store: store.clone(),
        bus: bus.clone(),
        config: config_cache.clone(),
        counters: counters.clone(),
    };
    // Subscribed before the start sweep runs, so a delete in between is
    // either seen by that sweep or received after it.
    let changes = config_cache.changes();
    kit.shutdown()
        .spawn(orphans.clone().run(changes, kit.shutdown().token()));
    let commands = CommandHandler {
        store: store.clone(),
        bus: bus.clone(),
        counters: counters.clone(),
        inactivity: InactivityTimer::new(
            timers,
            Limits::new(config.inactivity_warn, config.inactivity_end),
        ),
        orphans,
    };
    kit.spawn_batch_consumer(commands::spec(common.lanes), commands);
    let lists = ListHandler {
        store: store.clone(),
        counters: counters.clone(),
    };
    let reads = RpcHandler {
        store: store.clone(),
        bus,
        counters,
    };
    kit.spawn_responder(rpc::responder(common.rpc_concurrency), reads)
        .await?;
    kit.spawn_responder(list::responder(common.rpc_concurrency), lists)
        .await?;

    let probed = store.clone();
    kit.readiness().add_check("database", move || {
        let store = probed.clone();
        async move { store.answers().await }
    });
    let closing = store.clone();
    kit.on_close(async move { closing.close().await });
    Ok(kit.started(store))
}
