//! Where each tenant's routing state lives: its log in stream
//! `SB_ROUTER_LOG` ([`crate::log`]: a snapshot, then the steps decided
//! since), and in the memory of the instance deciding for it.
//!
//! An instance keeps the state of every tenant it decided for ([`Held`]:
//! the snapshot and the log position it reflects), so a step costs one
//! small append. The append names the position it was decided at; when
//! another instance appended meanwhile, it is refused ([`SaveError::Conflict`]):
//! the held state is dropped, the tenant's log read again (a batched direct
//! get: the snapshot and every entry after it in one round trip), and the
//! step decided anew. Whoever appends is the tenant's owner for that step,
//! and no step is ever committed from a state that is not the latest: the
//! limit and one assignment per conversation hold however many instances
//! run. Every [`SNAPSHOT_EVERY`](crate::log::SNAPSHOT_EVERY) entries (a
//! setting) the state is written as a snapshot that rolls the older
//! messages up. A tenant whose log is empty starts from its state of the
//! KV era ([`kv_era`]).
//!
//! The held states are never trimmed: fine for thousands of tenants; many
//! more would want an LRU bound.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_nats::HeaderMap;
use async_nats::jetstream;
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::kv;
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::subjects;
use switchboard_runtime::metrics::{Counter, Metrics};

use crate::domain;
use crate::log::{self, Entry, EntryError};
use crate::snapshot::{FormatError, Snapshot};

mod kv_era;
mod read;

pub use kv_era::{bucket_config, key};

/// Reads of a tenant's log that found it changing under them (a roll-up
/// between two reads) before one is given up as unavailable.
const LOAD_ATTEMPTS: usize = 4;

/// Why a tenant's log cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Snapshot(#[from] FormatError),
    #[error(transparent)]
    Entry(#[from] EntryError),
    #[error("the log holds a message of unknown kind {0:?}")]
    UnknownKind(String),
    #[error("the log starts with an entry, not a snapshot")]
    Headless,
    #[error("an entry follows message {prev}, not {position}: the log has a gap")]
    Gap { prev: u64, position: u64 },
}

/// Why a tenant's state could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Stored, but in no form this router reads (or broken): the tenant
    /// cannot be routed until an operator repairs or removes it. It is never
    /// taken for an empty state (that would forget every queued and live
    /// conversation), and it alerts: the `router_snapshots_unreadable_total`
    /// counter, an error log, and `/readyz` failing while it lasts.
    #[error("tenant {tenant}'s routing state (at {sequence}) cannot be read: {source}")]
    Unreadable {
        tenant: TenantId,
        sequence: u64,
        #[source]
        source: LogError,
    },
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// Why a step could not be appended.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Another instance appended since the state was read: decide again.
    #[error("the tenant's routing state changed since it was read")]
    Conflict,
    /// The step is more than one message may carry.
    #[error("the routing step is {0} bytes, more than one message may carry")]
    TooLarge(usize),
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl SaveError {
    /// As a bus error: a bus failure as it is, anything else refused.
    fn into_bus(self) -> BusError {
        match self {
            SaveError::Bus(error) => error,
            other => BusError::new(ErrorKind::Rejected, other),
        }
    }
}

/// A snapshot and the log position it reflects (0: nothing logged yet).
pub type Versioned = (Snapshot, u64);

/// What loading a tenant whose log is empty does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Starts the log (to decide on the state).
    Adopt,
    /// Reads the KV state, or a fresh one, and writes nothing.
    Peek,
}

/// A tenant's state as an instance holds it.
#[derive(Debug, Clone)]
pub struct Held {
    pub snapshot: Snapshot,
    /// The stream sequence of the last message of the tenant's log applied.
    pub position: u64,
    /// Entries applied since the log's snapshot.
    entries: usize,
}

#[derive(Clone)]
pub struct SnapshotStore {
    client: async_nats::Client,
    js: jetstream::Context,
    kv: kv::Store,
    timing: domain::Config,
    max_value: usize,
    snapshot_every: usize,
    cache: Arc<Mutex<HashMap<TenantId, Held>>>,
    /// Tenants whose state this instance could not read last time, with
    /// why: `/readyz` reports them.
    unreadable: Arc<Mutex<BTreeMap<TenantId, String>>>,
    unreadable_total: Option<Counter>,
    /// Per tenant, inputs whose effects this instance has performed since
    /// its last append: the next entry forgets their effects.
    performed: Arc<Mutex<HashMap<TenantId, Vec<String>>>>,
}

impl std::fmt::Debug for SnapshotStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotStore")
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

