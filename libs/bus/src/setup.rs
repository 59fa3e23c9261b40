//! Stream and bucket definitions, and the one way any service creates a
//! stream or a bucket ([`Bus::ensure_stream`], [`Bus::ensure_bucket`]).
//! Created or updated at every service start, so the topology is code and a
//! fresh NATS needs no manual setup.
//!
//! Durability: file storage everywhere. Each stream keeps the server's default
//! sync interval (fsync every two minutes): a crashed *process* (NATS or ours)
//! loses nothing because the kernel still holds the pages, and the default
//! keeps ~30x the throughput of `sync_interval: always`. Surviving a machine
//! crash is done by replication (`SWITCHBOARD_REPLICAS=3` on three NATS
//! nodes), not by per-message fsync — see docs/operations.md.
//!
//! Replicas: every stream and bucket gets [`Bus::replicas`], whatever its
//! definition says, and never fewer than it already has: a service started
//! without `SWITCHBOARD_REPLICAS` (or an older release) does not shrink what
//! another service or an operator grew. A stream whose definition already
//! matches is left alone, so ordinary restarts change nothing.

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::filter;

use crate::Bus;
use crate::error::{BusError, ErrorKind};

/// How long the server remembers a `Nats-Msg-Id` to drop a duplicate publish.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Create-or-update rounds before giving up: another process may be
/// creating the same stream at the same moment.
const ATTEMPTS: usize = 3;

pub fn stream_configs() -> Vec<stream::Config> {
    let base = |name: &str, subject: &str, max_age: Duration| stream::Config {
        name: name.to_owned(),
        subjects: vec![subject.to_owned()],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        max_age,
        duplicate_window: DUPLICATE_WINDOW,
        ..Default::default()
    };
    vec![
        base(streams::COMMANDS, filter::ALL_COMMANDS, 7 * DAY),
        base(streams::EVENTS, filter::ALL_EVENTS, 7 * DAY),
        base(streams::AI, filter::ALL_AI, DAY),
        base(streams::ROUTING, filter::ALL_ROUTING, 7 * DAY),
        base(streams::AUDIT, filter::ALL_DECISIONS, 30 * DAY),
        base(streams::PARKED, filter::ALL_PARKED, 30 * DAY),
        base(streams::WORK_ITEMS, filter::ALL_WORK_ITEM_CHANGES, 7 * DAY),
    ]
}

pub fn config_bucket() -> kv::Config {
    kv::Config {
        bucket: streams::CONFIG_BUCKET.to_owned(),
        history: 5,
        storage: stream::StorageType::File,
        ..Default::default()
    }
}

/// How long an agent's presence record outlives its last write: far longer
/// than any sensible presence grace, so a missing record only ever means
/// "not seen for a long time". A record is rewritten every refresh while
/// the agent is connected.
pub const PRESENCE_MAX_AGE: Duration = DAY;

/// The presence bucket: one `AgentPresence` per agent, only the latest
/// kept, forgotten a day after its last write.
pub fn presence_bucket() -> kv::Config {
    kv::Config {
        bucket: streams::PRESENCE_BUCKET.to_owned(),
        description: "agents' console presence (gateway writes, router reads)".to_owned(),
        history: 1,
        max_age: PRESENCE_MAX_AGE,
        storage: stream::StorageType::File,
        ..Default::default()
    }
}

/// Creates or updates every stream, the config bucket and the presence bucket.
pub async fn ensure(bus: &Bus) -> Result<(), BusError> {
    for config in stream_configs() {
        bus.ensure_stream(config).await?;
    }
    bus.ensure_bucket(config_bucket()).await?;
    bus.ensure_bucket(presence_bucket()).await?;
    Ok(())
}

