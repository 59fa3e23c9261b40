//! Stream and bucket definitions. Created or updated at every service start,
//! so the topology is code and a fresh NATS needs no manual setup.
//!
//! Durability: file storage everywhere. Each stream keeps the server's default
//! sync interval (fsync every two minutes): a crashed *process* (NATS or ours)
//! loses nothing because the kernel still holds the pages, and the default
//! keeps ~30x the throughput of `sync_interval: always`. Surviving a machine
//! crash is done by replication (three NATS nodes and `Bus::with_replicas(3)`;
//! a stream never shrinks below the replicas it already has),
//! not by per-message fsync — see docs/operations.md.

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::filter;

use crate::error::{BusError, ErrorKind};

/// How long the server remembers a `Nats-Msg-Id` to drop a duplicate publish.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);

const DAY: Duration = Duration::from_secs(24 * 3600);

pub fn stream_configs(replicas: usize) -> Vec<stream::Config> {
    let base = |name: &str, subject: &str, max_age: Duration| stream::Config {
        name: name.to_owned(),
        subjects: vec![subject.to_owned()],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        max_age,
        duplicate_window: DUPLICATE_WINDOW,
        num_replicas: replicas,
        ..Default::default()
    };
    vec![
        base(streams::COMMANDS, filter::ALL_COMMANDS, 7 * DAY),
        base(streams::EVENTS, filter::ALL_EVENTS, 7 * DAY),
        base(streams::AI, filter::ALL_AI, DAY),
        base(streams::ROUTING, filter::ALL_ROUTING, 7 * DAY),
        base(streams::AUDIT, filter::ALL_DECISIONS, 30 * DAY),
        base(streams::PARKED, filter::ALL_PARKED, 30 * DAY),
    ]
}

pub fn config_bucket(replicas: usize) -> kv::Config {
    kv::Config {
        bucket: streams::CONFIG_BUCKET.to_owned(),
        history: 5,
        storage: stream::StorageType::File,
        num_replicas: replicas,
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
pub fn presence_bucket(replicas: usize) -> kv::Config {
    kv::Config {
        bucket: streams::PRESENCE_BUCKET.to_owned(),
        description: "agents' console presence (gateway writes, router reads)".to_owned(),
        history: 1,
        max_age: PRESENCE_MAX_AGE,
        storage: stream::StorageType::File,
        num_replicas: replicas,
        ..Default::default()
    }
}

/// Creates or updates every stream, the config bucket and the presence bucket. A stream keeps
/// the larger of its current and the requested replica count, so a service
/// started without `SWITCHBOARD_STREAM_REPLICAS` never shrinks a replicated
/// stream another service (or an operator) grew.
pub async fn ensure(js: &jetstream::Context, replicas: usize) -> Result<(), BusError> {
    let unavailable = |what: &str, e: &dyn std::fmt::Display| {
        BusError::new(ErrorKind::Unavailable, format!("{what}: {e}"))
    };
    for mut config in stream_configs(replicas) {
        let name = config.name.clone();
        if let Ok(mut existing) = js.get_stream(&name).await
            && let Ok(info) = existing.info().await
        {
            config.num_replicas = config.num_replicas.max(info.config.num_replicas);
        }
        js.create_or_update_stream(config)
            .await
            .map_err(|e| unavailable(&format!("stream {name}"), &e))?;
    }
    for mut bucket in [config_bucket(replicas), presence_bucket(replicas)] {
        let name = bucket.bucket.clone();
        if let Ok(mut existing) = js.get_stream(format!("KV_{name}")).await
            && let Ok(info) = existing.info().await
        {
            bucket.num_replicas = bucket.num_replicas.max(info.config.num_replicas);
        }
        js.create_or_update_key_value(bucket)
            .await
            .map_err(|e| unavailable(&format!("bucket {name}"), &e))?;
    }
    Ok(())
}