impl SnapshotStore {
    /// Opens the bucket and the log, creating them when missing.
    pub async fn open(bus: &Bus, timing: domain::Config) -> Result<Self, BusError> {
        let kv = bus.ensure_bucket(bucket_config()).await?;
        bus.ensure_stream(log::stream_config()).await?;
        Ok(Self {
            client: bus.client.clone(),
            js: bus.js.clone(),
            kv,
            timing,
            // Room for the headers and the subject next to the value.
            max_value: bus.client.server_info().max_payload.saturating_sub(4096),
            snapshot_every: log::SNAPSHOT_EVERY,
            cache: Arc::default(),
            unreadable: Arc::default(),
            unreadable_total: None,
            performed: Arc::default(),
        })
    }

    /// Counts unreadable states in `router_snapshots_unreadable_total`.
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        self.unreadable_total = Some(metrics.counter(
            "router_snapshots_unreadable_total",
            "Reads of a tenant's routing state that found it in no readable form.",
        ));
        self
    }

    /// Rolls a tenant's log up into a snapshot every `entries` entries.
    pub fn snapshot_every(mut self, entries: usize) -> Self {
        self.snapshot_every = entries.max(1);
        self
    }

    /// For `/readyz`: every tenant whose state could not be read, and why.
    pub fn unreadable(&self) -> Result<(), String> {
        let unreadable = lock(&self.unreadable);
        if unreadable.is_empty() {
            return Ok(());
        }
        let reasons: Vec<&str> = unreadable.values().map(String::as_str).collect();
        Err(reasons.join("; "))
    }

    /// The tenant's state for deciding a step: the held copy (taken out:
    /// one lane handles a tenant at a time), or the one read from the log.
    pub async fn take(&self, tenant: TenantId) -> Result<Held, ReadError> {
        let held = lock(&self.cache).remove(&tenant);
        match held {
            Some(held) => Ok(held),
            None => self.load(tenant, Start::Adopt).await,
        }
    }

    /// Holds a state for the tenant's next step: one taken and left
    /// unchanged, or one just appended.
    pub fn keep(&self, tenant: TenantId, held: Held) {
        lock(&self.cache).insert(tenant, held);
    }

    /// The tenant's latest state, for reading: the held copy brought up to
    /// the log's end, or the log read whole.
    pub async fn read(&self, tenant: TenantId) -> Result<Versioned, ReadError> {
        let held = lock(&self.cache).get(&tenant).cloned();
        let latest = match held {
            Some(held) => match self.follow(tenant, Some(held)).await {
                Ok(Some(latest)) => latest,
                Ok(None) | Err(ReadError::Unreadable { .. }) => {
                    self.load(tenant, Start::Peek).await?
                }
                Err(error) => return Err(error),
            },
            None => {
                let latest = self.load(tenant, Start::Peek).await?;
                // Only a state read from the log can be decided on later.
                if latest.position > 0 {
                    lock(&self.cache)
                        .entry(tenant)
                        .or_insert_with(|| latest.clone());
                }
                latest
            }
        };
        Ok((latest.snapshot, latest.position))
    }

    /// The tenant's state from its log; a tenant without one starts from
    /// its KV value from before the log, or from nothing: that start is
    /// written to the log first when the state is to be decided on
    /// ([`Start::Adopt`]), and only read otherwise ([`Start::Peek`], at log
    /// position 0), so that reading a view never writes.
    async fn load(&self, tenant: TenantId, start: Start) -> Result<Held, ReadError> {
        let mut last = None;
        for _ in 0..LOAD_ATTEMPTS {
            let outcome = match self.follow(tenant, None).await {
                Ok(Some(held)) => Ok(Some(held)),
                Ok(None) => match start {
                    Start::Adopt => self.adopt(tenant).await,
                    Start::Peek => self.kv_state(tenant).await.map(|(snapshot, _)| {
                        Some(Held {
                            snapshot,
                            position: 0,
                            entries: 0,
                        })
                    }),
                },
                Err(error) => Err(error),
            };
            match outcome {
                Ok(Some(mut held)) => {
                    held.snapshot.state.set_config(self.timing);
                    self.readable(tenant);
                    return Ok(held);
                }
                // Another instance started the log meanwhile: read it.
                Ok(None) => {}
                // Rolled up between two reads (or a replica behind): again.
                Err(
                    error @ ReadError::Unreadable {
                        source: LogError::Gap { .. },
                        ..
                    },
                ) => last = Some(error),
                Err(error) => return Err(self.alert(error)),
            }
        }
        Err(self.alert(last.unwrap_or_else(|| {
            BusError::new(
                ErrorKind::Unavailable,
                "the tenant's routing log kept changing",
            )
            .into()
        })))
    }

    fn readable(&self, tenant: TenantId) {
        if lock(&self.unreadable).remove(&tenant).is_some() {
            tracing::info!(%tenant, "the tenant's routing state is readable again");
        }
    }

    fn alert(&self, error: ReadError) -> ReadError {
        if let ReadError::Unreadable { tenant, .. } = &error {
            tracing::error!(%tenant, %error, "routing state unreadable; the tenant's inputs wait");
            if let Some(counter) = &self.unreadable_total {
                counter.inc();
            }
            lock(&self.unreadable).insert(*tenant, error.to_string());
        }
        error
    }

    /// Notes that every effect of `input_id` was performed, so the tenant's
    /// next entry forgets them ([`Snapshot::forget_effects`]).
    pub fn performed(&self, tenant: TenantId, input_id: &str) {
        let mut performed = lock(&self.performed);
        let ids = performed.entry(tenant).or_default();
        // Bounded: ids whose entries are already gone from the log cost nothing to drop.
        if ids.len() >= crate::snapshot::APPLIED_MAX {
            ids.remove(0);
        }
        ids.push(input_id.to_owned());
    }

    /// The inputs performed since the tenant's last append, for its next entry.
    pub fn performed_since(&self, tenant: TenantId) -> Vec<String> {
        lock(&self.performed)
            .get(&tenant)
            .cloned()
            .unwrap_or_default()
    }

    /// Appends a step decided from `held` (which already reflects it) and
    /// moves `held` to it; every so many entries
    /// ([`snapshot_every`](Self::snapshot_every)) the state is rolled up into
    /// a snapshot too.
    pub async fn append(
        &self,
        tenant: TenantId,
        held: &mut Held,
        entry: &Entry,
    ) -> Result<(), SaveError> {
        let value = entry
            .encode()
            .map_err(|e| SaveError::Bus(BusError::new(ErrorKind::Rejected, e)))?;
        held.position = self
            .append_raw(tenant, log::KIND_ENTRY, value, held.position)
            .await?;
        held.entries += 1;
        // Appended: those effects are forgotten for good (unless noted again).
        if let Some(ids) = lock(&self.performed).get_mut(&tenant) {
            ids.retain(|id| !entry.performed.contains(id));
        }
        if held.entries >= self.snapshot_every {
            self.roll_up(tenant, held).await;
        }
        Ok(())
    }

    /// Writes the held state as the log's snapshot, removing what it
    /// follows. Failing changes nothing but the log's length: the entries
    /// stay, and the next step tries again.
    async fn roll_up(&self, tenant: TenantId, held: &mut Held) {
        // Copied only in the rare case it must shrink to fit one message.
        let mut shrunk = None;
        let mut value = encode(&held.snapshot);
        if matches!(&value, Ok(v) if v.len() > self.max_value) {
            tracing::warn!(%tenant, "routing state is large; forgetting older applied inputs");
            let mut smaller = held.snapshot.clone();
            smaller.shrink_applied();
            value = encode(&smaller);
            shrunk = Some(smaller);
        }
        let written = match value {
            Ok(value) => {
                self.append_raw(tenant, log::KIND_SNAPSHOT, value, held.position)
                    .await
            }
            Err(error) => Err(error),
        };
        match written {
            Ok(position) => {
                if let Some(smaller) = shrunk {
                    held.snapshot = smaller;
                }
                held.position = position;
                held.entries = 0;
            }
            // Another instance appended: this state is behind, its next step
            // finds out and catches up.
            Err(SaveError::Conflict) => {}
            Err(error) => {
                tracing::warn!(%tenant, %error, "cannot roll the routing log up; its entries stay");
            }
        }
    }

    /// Publishes one message of the tenant's log after the one at `after`
    /// (0: the subject must be empty); returns its sequence.
    async fn append_raw(
        &self,
        tenant: TenantId,
        kind: &'static str,
        value: Vec<u8>,
        after: u64,
    ) -> Result<u64, SaveError> {
        if value.len() > self.max_value {
            return Err(SaveError::TooLarge(value.len()));
        }
        let mut headers = HeaderMap::new();
        headers.insert(log::KIND_HEADER, kind);
        if kind == log::KIND_SNAPSHOT {
            headers.insert(async_nats::header::NATS_ROLLUP, "sub");
        }
        let message = PublishMessage::build()
            .payload(Bytes::from(value))
            .headers(headers)
            .expected_last_subject_sequence(after);
        let unavailable = |e: &dyn std::fmt::Display| {
            SaveError::Bus(BusError::new(ErrorKind::Unavailable, e.to_string()))
        };
        let ack = self
            .js
            .send_publish(subjects::router_log(tenant), message)
            .await
            .map_err(|e| unavailable(&e))?
            .await
            .map_err(|e| match e.kind() {
                PublishErrorKind::WrongLastSequence => SaveError::Conflict,
                _ => unavailable(&e),
            })?;
        Ok(ack.sequence)
    }

    /// Forgets every held state (tests use it to force reads).
    pub fn clear_cache(&self) {
        lock(&self.cache).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, SaveError> {
    snapshot
        .encode()
        .map_err(|e| SaveError::Bus(BusError::new(ErrorKind::Rejected, e)))
}
