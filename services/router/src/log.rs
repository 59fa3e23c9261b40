//! The router's log: stream `SB_ROUTER_LOG`, one subject per tenant
//! (`sb.routerlog.{tenant}`). A tenant's subject holds a snapshot of its
//! routing state, then every step decided since, in order:
//!
//! - an [`Entry`] (header `Sb-Router-Log: entry`) is one step: the inputs
//!   decided together, each with the time it was decided, and the
//!   configuration changes brought in before them. Appending it is the
//!   commit: it is published with `Nats-Expected-Last-Subject-Sequence` set to
//!   the last message the deciding instance applied, so a step decided from
//!   a state another instance has moved past is refused (the fencing a
//!   compare-and-set gave before), and the loser catches up and decides again.
//! - a snapshot (`Sb-Router-Log: snapshot`, [`crate::snapshot::format`]) is
//!   published the same way every [`SNAPSHOT_EVERY`] entries with
//!   `Nats-Rollup: sub`, which removes everything before it on the subject
//!   in the same write: the log never needs a purge and is never read past
//!   a gap.
//!
//! So a decision costs a small append instead of writing the whole state;
//! an instance keeps the states it decided for in memory and reads a
//! tenant's subject only when it has none or lost an append.

use std::time::Duration;

use async_nats::jetstream::stream;
use serde::{Deserialize, Serialize};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::filter;

use crate::catalog::TenantConfig;
use crate::domain::Effect;
use crate::handlers::step::{self, Logged, Reconciled};
use crate::snapshot::Snapshot;

/// Entries between two snapshots: what a catch-up may have to replay.
pub const SNAPSHOT_EVERY: usize = 128;

/// Which kind of message of the log this is.
pub const KIND_HEADER: &str = "Sb-Router-Log";
pub const KIND_SNAPSHOT: &str = "snapshot";
pub const KIND_ENTRY: &str = "entry";

/// The version of [`Entry`] this router writes (and the only one it reads).
pub const ENTRY_VERSION: u64 = 1;

/// The log stream: file storage, no age or count limit (a tenant's subject
/// is bounded by its snapshots' roll-ups), roll-ups and direct reads allowed.
pub fn stream_config() -> stream::Config {
    stream::Config {
        name: streams::ROUTER_LOG.to_owned(),
        description: Some(
            "each tenant's routing snapshot and the steps decided since (services/router)"
                .to_owned(),
        ),
        subjects: vec![filter::ALL_ROUTER_LOGS.to_owned()],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        max_age: Duration::ZERO,
        allow_rollup: true,
        allow_direct: true,
        ..Default::default()
    }
}

/// One step: the inputs of a tenant decided together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u64,
    /// The stream sequence of the message this entry follows on the subject.
    pub prev: u64,
    /// Inputs whose effects were all performed before this step: their
    /// recorded effects are forgotten once its inputs are applied
    /// ([`Snapshot::forget_effects`]), so a redelivery decided in this very
    /// step still finds them to perform again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performed: Vec<String>,
    /// The configuration brought in before the first input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<Reconciled>,
    /// Whether the tenant's edition had live chat with people.
    pub live_chat: bool,
    pub inputs: Vec<Logged>,
}

/// Why a stored entry cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("routing log entry is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("routing log entry version {0} is unknown to this router (it reads {ENTRY_VERSION})")]
    UnknownVersion(u64),
}

impl Entry {
    /// An empty step following the message at `prev`.
    pub fn new(prev: u64, performed: Vec<String>, live_chat: bool) -> Self {
        Self {
            version: ENTRY_VERSION,
            prev,
            performed,
            reconciled: None,
            live_chat,
            inputs: Vec::new(),
        }
    }

    /// Forgets the performed inputs' effects: the end of a step, decided
    /// or replayed.
    pub fn end(&self, snapshot: &mut Snapshot) {
        if !self.performed.is_empty() {
            snapshot.forget_effects(&self.performed);
        }
    }

    /// Applies one more input, decided now under `config` (the caller
    /// checked it was not applied before), and logs it; returns its effects.
    /// The first input brings the configuration in, if it moved.
    pub fn decide(
        &mut self,
        snapshot: &mut Snapshot,
        config: &TenantConfig,
        logged: Logged,
    ) -> Vec<Effect> {
        let first = self.inputs.is_empty();
        if first {
            self.reconciled = step::reconcile_with(snapshot, config);
        }
        let reconcile = if first {
            self.reconciled.as_ref()
        } else {
            None
        };
        let effects = step::apply_logged(snapshot, reconcile, self.live_chat, &logged);
        self.inputs.push(logged);
        effects
    }

    /// Applies the whole step to a snapshot, as it was decided.
    pub fn replay(&self, snapshot: &mut Snapshot) {
        for (index, logged) in self.inputs.iter().enumerate() {
            let reconcile = if index == 0 {
                self.reconciled.as_ref()
            } else {
                None
            };
            step::apply_logged(snapshot, reconcile, self.live_chat, logged);
        }
        self.end(snapshot);
    }

    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        let entry: Entry = serde_json::from_slice(bytes)?;
        if entry.version != ENTRY_VERSION {
            return Err(EntryError::UnknownVersion(entry.version));
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests;
