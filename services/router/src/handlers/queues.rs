//! Each space's queue as this instance last saved its tenant: how many
//! conversations wait, and how long the oldest has waited (read at scrape
//! time, so it grows between inputs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_contracts::ids::{SpaceId, TenantId};
use switchboard_runtime::clock;
use switchboard_runtime::metrics::Metrics;

use crate::domain::State;

/// A space's queue: conversations queued, and the oldest one's queued_at (ms).
type Queue = (usize, Option<u64>);

#[derive(Debug, Clone, Default)]
pub struct QueueBoard {
    spaces: Arc<Mutex<HashMap<(TenantId, SpaceId), Queue>>>,
}

impl QueueBoard {
    pub fn new(metrics: &Metrics) -> Self {
        let board = Self::default();
        let lengths = board.clone();
        metrics.computed_gauges(
            "router_queue_length",
            "Conversations queued in a space (offered or waiting), as this instance last saw it.",
            ["tenant", "space"],
            move || lengths.read(|(length, _)| Some(length as f64)),
        );
        let waits = board.clone();
        metrics.computed_gauges(
            "router_queue_longest_wait_seconds",
            "How long the oldest conversation queued in a space has waited.",
            ["tenant", "space"],
            move || {
                let now = clock::now_ms_unsigned();
                waits.read(|(_, oldest)| {
                    Some(oldest.map_or(0.0, |t| now.saturating_sub(t) as f64 / 1000.0))
                })
            },
        );
        board
    }

    fn read(&self, value: impl Fn(Queue) -> Option<f64>) -> Vec<([String; 2], f64)> {
        let spaces = self.spaces.lock().unwrap_or_else(|e| e.into_inner());
        spaces
            .iter()
            .filter_map(|((tenant, space), entry)| {
                Some(([tenant.to_string(), space.to_string()], value(*entry)?))
            })
            .collect()
    }

    /// `tenant`'s queues are now as `state` has them.
    pub fn update(&self, tenant: TenantId, state: &State) {
        let mut spaces = self.spaces.lock().unwrap_or_else(|e| e.into_inner());
        spaces.retain(|(t, _), _| *t != tenant);
        for (id, space) in &state.spaces {
            let oldest = space
                .queue
                .values()
                .filter_map(|c| state.conversation(*c))
                .map(|c| c.queued_at)
                .min();
            spaces.insert((tenant, *id), (space.queue.len(), oldest));
        }
    }
}
