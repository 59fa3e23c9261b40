//! How a [`Snapshot`] is stored: a format of its own, versioned, apart from
//! the in-memory types, so that the core can change its indexes freely.
//!
//! | version | what | read | written |
//! |---|---|---|---|
//! | 1 | serde JSON of the in-memory [`Snapshot`], indexes included; no `version` field | yes | no |
//! | 2 | JSON `{"version": 2, ...}`: the state's records only, the indexes rebuilt on load | yes | no |
//! | 3 | as 2, with `"version": 3`: written where the state lives in the router's log (`SB_ROUTER_LOG`), and as the last copy in KV `SB_ROUTER_STATE` when a tenant moves there, so that routers that read only 1 and 2 (and keep their state in KV) refuse it instead of deciding beside the log | yes | yes |
//!
//! Every released version has a golden fixture under
//! `services/router/tests/fixtures/` that the tests read with this code. A
//! snapshot that cannot be read is a [`FormatError`], never a fresh state.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::{Applied, Meta, Snapshot};
use crate::domain::{
    self, AgentRecords, Conversation, Limit, Records, State, Status, StatusReason,
};

/// The version [`encode`] writes.
pub const VERSION: u64 = 3;

/// Why stored bytes are not a snapshot this router can use.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("the routing snapshot is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("routing snapshot version {0} is unknown to this router (it reads 1 to {VERSION})")]
    UnknownVersion(u64),
    #[error("routing snapshot version {version} is malformed: {source}")]
    Malformed {
        version: u64,
        #[source]
        source: serde_json::Error,
    },
    #[error("the routing snapshot is inconsistent: {0}")]
    Inconsistent(#[from] domain::UnknownAgent),
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    version: Option<u64>,
}

/// Versions 2 and 3, as stored.
#[derive(Serialize, Deserialize)]
struct V2 {
    version: u64,
    limit: Limit,
    agents: BTreeMap<AgentId, AgentV2>,
    /// Live chat on or off, per space.
    spaces: BTreeMap<SpaceId, bool>,
    conversations: BTreeMap<ConversationId, Conversation>,
    offers_made: u64,
    arrivals: u64,
    meta: BTreeMap<ConversationId, Meta>,
    released: VecDeque<(u64, ConversationId)>,
    applied: VecDeque<Applied>,
    applied_bytes: usize,
    inputs: u64,
    config_revision: u64,
}

#[derive(Serialize, Deserialize)]
struct AgentV2 {
    spaces: BTreeMap<SpaceId, Status>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    reasons: BTreeMap<SpaceId, StatusReason>,
    last_offered: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    removed: bool,
}

/// The snapshot in the current version.
pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, serde_json::Error> {
    let records = snapshot.state.records();
    let stored = V2 {
        version: VERSION,
        limit: records.limit,
        agents: records
            .agents
            .into_iter()
            .map(|(id, a)| {
                let agent = AgentV2 {
                    spaces: a.spaces,
                    reasons: a.reasons,
                    last_offered: a.last_offered,
                    removed: a.removed,
                };
                (id, agent)
            })
            .collect(),
        spaces: records.spaces,
        conversations: records.conversations,
        offers_made: records.offers_made,
        arrivals: records.arrivals,
        meta: snapshot.meta.clone(),
        released: snapshot.released.clone(),
        applied: snapshot.applied.clone(),
        applied_bytes: snapshot.applied_bytes,
        inputs: snapshot.inputs,
        config_revision: snapshot.config_revision,
    };
    serde_json::to_vec(&stored)
}

/// A snapshot of any version this router reads, under `config`.
pub fn decode(bytes: &[u8], config: domain::Config) -> Result<Snapshot, FormatError> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(FormatError::NotJson)?;
    let mut snapshot = match probe.version {
        None | Some(1) => serde_json::from_slice::<Snapshot>(bytes)
            .map_err(|source| FormatError::Malformed { version: 1, source })?,
        Some(version @ (2 | 3)) => from_v2(
            serde_json::from_slice(bytes)
                .map_err(|source| FormatError::Malformed { version, source })?,
            config,
        )?,
        Some(other) => return Err(FormatError::UnknownVersion(other)),
    };
    snapshot.state.set_config(config);
    Ok(snapshot)
}

fn from_v2(stored: V2, config: domain::Config) -> Result<Snapshot, FormatError> {
    let records = Records {
        limit: stored.limit,
        agents: stored
            .agents
            .into_iter()
            .map(|(id, a)| {
                let agent = AgentRecords {
                    spaces: a.spaces,
                    reasons: a.reasons,
                    last_offered: a.last_offered,
                    removed: a.removed,
                };
                (id, agent)
            })
            .collect(),
        spaces: stored.spaces,
        conversations: stored.conversations,
        offers_made: stored.offers_made,
        arrivals: stored.arrivals,
    };
    Ok(Snapshot {
        state: State::from_records(config, records)?,
        meta: stored.meta,
        released: stored.released,
        applied: stored.applied,
        applied_bytes: stored.applied_bytes,
        inputs: stored.inputs,
        config_revision: stored.config_revision,
    })
}
