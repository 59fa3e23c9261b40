//! The router-state bucket (KV `SB_ROUTER_STATE`): each tenant's
//! [`Snapshot`] under `tenant.{id}`, read with its revision and written with
//! compare-and-set, so two router instances can never both commit a decision
//! made from the same state.
//!
//! Each instance caches the snapshots it wrote last, to skip the read on the
//! next input of the same tenant. A cached copy may be stale (another
//! instance wrote since): the compare-and-set then fails, the copy is dropped
//! and the input is decided again from the stored one. The cache holds one
//! snapshot per tenant this instance has routed for and is never trimmed:
//! fine for thousands of tenants; many more would want an LRU bound.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_nats::jetstream::kv::{self, Operation, UpdateErrorKind};
use async_nats::jetstream::stream::StorageType;
use bytes::Bytes;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::streams;
use switchboard_runtime::metrics::{Counter, Metrics};

use crate::domain;
use crate::snapshot::{FormatError, Snapshot};

/// Why a tenant's snapshot could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Stored, but in no format this router reads (or broken): the tenant
    /// cannot be routed until an operator repairs or removes the value. It
    /// is never taken for an empty state (that would forget every queued and
    /// live conversation), and it alerts: the `router_snapshots_unreadable_total`
    /// counter, an error log, and `/readyz` failing while it lasts.
    #[error("tenant {tenant}'s routing snapshot (revision {revision}) cannot be read: {source}")]
    Unreadable {
        tenant: TenantId,
        revision: u64,
        #[source]
        source: FormatError,
    },
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// Why a snapshot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Someone wrote the tenant's snapshot since it was read: decide again.
    #[error("the tenant's routing state changed since it was read")]
    Conflict,
    /// Even with its applied log shrunk, the snapshot exceeds one KV value.
    #[error("the tenant's routing state is {0} bytes, more than one message may carry")]
    TooLarge(usize),
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// A snapshot and the revision it was read at (0: not stored yet).
pub type Versioned = (Snapshot, u64);

#[derive(Clone)]
pub struct SnapshotStore {
    kv: kv::Store,
    timing: domain::Config,
    max_value: usize,
    cache: Arc<Mutex<HashMap<TenantId, Versioned>>>,
    /// Tenants whose stored snapshot this instance could not read last time,
    /// with why: `/readyz` reports them.
    unreadable: Arc<Mutex<BTreeMap<TenantId, String>>>,
    unreadable_total: Option<Counter>,
    /// Per tenant, inputs whose effects this instance has performed since
    /// its last write: the next write forgets their effects.
    performed: Arc<Mutex<HashMap<TenantId, Vec<String>>>>,
}

impl std::fmt::Debug for SnapshotStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotStore")
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

