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
//! messages up.
//!
//! # From KV to the log
//! Before the log, each tenant's whole state was one value in KV
//! `SB_ROUTER_STATE`, written by compare-and-set per step. A tenant whose
//! log is empty starts from that value (or from nothing): it is first
//! rewritten in KV in format version 3 (by compare-and-set), which routers
//! of the KV era refuse to read, so they stop deciding for the tenant
//! before this one starts; then it becomes the first snapshot on the log,
//! appended only if the subject is still empty.
//!
//! The held states are never trimmed: fine for thousands of tenants; many
//! more would want an LRU bound.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;

use async_nats::HeaderMap;
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::kv::{self, Operation, UpdateErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::StorageType;
use async_nats::jetstream::{self};
use bytes::Bytes;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::{streams, subjects};
use switchboard_runtime::metrics::{Counter, Metrics};

use crate::domain;
use crate::log::{self, Entry, EntryError};
use crate::snapshot::{FormatError, Snapshot};

/// Reads of a tenant's log that found it changing under them (a roll-up
/// between two reads) before one is given up as unavailable.
const LOAD_ATTEMPTS: usize = 4;
/// Messages of a tenant's log read in one request: more than a snapshot
/// and the entries after it, so a catch-up is one round trip.
const READ_BATCH: u64 = 256;
/// How long a read of the log waits for each reply.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// One message of a tenant's log, as read.
struct LogMessage {
    sequence: u64,
    kind: Option<String>,
    payload: Bytes,
}

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

/// The KV bucket of the states from before the log: file storage, one
/// revision per key.
pub fn bucket_config() -> kv::Config {
    kv::Config {
        bucket: streams::ROUTER_STATE_BUCKET.to_owned(),
        description: "each tenant's routing state (services/router)".to_owned(),
        history: 1,
        storage: StorageType::File,
        ..Default::default()
    }
}

pub fn key(tenant: TenantId) -> String {
    format!("tenant.{tenant}")
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

    /// Applies the tenant's log after `held` (all of it for `None`);
    /// `None` when the log is empty.
    async fn follow(
        &self,
        tenant: TenantId,
        mut held: Option<Held>,
    ) -> Result<Option<Held>, ReadError> {
        let subject = subjects::router_log(tenant);
        let mut next = held.as_ref().map_or(1, |h| h.position + 1);
        loop {
            let (messages, more) = self.read_batch(&subject, next).await?;
            for message in messages {
                let sequence = message.sequence;
                let unreadable = |source: LogError| ReadError::Unreadable {
                    tenant,
                    sequence,
                    source,
                };
                match message.kind.as_deref() {
                    Some(log::KIND_SNAPSHOT) => {
                        let snapshot =
                            Snapshot::decode(&message.payload).map_err(|e| unreadable(e.into()))?;
                        held = Some(Held {
                            snapshot,
                            position: sequence,
                            entries: 0,
                        });
                    }
                    Some(log::KIND_ENTRY) => {
                        let Some(current) = held.as_mut() else {
                            return Err(unreadable(LogError::Headless));
                        };
                        let entry =
                            Entry::decode(&message.payload).map_err(|e| unreadable(e.into()))?;
                        if entry.prev != current.position {
                            return Err(unreadable(LogError::Gap {
                                prev: entry.prev,
                                position: current.position,
                            }));
                        }
                        entry.replay(&mut current.snapshot);
                        current.position = sequence;
                        current.entries += 1;
                    }
                    other => {
                        return Err(unreadable(LogError::UnknownKind(
                            other.unwrap_or_default().to_owned(),
                        )));
                    }
                }
                next = sequence + 1;
            }
            if !more {
                return Ok(held);
            }
        }
    }

    /// The messages of the log's `subject` from stream sequence `from` on,
    /// up to [`READ_BATCH`] of them in one request (a batched direct get:
    /// the messages, then an end-of-batch status saying how many are left);
    /// `true` when more are left.
    async fn read_batch(
        &self,
        subject: &str,
        from: u64,
    ) -> Result<(Vec<LogMessage>, bool), BusError> {
        let unavailable = |e: &dyn std::fmt::Display| {
            BusError::new(
                ErrorKind::Unavailable,
                format!("reading the routing log: {e}"),
            )
        };
        let inbox = self.client.new_inbox();
        let mut replies = self
            .client
            .subscribe(inbox.clone())
            .await
            .map_err(|e| unavailable(&e))?;
        let request = serde_json::json!({
            "seq": from,
            "next_by_subj": subject,
            "batch": READ_BATCH,
        });
        self.client
            .publish_with_reply(
                format!("$JS.API.DIRECT.GET.{}", streams::ROUTER_LOG),
                inbox,
                Bytes::from(request.to_string()),
            )
            .await
            .map_err(|e| unavailable(&e))?;
        let mut messages = Vec::new();
        loop {
            let reply = tokio::time::timeout(READ_TIMEOUT, replies.next())
                .await
                .map_err(|_| unavailable(&"no answer in time"))?
                .ok_or_else(|| unavailable(&"the reply subscription closed"))?;
            let header = |name: &str| {
                reply
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .map(|v| v.as_str().to_owned())
            };
            match reply.status.map(|s| s.as_u16()) {
                // Nothing (more) on the subject from `from` on.
                Some(404) => return Ok((messages, false)),
                // End of the batch: whether messages are left after it.
                Some(204) => {
                    let pending = header("Nats-Num-Pending")
                        .and_then(|n| n.parse::<u64>().ok())
                        .unwrap_or(0);
                    return Ok((messages, pending > 0));
                }
                Some(code) => {
                    let why = reply.description.clone().unwrap_or_default();
                    return Err(unavailable(&format!("status {code} {why}")));
                }
                None => {
                    let sequence = header("Nats-Sequence")
                        .and_then(|n| n.parse::<u64>().ok())
                        .ok_or_else(|| unavailable(&"a reply without Nats-Sequence"))?;
                    messages.push(LogMessage {
                        sequence,
                        kind: header(log::KIND_HEADER),
                        payload: reply.payload,
                    });
                }
            }
        }
    }

    /// Starts the tenant's log from its KV state (see the module's notes);
    /// `None` when another instance changed either meanwhile.
    async fn adopt(&self, tenant: TenantId) -> Result<Option<Held>, ReadError> {
        let (snapshot, revision) = self.kv_state(tenant).await?;
        let value = encode(&snapshot).map_err(|e| match e {
            SaveError::Bus(e) => e,
            other => BusError::new(ErrorKind::Rejected, other),
        })?;
        // Revision 0 expects no value yet: the first write is a create.
        match self
            .kv
            .update(key(tenant), Bytes::from(value.clone()), revision)
            .await
        {
            Ok(_) => {}
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => return Ok(None),
            Err(e) => return Err(BusError::new(ErrorKind::Unavailable, e).into()),
        }
        match self.append_raw(tenant, log::KIND_SNAPSHOT, value, 0).await {
            Ok(position) => Ok(Some(Held {
                snapshot,
                position,
                entries: 0,
            })),
            Err(SaveError::Conflict) => Ok(None),
            Err(SaveError::Bus(e)) => Err(e.into()),
            Err(SaveError::TooLarge(bytes)) => Err(BusError::new(
                ErrorKind::Rejected,
                format!(
                    "the tenant's routing state is {bytes} bytes, more than one message may carry"
                ),
            )
            .into()),
        }
    }

    /// The tenant's state in KV from before the log (a fresh one when it
    /// has none), with the revision it was read at (0: no value).
    async fn kv_state(&self, tenant: TenantId) -> Result<(Snapshot, u64), ReadError> {
        let entry = self
            .kv
            .entry(key(tenant))
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        let (snapshot, revision) = match entry {
            Some(entry) if entry.operation == Operation::Put => {
                let snapshot =
                    Snapshot::decode(&entry.value).map_err(|source| ReadError::Unreadable {
                        tenant,
                        sequence: entry.revision,
                        source: source.into(),
                    })?;
                (snapshot, entry.revision)
            }
            Some(entry) => (Snapshot::new(self.timing), entry.revision),
            None => (Snapshot::new(self.timing), 0),
        };
        Ok((snapshot, revision))
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
        let mut snapshot = held.snapshot.clone();
        let mut value = encode(&snapshot);
        if matches!(&value, Ok(v) if v.len() > self.max_value) {
            tracing::warn!(%tenant, "routing state is large; forgetting older applied inputs");
            snapshot.shrink_applied();
            value = encode(&snapshot);
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
                *held = Held {
                    snapshot,
                    position,
                    entries: 0,
                };
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
