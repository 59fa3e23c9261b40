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
//! | [`setup`] | stream and bucket definitions; [`Bus::ensure_stream`] and [`Bus::ensure_bucket`], which replicate every one as `SWITCHBOARD_REPLICAS` says |
//! | [`publish`] | durable publish with dedupe id and trace headers |
//! | [`consume`] | the consumer pipeline: per-key lanes, ack / retry / park |
//! | [`config`] | the configuration bucket with a live, watched cache; compare-and-set writes |
//! | [`propagation`] | trace context into and out of NATS headers |
//! | [`presence`] | agents' console presence records (KV `SB_PRESENCE`): gateways write, the router reads |
//! | [`rpc`] | the request/reply responder: queue subscription, bounded concurrency, drain |
//! | [`timers`] | durable timers: schedule, re-arm, cancel (the timer service fires them) |
//! | [`meters`] | messages consumed and published, consumer lag, redeliveries, parked |
//! | [`failure`] | the failure vocabulary: retry (with the spec's backoff), park, answered |
//! | [`service`] | the service kit: connect, topology, health, consumers, responders, drain |

pub mod config;
pub mod consume;
#[cfg(test)]
mod consume_tests;
pub mod error;
pub mod failure;
pub mod meters;
pub mod presence;
pub mod propagation;
pub mod publish;
pub mod rpc;
pub mod service;
pub mod setup;
pub mod timers;

pub use error::{BusError, ErrorKind};
pub use failure::{Backoff, Classify, Disposition};

use std::sync::Arc;
use std::time::Duration;

use async_nats::{ServerAddr, jetstream};
use switchboard_runtime::config::{BusCredentials, BusSettings};

/// How a process connects to NATS: the one place that will also take its
/// credentials and TLS settings.
#[derive(Clone)]
pub struct ConnectSettings {
    /// One server, or several separated by commas (a cluster's nodes).
    pub url: String,
    /// The client name the server shows (`connz`).
    pub name: String,
    /// See [`Bus::replicas`].
    pub replicas: usize,
    /// The longest wait between reconnect attempts; `None` keeps the
    /// client's default (growing to 4 s).
    pub reconnect_delay_cap: Option<Duration>,
    /// Called on every (re)connect.
    pub on_connect: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Credentials and TLS files (`NATS_CREDS`, `NATS_NKEY`, `NATS_CA`,
    /// `NATS_CERT`/`NATS_KEY`).
    pub credentials: BusCredentials,
    /// How often an idle connection is pinged; see
    /// [`BusSettings::ping_interval`].
    pub ping_interval: Duration,
}

impl ConnectSettings {
    /// One replica: for tools and tests on a single server.
    pub fn new(url: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            name: name.into(),
            replicas: 1,
            reconnect_delay_cap: None,
            on_connect: None,
            credentials: BusCredentials::default(),
            ping_interval: BusSettings::DEFAULT_PING_INTERVAL,
        }
    }

    /// What a service connects with: the deployment's [`BusSettings`]
    /// (`NATS_URL`, `SWITCHBOARD_REPLICAS`, `SWITCHBOARD_NATS_PING_INTERVAL`)
    /// under the service's name.
    pub fn for_service(bus: &BusSettings, name: impl Into<String>) -> Self {
        Self {
            replicas: bus.replicas,
            credentials: bus.credentials.clone(),
            ping_interval: bus.ping_interval,
            ..Self::new(bus.url.clone(), name)
        }
    }
}