/// The bucket: file storage, one revision per key (the snapshot is the whole
/// truth; older ones are of no use).
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
    /// Opens the bucket, creating it when missing.
    pub async fn open(bus: &Bus, timing: domain::Config) -> Result<Self, BusError> {
        let kv = bus.ensure_bucket(bucket_config()).await?;
        Ok(Self {
            kv,
            timing,
            // Room for the headers and the subject next to the value.
            max_value: bus.client.server_info().max_payload.saturating_sub(4096),
            cache: Arc::default(),
            unreadable: Arc::default(),
            unreadable_total: None,
            performed: Arc::default(),
        })
    }

    /// Counts unreadable snapshots in `router_snapshots_unreadable_total`.
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        self.unreadable_total = Some(metrics.counter(
            "router_snapshots_unreadable_total",
            "Reads of a tenant's routing snapshot that found it in no readable format.",
        ));
        self
    }

    /// For `/readyz`: every tenant whose snapshot could not be read, and why.
    pub fn unreadable(&self) -> Result<(), String> {
        let unreadable = self.unreadable.lock().unwrap_or_else(|e| e.into_inner());
        if unreadable.is_empty() {
            return Ok(());
        }
        let reasons: Vec<&str> = unreadable.values().map(String::as_str).collect();
        Err(reasons.join("; "))
    }

    /// The tenant's snapshot for deciding an input: the cached copy (taken
    /// out: one lane handles a tenant at a time), or the stored one.
    pub async fn take(&self, tenant: TenantId) -> Result<Versioned, ReadError> {
        let cached = self.lock().remove(&tenant);
        match cached {
            Some(versioned) => Ok(versioned),
            None => self.read(tenant).await,
        }
    }

    /// The stored snapshot, under this process's timing settings.
    pub async fn read(&self, tenant: TenantId) -> Result<Versioned, ReadError> {
        let entry = self
            .kv
            .entry(key(tenant))
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        let (mut snapshot, revision) = match entry {
            Some(entry) if entry.operation == Operation::Put => {
                let snapshot = match Snapshot::decode(&entry.value) {
                    Ok(snapshot) => snapshot,
                    Err(source) => {
                        let revision = entry.revision;
                        return Err(self.alert(ReadError::Unreadable {
                            tenant,
                            revision,
                            source,
                        }));
                    }
                };
                (snapshot, entry.revision)
            }
            Some(entry) => (Snapshot::new(self.timing), entry.revision),
            None => (Snapshot::new(self.timing), 0),
        };
        snapshot.state.set_config(self.timing);
        let recovered = self
            .unreadable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tenant);
        if recovered.is_some() {
            tracing::info!(%tenant, "the tenant's routing snapshot is readable again");
        }
        Ok((snapshot, revision))
    }

    fn alert(&self, error: ReadError) -> ReadError {
        if let ReadError::Unreadable { tenant, .. } = &error {
            tracing::error!(%tenant, %error, "routing snapshot unreadable; the tenant's inputs wait");
            if let Some(counter) = &self.unreadable_total {
                counter.inc();
            }
            self.unreadable
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(*tenant, error.to_string());
        }
        error
    }

    /// Caches a snapshot for the tenant's next input: one taken and left
    /// unchanged, or one just saved (with its new revision).
    pub fn keep(&self, tenant: TenantId, versioned: Versioned) {
        self.lock().insert(tenant, versioned);
    }

    /// Notes that every effect of `input_id` was performed, so the tenant's
    /// next write need not carry them ([`Snapshot::forget_effects`]).
    pub fn performed(&self, tenant: TenantId, input_id: &str) {
        let mut performed = self.performed.lock().unwrap_or_else(|e| e.into_inner());
        let ids = performed.entry(tenant).or_default();
        // Bounded: ids whose entries are already gone from the log cost nothing to drop.
        if ids.len() >= crate::snapshot::APPLIED_MAX {
            ids.remove(0);
        }
        ids.push(input_id.to_owned());
    }

    /// Writes the snapshot if the stored one is still at `revision`; returns
    /// the new revision. The caller [`keep`](Self::keep)s it once done.
    pub async fn save(
        &self,
        tenant: TenantId,
        snapshot: &mut Snapshot,
        revision: u64,
    ) -> Result<u64, SaveError> {
        let performed = self
            .performed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&tenant)
            .cloned()
            .unwrap_or_default();
        snapshot.forget_effects(&performed);
        let mut value = encode(snapshot)?;
        if value.len() > self.max_value {
            tracing::warn!(%tenant, bytes = value.len(), "routing state is large; forgetting older applied inputs");
            snapshot.shrink_applied();
            value = encode(snapshot)?;
            if value.len() > self.max_value {
                return Err(SaveError::TooLarge(value.len()));
            }
        }
        // Revision 0 expects no value yet: the first write is a create.
        let written = self
            .kv
            .update(key(tenant), Bytes::from(value), revision)
            .await
            .map_err(|e| match e.kind() {
                UpdateErrorKind::WrongLastRevision => SaveError::Conflict,
                _ => SaveError::Bus(BusError::new(ErrorKind::Unavailable, e)),
            })?;
        // Written: those effects are forgotten for good (unless noted again).
        if let Some(ids) = self
            .performed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&tenant)
        {
            ids.retain(|id| !performed.contains(id));
        }
        Ok(written)
    }

    /// Forgets every cached snapshot (tests use it to force reads).
    pub fn clear_cache(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Versioned>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, SaveError> {
    snapshot
        .encode()
        .map_err(|e| SaveError::Bus(BusError::new(ErrorKind::Rejected, e)))
}
