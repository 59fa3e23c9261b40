//! # Switchboard bus
//!
//! NATS JetStream as every service uses it, so the delivery rules are written
//! once: streams created idempotently at start, publishes that carry a
//! `Nats-Msg-Id` and await their ack, one consumer pipeline with explicit
//! acks, and W3C trace context in message headers.
//!
//! | module | what |
//! |---|---|
//! | [`error`] | [`BusError`] with a [`ErrorKind`] callers match on |
//! | [`setup`] | stream and bucket definitions, created or updated at start |
//! | [`publish`] | durable publish with dedupe id and trace headers |
//! | [`consume`] | the consumer pipeline: per-key lanes, ack / retry / park |
//! | [`config`] | the configuration bucket with a live, watched cache |
//! | [`propagation`] | trace context into and out of NATS headers |
//! | [`rpc`] | the request/reply responder: queue subscription, bounded concurrency, drain |
//! | [`timers`] | durable timers: schedule, re-arm, cancel (the timer service fires them) |

pub mod config;
pub mod consume;
pub mod error;
pub mod propagation;
pub mod publish;
pub mod rpc;
pub mod setup;
pub mod timers;

pub use error::{BusError, ErrorKind};

use async_nats::jetstream;

/// A connection to NATS and its JetStream context.
#[derive(Clone, Debug)]
pub struct Bus {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    /// Replicas of every stream and bucket this process creates: 1 on one
    /// NATS node, 3 on a three-node cluster (`SWITCHBOARD_STREAM_REPLICAS`).
    pub replicas: usize,
}

impl Bus {
    /// Connects, retrying until the server answers (services may start before
    /// NATS in `make run` and after a NATS restart).
    pub async fn connect(url: &str, name: &str) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .name(name)
            .retry_on_initial_connect()
            .connection_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        let js = jetstream::new(client.clone());
        Ok(Self {
            client,
            js,
            replicas: 1,
        })
    }

    /// Sets the replica count of the streams and buckets (see [`Bus::replicas`]).
    pub fn with_replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas.clamp(1, 5);
        self
    }

    /// Creates or updates every stream and bucket. Idempotent.
    pub async fn ensure_topology(&self) -> Result<(), BusError> {
        setup::ensure(&self.js, self.replicas).await
    }
}