/// Connect options carrying `credentials`.
async fn credentials(credentials: &BusCredentials) -> Result<async_nats::ConnectOptions, BusError> {
    let rejected = |what: &str, e: &dyn std::fmt::Display| {
        BusError::new(ErrorKind::Rejected, format!("{what}: {e}"))
    };
    let mut options = match (&credentials.creds_file, &credentials.nkey_file) {
        (Some(path), _) => async_nats::ConnectOptions::with_credentials_file(path)
            .await
            .map_err(|e| rejected(BusCredentials::CREDS, &e))?,
        (None, Some(path)) => {
            let seed = tokio::fs::read_to_string(path)
                .await
                .map_err(|e| rejected(BusCredentials::NKEY, &e))?;
            async_nats::ConnectOptions::with_nkey(seed.trim().to_owned())
        }
        (None, None) => async_nats::ConnectOptions::new(),
    };
    if let Some(ca) = &credentials.ca_file {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    if let Some((cert, key)) = &credentials.client_cert {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    Ok(options)
}

/// A client name as one subject token.
fn inbox_token(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The servers of a `NATS_URL`: one address, or several separated by commas.
pub fn server_addrs(url: &str) -> Result<Vec<ServerAddr>, BusError> {
    url.split(',')
        .map(str::trim)
        .map(|server| {
            server.parse::<ServerAddr>().map_err(|e| {
                BusError::new(
                    ErrorKind::Rejected,
                    format!("NATS_URL: `{server}` is not a server address ({e})"),
                )
            })
        })
        .collect()
}

impl std::fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectSettings")
            .field("url", &self.url)
            .field("name", &self.name)
            .field("replicas", &self.replicas)
            .field("reconnect_delay_cap", &self.reconnect_delay_cap)
            .field("ping_interval", &self.ping_interval)
            .finish_non_exhaustive()
    }
}

/// A connection to NATS and its JetStream context.
#[derive(Clone, Debug)]
pub struct Bus {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    /// Replicas of every stream and bucket this process creates or updates
    /// ([`Bus::ensure_stream`], [`Bus::ensure_bucket`]): 1 on one NATS node,
    /// 3 on a three-node cluster (`SWITCHBOARD_REPLICAS`). Never lowers what
    /// a stream already has.
    pub replicas: usize,
    /// What this bus counts (see [`Bus::with_metrics`]).
    pub meters: meters::BusMeters,
}

impl Bus {
    /// Connects, retrying until the server answers (services may start before
    /// NATS in `make run` and after a NATS restart).
    pub async fn connect(url: &str, name: &str) -> Result<Self, BusError> {
        Self::connect_with(&ConnectSettings::new(url, name)).await
    }

    /// Connects as `settings` say, retrying until a server answers.
    pub async fn connect_with(settings: &ConnectSettings) -> Result<Self, BusError> {
        let servers = server_addrs(&settings.url)?;
        let mut options = credentials(&settings.credentials)
            .await?
            .name(&settings.name)
            // A process's replies come to inboxes under its own name, so a
            // secured bus can let each service read only its own.
            .custom_inbox_prefix(format!("_INBOX.{}", inbox_token(&settings.name)))
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .ping_interval(settings.ping_interval);
        if let Some(cap) = settings.reconnect_delay_cap {
            let step = cap / 5;
            options = options
                .reconnect_delay_callback(move |attempts| step * attempts.clamp(1, 5) as u32);
        }
        if let Some(on_connect) = settings.on_connect.clone() {
            options = options.event_callback(move |event| {
                let on_connect = on_connect.clone();
                async move {
                    if matches!(event, async_nats::Event::Connected) {
                        on_connect();
                    }
                }
            });
        }
        let client = options
            .connect(servers)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        let js = jetstream::new(client.clone());
        Ok(Self {
            client,
            js,
            replicas: 1,
            meters: meters::BusMeters::default(),
        }
        .with_replicas(settings.replicas))
    }

    /// Sets the replica count of the streams and buckets (see [`Bus::replicas`]).
    pub fn with_replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas.clamp(1, 5);
        self
    }

    /// Counts into `metrics` (the service's registry) from now on.
    pub fn with_metrics(mut self, metrics: &switchboard_runtime::metrics::Metrics) -> Self {
        self.meters = meters::BusMeters::new(metrics);
        self
    }

    /// Creates or updates every stream and the configuration bucket. Idempotent.
    pub async fn ensure_topology(&self) -> Result<(), BusError> {
        setup::ensure(self).await
    }
}
