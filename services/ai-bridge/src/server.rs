//! The ai-bridge service: starts the service kit (bus, topology, health),
//! loads the configuration cache, and lists its three durable consumers;
//! runs until a shutdown signal, then drains what the consumers hold and
//! flushes the bus.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use switchboard_bus::ConnectSettings;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::service::{Kit, KitSettings, Running};
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects::{EventKind, filter};

use crate::config::AiBridgeConfig;
use crate::error::{HandlerError, StartError};
use crate::handlers::{Context, Counters, events, handoffs, replies};
use crate::index_cache::IndexCache;

/// A running ai-bridge.
#[derive(Debug)]
pub struct Service {
    running: Running,
}

impl Service {
    /// Connects, ensures the bus topology, waits for the configuration cache,
    /// then starts the consumers.
    pub async fn start(config: AiBridgeConfig) -> Result<Self, StartError> {
        let kit = Kit::start(KitSettings::new(
            ConnectSettings::for_service(&config.bus, "ai-bridge"),
            config.health_addr,
            config.startup_timeout,
        ))
        .await?;
        let config_cache = kit.config_cache().await?;

        let counters = Counters::new(kit.metrics());
        let context = Arc::new(Context {
            bus: kit.bus().clone(),
            config: config_cache,
            indexes: IndexCache::new(config.index_cache_capacity, counters.index_builds.clone()),
            rpc_timeout: config.rpc_timeout,
            counters,
        });
        let consumer = |stream, durable, filters: Vec<String>| {
            // Retries wait out the bus or the transcript service: quick
            // through a blip, gentle through an outage.
            ConsumerSpec::filtered(stream, durable, filters)
                .lanes(config.lanes)
                .backoff(Duration::from_millis(250), Duration::from_secs(15))
        };
        spawn(
            &kit,
            // Customer messages in state `ai` are all the AI agent answers:
            // the server delivers those and none of the live chats'. No
            // filter for the shape before kinds: that shape carried every
            // message, and this consumer, new with the kind, would start at
            // the beginning of the stream.
            consumer(
                streams::EVENTS,
                consumers::AI_BRIDGE_TURNS,
                vec![filter::events_of_kind(EventKind::Turn)],
            ),
            &context,
            events::handle,
        );
        spawn(
            &kit,
            consumer(
                streams::AI,
                consumers::AI_BRIDGE_REPLIES,
                vec![filter::ALL_AI_REPLIES.into()],
            ),
            &context,
            replies::handle,
        );
        spawn(
            &kit,
            consumer(
                streams::AI,
                consumers::AI_BRIDGE_HANDOFFS,
                vec![filter::ALL_AI_HANDOFFS.into()],
            ),
            &context,
            handoffs::handle,
        );
        Ok(Self {
            running: kit.running(),
        })
    }

    /// Runs until `signal` resolves or the shutdown handle is triggered, then
    /// stops taking messages, lets the consumers finish what they hold (what
    /// is still unacked is redelivered to another instance) and flushes.
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        self.running.run_until(signal).await;
    }
}

/// One consumer whose handler takes the shared context.
fn spawn<F, Fut>(kit: &Kit, spec: ConsumerSpec, context: &Arc<Context>, handler: F)
where
    F: Fn(Arc<Context>, Delivery) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    let context = context.clone();
    kit.spawn_consumer(spec, move |delivery| handler(context.clone(), delivery));
}

/// A started service is its kit's [`Running`] (health address, readiness,
/// metrics, shutdown handle) plus its own parts.
impl std::ops::Deref for Service {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.running
    }
}
