//! The configuration bucket and a live cache of it.
//!
//! Records are protobuf values under typed keys (`tenant.{id}`,
//! `experience.{id}`, ...). Every service keeps a [`ConfigCache`] fed by a
//! watch on the whole bucket, so an admin's change reaches every instance
//! without a restart. The writer (the gateway) also applies its own writes
//! to its cache at once, so an admin reads what they just wrote. Every
//! write is a compare-and-set on the key's revision (`config/write.rs`), so
//! two gateways editing one record never silently lose either edit.
//!
//! A service that must act on a change (the transcript ends the
//! conversations of a deleted record) subscribes with
//! [`ConfigCache::changes`]: every change the cache applies, with the value
//! before and after it. A deleted key is kept as a tombstone, so
//! [`ConfigCache::is_deleted`] tells a record that is gone from one this
//! instance has not heard of yet, and [`ConfigCache::last_known`] still
//! reads what a deleted record last said.

mod write;

pub use write::{EDIT_ATTEMPTS, EditError};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use switchboard_contracts::streams;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::Bus;
use crate::error::{BusError, ErrorKind};

/// Key builders, one per record type (the layout is a contract: see
/// [`switchboard_contracts::config_keys`]).
pub use switchboard_contracts::config_keys as keys;

/// A key as last seen: its revision (the bucket stream's sequence), and its
/// value unless the last revision deleted it.
#[derive(Debug, Clone)]
struct Cached {
    revision: u64,
    value: Option<Bytes>,
    /// After a delete, the last value this cache saw of the key (for
    /// readers that must still say something about a deleted record).
    last_known: Option<Bytes>,
}

impl Cached {
    fn absent(revision: u64) -> Self {
        Cached {
            revision,
            value: None,
            last_known: None,
        }
    }
}

/// How many changes a subscriber may fall behind before it is told it
/// lagged (and must look at the whole cache again).
const CHANGES_BUFFER: usize = 1024;

/// One change the cache applied, as [`ConfigCache::changes`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: String,
    pub revision: u64,
    /// The value before the change; `None` when the key was new or deleted.
    pub previous: Option<Bytes>,
    /// The value after it; `None` for a delete.
    pub current: Option<Bytes>,
}

impl Change {
    pub fn is_delete(&self) -> bool {
        self.current.is_none()
    }

    /// The record as it was before the change, if there was one and it
    /// decodes.
    pub fn previous<T: Message + Default>(&self) -> Option<T> {
        T::decode(self.previous.clone()?).ok()
    }
}

/// A watched, in-memory copy of the configuration bucket.
#[derive(Debug, Clone)]
pub struct ConfigCache {
    store: kv::Store,
    entries: Arc<RwLock<HashMap<String, Cached>>>,
    ready: watch::Receiver<bool>,
    changes: broadcast::Sender<Change>,
}

impl ConfigCache {
    /// Opens the bucket and starts watching it; [`ConfigCache::ready`]
    /// resolves once the current contents are loaded.
    pub async fn start(bus: &Bus, shutdown: CancellationToken) -> Result<Self, BusError> {
        let store = bus
            .js
            .get_key_value(streams::CONFIG_BUCKET)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        let (ready_tx, ready) = watch::channel(false);
        let cache = Self {
            store,
            entries: Arc::default(),
            ready,
            changes: broadcast::Sender::new(CHANGES_BUFFER),
        };
        let task = cache.clone();
        tokio::spawn(async move { task.watch_loop(ready_tx, shutdown).await });
        Ok(cache)
    }

