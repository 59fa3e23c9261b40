//! From KV to the log.
//!
//! Before the log, each tenant's whole state was one value in KV
//! `SB_ROUTER_STATE`, written by compare-and-set per step. A tenant whose
//! log is empty is shown from that value (or a fresh state) without a
//! write. The first time a router decides for it, the value is rewritten in
//! KV in format version 3 (by compare-and-set), which routers of the KV era
//! refuse to read, so they stop deciding for the tenant before this one
//! starts; then it becomes the first snapshot on the log, appended only if
//! the subject is still empty.

use async_nats::jetstream::kv::{self, Operation, UpdateErrorKind};
use async_nats::jetstream::stream::StorageType;
use bytes::Bytes;
use switchboard_bus::{BusError, ErrorKind};
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::streams;

use super::{Held, ReadError, SaveError, SnapshotStore, encode};
use crate::log;
use crate::snapshot::Snapshot;

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
    /// Starts the tenant's log from its KV state (see the module's notes);
    /// `None` when another instance changed either meanwhile.
    pub(super) async fn adopt(&self, tenant: TenantId) -> Result<Option<Held>, ReadError> {
        let (snapshot, revision) = self.kv_state(tenant).await?;
        let value = encode(&snapshot).map_err(SaveError::into_bus)?;
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
            Err(error) => Err(error.into_bus().into()),
        }
    }

    /// The tenant's state in KV from before the log (a fresh one when it
    /// has none), with the revision it was read at (0: no value).
    pub(super) async fn kv_state(&self, tenant: TenantId) -> Result<(Snapshot, u64), ReadError> {
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
}
