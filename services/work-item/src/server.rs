//! The running service: [`start`] starts the service kit (bus,
//! topology, health), opens the database, and lists what the work-item
//! service consumes (conversation events) and answers (work-item requests);
//! [`Started::run_until`] waits for a shutdown signal, drains, closes the
//! database and flushes the bus. Tests start the same service in-process.

use switchboard_bus::ConnectSettings;
use switchboard_bus::service::{Kit, KitSettings, Started};

use crate::config::WorkItemConfig;
use crate::error::{StartError, StoreError, StoreErrorKind};
use crate::handlers::Counters;
use crate::handlers::answer::Answerer;
use crate::handlers::events::{self, EventHandler};
use crate::handlers::rpc::{self, RpcHandler};
use crate::store::Store;

/// A started work-item service: the running kit and the store it writes
/// ([`Started::parts`]; tests read through it). [`Started::run_until`] waits
/// for a shutdown signal, lets events and requests in flight finish (unacked events are redelivered
/// anyway),
/// closes the database and flushes the bus.
pub type Service = Started<Store>;

/// Connects, prepares the streams and the schema, and starts every task.
/// NATS and the database may come up after this process (as under
/// `make run`): each is retried until `startup_timeout`.
pub async fn start(config: WorkItemConfig) -> Result<Service, StartError> {
    let common = &config.common;
    let mut kit = Kit::start(KitSettings::new(
        ConnectSettings::for_service(&common.bus, "work-item"),
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

    let counters = Counters::new(kit.metrics());
    let events = EventHandler {
        store: store.clone(),
        bus: kit.bus().clone(),
        counters: counters.clone(),
        transcript_timeout: config.transcript_timeout,
    };
    kit.spawn_consumer(events::spec(common.lanes), events);
    let requests = RpcHandler {
        answerer: Answerer {
            store: store.clone(),
            counters,
            bus: Some(kit.bus().clone()),
        },
        bus: kit.bus().clone(),
    };
    kit.spawn_responder(rpc::responder(common.rpc_concurrency), requests)
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