    async fn watch_loop(self, ready: watch::Sender<bool>, shutdown: CancellationToken) {
        let mut last_revision = 0u64;
        while !shutdown.is_cancelled() {
            if self
                .store
                .status()
                .await
                .map(|s| s.values() == 0)
                .unwrap_or(false)
            {
                let _ = ready.send(true);
            }
            let watch = if last_revision == 0 {
                self.store.watch_with_history(">").await
            } else {
                self.store.watch_all_from_revision(last_revision + 1).await
            };
            let mut watch = match watch {
                Ok(watch) => watch,
                Err(error) => {
                    tracing::warn!(%error, "config watch failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    continue;
                }
            };
            loop {
                let entry = tokio::select! {
                    () = shutdown.cancelled() => return,
                    entry = watch.next() => entry,
                };
                match entry {
                    Some(Ok(entry)) => {
                        last_revision = last_revision.max(entry.revision);
                        let value = match entry.operation {
                            Operation::Put => Some(entry.value),
                            Operation::Delete | Operation::Purge => None,
                        };
                        self.apply(&entry.key, entry.revision, value);
                        if entry.seen_current || entry.delta == 0 {
                            let _ = ready.send(true);
                        }
                    }
                    Some(Err(error)) => {
                        tracing::warn!(%error, "config watch error; resubscribing");
                        break;
                    }
                    None => break,
                }
            }
        }
    }

    /// Records what a key holds at `revision`, unless a later revision is
    /// known already (the watch and this instance's own writes race).
    fn apply(&self, key: &str, revision: u64, value: Option<Bytes>) {
        let change = {
            let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
            let old = entries.get(key);
            if old.is_some_and(|c| c.revision >= revision) {
                return;
            }
            let previous = old.and_then(|c| c.value.clone());
            // The tombstone keeps the last value, for readers that must
            // still say something about a deleted record.
            let last_known = match &value {
                Some(_) => None,
                None => old.and_then(|c| c.value.clone().or_else(|| c.last_known.clone())),
            };
            entries.insert(
                key.to_owned(),
                Cached {
                    revision,
                    value: value.clone(),
                    last_known,
                },
            );
            Change {
                key: key.to_owned(),
                revision,
                previous,
                current: value,
            }
        };
        // Nobody listening is fine: most services only read the cache.
        let _ = self.changes.send(change);
    }

    /// Every change applied from now on, in the order applied. A receiver
    /// that falls more than a thousand changes behind gets
    /// `RecvError::Lagged` and should look at the whole cache again.
    pub fn changes(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// True when `key` was deleted: this cache saw its delete marker (at
    /// load, or since). A key it has never seen is not deleted, only
    /// unknown (perhaps too new to have reached this instance).
    pub fn is_deleted(&self, key: &str) -> bool {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .is_some_and(|c| c.revision > 0 && c.value.is_none())
    }

    /// The record, or the last value this cache saw of it before it was
    /// deleted (what a deleted experience said, say).
    pub fn last_known<T: Message + Default>(&self, key: &str) -> Option<T> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let cached = entries.get(key)?;
        T::decode(cached.value.clone().or_else(|| cached.last_known.clone())?).ok()
    }

    fn cached(&self, key: &str) -> Option<Cached> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(key).cloned()
    }

    /// Waits until the bucket's current contents are loaded.
    pub async fn ready(&self) {
        let mut ready = self.ready.clone();
        let _ = ready.wait_for(|r| *r).await;
    }

    /// A record from the cache (decoded on each read; records are small).
    pub fn get<T: Message + Default>(&self, key: &str) -> Option<T> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let value = entries.get(key)?.value.clone()?;
        T::decode(value).ok()
    }

    /// Every record whose key starts with `prefix`.
    pub fn list<T: Message + Default>(&self, prefix: &str) -> Vec<T> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .filter_map(|(_, c)| T::decode(c.value.clone()?).ok())
            .collect()
    }

    /// Every record whose key starts with `prefix`, with its key.
    pub fn entries<T: Message + Default>(&self, prefix: &str) -> Vec<(String, T)> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, c)| Some((k.clone(), T::decode(c.value.clone()?).ok()?)))
            .collect()
    }

    /// Reads through to the bucket (for a record another instance may have
    /// just written).
    pub async fn fetch<T: Message + Default>(&self, key: &str) -> Result<Option<T>, BusError> {
        match self.store.entry(key).await {
            Ok(Some(entry)) if entry.operation == Operation::Put => {
                self.apply(key, entry.revision, Some(entry.value.clone()));
                Ok(Some(T::decode(entry.value)?))
            }
            Ok(_) => Ok(None),
            Err(e) => Err(BusError::new(ErrorKind::Unavailable, e)),
        }
    }

    /// From the cache, or from the bucket when the cache has not seen it yet.
    pub async fn get_or_fetch<T: Message + Default>(
        &self,
        key: &str,
    ) -> Result<Option<T>, BusError> {
        match self.get(key) {
            Some(value) => Ok(Some(value)),
            None => self.fetch(key).await,
        }
    }
}
