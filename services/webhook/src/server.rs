//! The running service: [`start`] starts the service kit (bus, topology,
//! health), opens the database and the configuration cache, and lists what
//! the webhook service consumes (conversation events), answers (delivery
//! states and logs) and runs (the delivery worker).

use std::sync::Arc;

use switchboard_bus::ConnectSettings;
use switchboard_bus::service::{Kit, KitSettings, Started};
use tokio::sync::Notify;

use crate::config::WebhookConfig;
use crate::deliver::Worker;
use crate::deliver::http::Sender;
use crate::error::{StartError, StoreError, StoreErrorKind};
use crate::handlers::Counters;
use crate::handlers::events::{self, EventHandler};
use crate::handlers::rpc::{self, RpcHandler};
use crate::handlers::work_items::{self, WorkItemHandler};
use crate::store::Store;

/// A started webhook service and the worker it runs (tests call
/// [`Worker::step`] or watch the store through it).
pub type Service = Started<Worker>;

/// Connects, prepares the streams and the schema, and starts every task.
pub async fn start(config: WebhookConfig) -> Result<Service, StartError> {
    let common = &config.common;
    let mut kit = Kit::start(KitSettings::new(
        ConnectSettings::for_service(&common.bus, "webhook"),
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
    let cache = kit.config_cache().await?;
    let counters = Counters::new(kit.metrics());
    let wake = Arc::new(Notify::new());
    let recorder = EventHandler {
        store: store.clone(),
        config: cache.clone(),
        counters: counters.clone(),
        wake: wake.clone(),
    };
    kit.spawn_consumer(events::spec(common.lanes), recorder.clone());
    kit.spawn_consumer(work_items::spec(common.lanes), WorkItemHandler(recorder));
    kit.spawn_responder(
        rpc::responder(common.rpc_concurrency),
        RpcHandler {
            store: store.clone(),
            counters: counters.clone(),
        },
    )
    .await?;
    let worker = Worker {
        store: store.clone(),
        config: cache,
        keys: config.secret_keys.clone(),
        sender: Sender::new(config.delivery.allow_private, config.delivery.timeout),
        settings: config.delivery.clone(),
        counters,
        wake,
    };
    kit.shutdown()
        .spawn(worker.clone().run(kit.shutdown().token()));

    let probed = store.clone();
    kit.readiness().add_check("database", move || {
        let store = probed.clone();
        async move { store.answers().await }
    });
    let closing = store;
    kit.on_close(async move { closing.close().await });
    Ok(kit.started(worker))
}
