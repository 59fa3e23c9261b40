//! The lease bucket `SB_TIMER_LEASES` and a live view of it.
//!
//! Keys: `partition.{n}` holds a `TimerLease` (who fires partition `n`),
//! `instance.{id}` a `TimerInstance` heartbeat. The view is fed by a watch
//! and records, per key, the revision and *when this instance first saw it*:
//! that local age is what decides whether a lease or heartbeat has expired
//! (see `domain::assignment`), so no two clocks are ever compared.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation};
use async_nats::jetstream::stream;
use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use switchboard_contracts::streams::{self, timer_keys};
use switchboard_contracts::v1::{TimerInstance, TimerLease};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::domain::assignment::{InstanceState, LeaseState};

/// Leases and heartbeats are rewritten every renewal, so only the keys of
/// instances that died (and their leases) ever grow this old; they go.
const MAX_AGE: Duration = Duration::from_secs(10 * 60);

pub fn bucket_config() -> kv::Config {
    kv::Config {
        bucket: streams::TIMER_LEASES_BUCKET.to_owned(),
        description: "timer service partition leases and instance heartbeats".to_owned(),
        history: 1,
        max_age: MAX_AGE,
        storage: stream::StorageType::File,
        ..Default::default()
    }
}

#[derive(Debug, Clone)]
struct Observed {
    revision: u64,
    /// `None` for a deleted key.
    value: Option<Bytes>,
    seen_at: Instant,
}

/// A watched copy of the lease bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LeaseView {
    entries: Arc<Mutex<HashMap<String, Observed>>>,
    loaded: watch::Receiver<bool>,
    /// Told when a lease is released or an instance appears, so the
    /// coordinator rebalances at once rather than at its next round.
    changed: Arc<Notify>,
}

impl LeaseView {
    /// Starts watching `store` until `cancel`, afresh after each reconnect.
    pub fn start(
        store: kv::Store,
        reconnects: watch::Receiver<u64>,
        changed: Arc<Notify>,
        cancel: CancellationToken,
    ) -> Self {
        let (loaded_tx, loaded) = watch::channel(false);
        let view = Self {
            entries: Arc::default(),
            loaded,
            changed,
        };
        let task = view.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = task.watch_loop(store, reconnects, loaded_tx) => {}
            }
        });
        view
    }

    /// Resolves once the bucket's contents at start have been seen.
    pub async fn loaded(&self) {
        let mut loaded = self.loaded.clone();
        let _ = loaded.wait_for(|l| *l).await;
    }

    async fn watch_loop(
        &self,
        store: kv::Store,
        mut reconnects: watch::Receiver<u64>,
        loaded: watch::Sender<bool>,
    ) {
        reconnects.mark_unchanged();
        loop {
            let empty = store.status().await.map(|s| s.values() == 0);
            let mut watch = match (empty, store.watch_with_history(">").await) {
                (Ok(empty), Ok(watch)) => {
                    if empty {
                        let _ = loaded.send(true);
                    }
                    watch
                }
                (Err(_), _) | (_, Err(_)) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                }
            };
            loop {
                let entry = tokio::select! {
                    entry = watch.next() => entry,
                    Ok(()) = reconnects.changed() => break,
                };
                let Some(entry) = entry else { break };
                match entry {
                    Ok(entry) => {
                        let value = (entry.operation == Operation::Put).then_some(entry.value);
                        self.observe(&entry.key, entry.revision, value);
                        if entry.delta == 0 {
                            let _ = loaded.send(true);
                        }
                    }
                    Err(error) => tracing::debug!(%error, "lease watch hiccup"),
                }
            }
            tracing::debug!("lease watch ended or NATS reconnected; watching again");
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Observed>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `key` at `revision` (`value` `None`: deleted), unless a later
    /// revision is already known. A revision seen again keeps its first sighting.
    pub fn observe(&self, key: &str, revision: u64, value: Option<Bytes>) {
        let mut entries = self.lock();
        let previous = entries.get(key);
        if previous.is_some_and(|seen| seen.revision >= revision) {
            return;
        }
        let news = value.is_none() || previous.is_none_or(|seen| seen.value.is_none());
        entries.insert(
            key.to_owned(),
            Observed {
                revision,
                value,
                seen_at: Instant::now(),
            },
        );
        if news {
            self.changed.notify_one();
        }
    }

    /// The latest revision seen of `key`.
    pub fn revision(&self, key: &str) -> Option<u64> {
        self.lock().get(key).map(|seen| seen.revision)
    }

    /// Replaces what is known of `key` with a fresh read (after a lost
    /// compare-and-set: the view was behind, or the key aged out).
    pub fn refresh(&self, key: &str, entry: Option<kv::Entry>) {
        match entry {
            Some(entry) => {
                let value = (entry.operation == Operation::Put).then_some(entry.value);
                let mut entries = self.lock();
                if entries
                    .get(key)
                    .is_none_or(|seen| seen.revision != entry.revision)
                {
                    entries.insert(
                        key.to_owned(),
                        Observed {
                            revision: entry.revision,
                            value,
                            seen_at: Instant::now(),
                        },
                    );
                }
            }
            None => {
                self.lock().remove(key);
            }
        }
    }

    /// The heartbeats and partition leases, with their local ages at `now`.
    pub fn snapshot(&self, now: Instant) -> (Vec<InstanceState>, BTreeMap<u16, LeaseState>) {
        let entries = self.lock();
        let mut instances = Vec::new();
        let mut leases = BTreeMap::new();
        for (key, seen) in entries.iter() {
            let Some(value) = &seen.value else { continue };
            let unchanged_for = now.saturating_duration_since(seen.seen_at);
            if let Some(partition) = key.strip_prefix("partition.") {
                let (Ok(partition), Ok(lease)) =
                    (partition.parse::<u16>(), TimerLease::decode(value.clone()))
                else {
                    continue;
                };
                if partition < timer_keys::PARTITIONS {
                    leases.insert(
                        partition,
                        LeaseState {
                            owner: lease.owner,
                            ttl: Duration::from_millis(lease.ttl_ms),
                            revision: seen.revision,
                            unchanged_for,
                        },
                    );
                }
            } else if key.starts_with("instance.")
                && let Ok(instance) = TimerInstance::decode(value.clone())
            {
                instances.push(InstanceState {
                    id: instance.id,
                    ttl: Duration::from_millis(instance.ttl_ms),
                    unchanged_for,
                });
            }
        }
        (instances, leases)
    }
}
