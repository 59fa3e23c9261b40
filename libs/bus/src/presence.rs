//! Agents' console presence, the bucket both sides share: KV `SB_PRESENCE`
//! (created with the topology, see [`crate::setup::presence_bucket`]) with
//! one `AgentPresence` record per agent under
//! [`streams::presence_key`]. The gateways holding an agent's consoles write
//! it (at hello, on every refresh, when the last console closes); the router
//! reads it when the agent's presence timer fires. A plain put, no
//! compare-and-set: every writer writes what it saw at that moment, and the
//! router only asks how long ago anyone saw the agent.

use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;
use prost::Message;
use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::v1::AgentPresence;

use crate::{Bus, BusError, ErrorKind};

/// A handle on the presence bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PresenceStore {
    kv: kv::Store,
}

impl PresenceStore {
    /// Opens the bucket, which the topology created.
    pub async fn open(bus: &Bus) -> Result<Self, BusError> {
        let kv = bus
            .js
            .get_key_value(streams::PRESENCE_BUCKET)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        Ok(Self { kv })
    }

    /// Writes the agent's record; returns its revision.
    pub async fn put(
        &self,
        tenant: TenantId,
        agent: AgentId,
        record: &AgentPresence,
    ) -> Result<u64, BusError> {
        self.kv
            .put(
                streams::presence_key(tenant, agent),
                Bytes::from(record.encode_to_vec()),
            )
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))
    }

    /// The agent's record; `None` when no gateway wrote one within the
    /// bucket's max age (or ever).
    pub async fn get(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<Option<AgentPresence>, BusError> {
        let entry = self
            .kv
            .entry(streams::presence_key(tenant, agent))
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        match entry {
            Some(entry) if entry.operation == Operation::Put => {
                Ok(Some(AgentPresence::decode(entry.value)?))
            }
            _ => Ok(None),
        }
    }
}