impl Bus {
    /// Creates the stream, or updates it when its definition changed, with
    /// [`Bus::replicas`] replicas or the more it already has (the
    /// definition's own `num_replicas` is ignored).
    pub async fn ensure_stream(
        &self,
        mut config: stream::Config,
    ) -> Result<stream::Info, BusError> {
        let name = config.name.clone();
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let existing = self.stream_config(&name).await?;
            config.num_replicas = self.replicas_over(existing.as_ref());
            let outcome = match existing {
                Some(current) if !stream_differs(&current, &config) => {
                    return self.info(&name).await;
                }
                Some(_) => self.js.update_stream(config.clone()).await,
                None => self
                    .js
                    .create_stream(config.clone())
                    .await
                    .map(|s| s.cached_info().clone()),
            };
            match outcome {
                Ok(info) => return Ok(info),
                // Created by another process meanwhile: look again.
                Err(e) if is_code(&e, jetstream::ErrorCode::STREAM_NAME_EXIST) => last = Some(e),
                Err(e) => return Err(refused(&format!("stream {name}"), &e)),
            }
        }
        Err(refused(
            &format!("stream {name}"),
            &last.expect("an attempt failed"),
        ))
    }

    /// Creates the key-value bucket, or updates it when its definition
    /// changed, with replicas as [`Bus::ensure_stream`] gives them.
    pub async fn ensure_bucket(&self, mut config: kv::Config) -> Result<kv::Store, BusError> {
        let name = config.bucket.clone();
        let stream = format!("KV_{name}");
        let unavailable = |e: &dyn std::fmt::Display| {
            BusError::new(ErrorKind::Unavailable, format!("bucket {name}: {e}"))
        };
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let existing = self.stream_config(&stream).await?;
            config.num_replicas = self.replicas_over(existing.as_ref());
            if let Some(current) = &existing
                && !bucket_differs(current, &config)
            {
                return self
                    .js
                    .get_key_value(&name)
                    .await
                    .map_err(|e| unavailable(&e));
            }
            match self.js.create_or_update_key_value(config.clone()).await {
                Ok(store) => return Ok(store),
                Err(e) => {
                    let raced = std::error::Error::source(&e)
                        .and_then(|s| s.downcast_ref::<jetstream::context::CreateStreamError>())
                        .is_some_and(|s| is_code(s, jetstream::ErrorCode::STREAM_NAME_EXIST));
                    if !raced {
                        return Err(unavailable(&e));
                    }
                    last = Some(e);
                }
            }
        }
        Err(unavailable(&last.expect("an attempt failed")))
    }

    /// The replicas to ask for: ours, or the more a stream already has.
    fn replicas_over(&self, existing: Option<&stream::Config>) -> usize {
        existing.map_or(0, |c| c.num_replicas).max(self.replicas)
    }

    /// A stream's current definition; `None` when there is no such stream.
    async fn stream_config(&self, name: &str) -> Result<Option<stream::Config>, BusError> {
        match self.js.get_stream(name).await {
            Ok(stream) => Ok(Some(stream.cached_info().config.clone())),
            Err(e) => match e.kind() {
                jetstream::context::GetStreamErrorKind::JetStream(js)
                    if js.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
                {
                    Ok(None)
                }
                _ => Err(BusError::new(
                    ErrorKind::Unavailable,
                    format!("stream {name}: {e}"),
                )),
            },
        }
    }

    async fn info(&self, name: &str) -> Result<stream::Info, BusError> {
        self.js
            .get_stream(name)
            .await
            .map(|s| s.cached_info().clone())
            .map_err(|e| BusError::new(ErrorKind::Unavailable, format!("stream {name}: {e}")))
    }
}

fn is_code(error: &jetstream::context::CreateStreamError, code: jetstream::ErrorCode) -> bool {
    matches!(error.kind(), jetstream::context::CreateStreamErrorKind::JetStream(js) if js.error_code() == code)
}

/// A stream the server refused: a setting it cannot take (more replicas
/// than a single server has) is not worth retrying; anything else may be a
/// cluster still electing its leaders.
fn refused(what: &str, error: &jetstream::context::CreateStreamError) -> BusError {
    let kind = if is_code(error, jetstream::ErrorCode::STREAM_REPLICAS_NOT_SUPPORTED) {
        ErrorKind::Rejected
    } else {
        ErrorKind::Unavailable
    };
    BusError::new(kind, format!("{what}: {error}"))
}

/// Whether `wanted` changes a setting a definition of ours sets. Zero and
/// negative limits both mean "unlimited" (the server answers -1).
fn stream_differs(current: &stream::Config, wanted: &stream::Config) -> bool {
    current.subjects != wanted.subjects
        || current.storage != wanted.storage
        || current.retention != wanted.retention
        || current.max_age != wanted.max_age
        || current.num_replicas != wanted.num_replicas
        || current.allow_rollup != wanted.allow_rollup
        || current.allow_direct != wanted.allow_direct
        || (!wanted.duplicate_window.is_zero()
            && current.duplicate_window != wanted.duplicate_window)
        || limit(current.max_messages_per_subject) != limit(wanted.max_messages_per_subject)
        || limit(current.max_message_size.into()) != limit(wanted.max_message_size.into())
        || text(&current.description) != text(&wanted.description)
}

/// The same for a bucket, against the stream that holds it.
fn bucket_differs(current: &stream::Config, wanted: &kv::Config) -> bool {
    current.storage != wanted.storage
        || current.max_age != wanted.max_age
        || current.num_replicas != wanted.num_replicas
        || limit(current.max_messages_per_subject) != limit(wanted.history.max(1))
        || limit(current.max_message_size.into()) != limit(wanted.max_value_size.into())
        || limit(current.max_bytes) != limit(wanted.max_bytes)
        || text(&current.description) != wanted.description.as_str()
        || current.subject_delete_marker_ttl != wanted.limit_markers
}

fn limit(value: i64) -> Option<i64> {
    (value > 0).then_some(value)
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}
