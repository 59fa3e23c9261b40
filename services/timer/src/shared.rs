//! What the service's tasks share: the timer table behind one mutex, the
//! wake-ups between tasks, the bus and the metrics.

use std::sync::{Arc, Mutex, MutexGuard};

use async_nats::jetstream::kv;
use switchboard_bus::Bus;
use tokio::sync::{Notify, watch};

use crate::counters::Counters;
use crate::domain::TimerTable;

pub struct Shared {
    /// Every critical section is short (a few inserts or one advance), so a
    /// plain mutex serves the watches and the fire loop well.
    table: Mutex<TimerTable>,
    /// Wakes the fire loop: a timer due before its planned wake-up arrived.
    pub wake: Notify,
    /// Wakes the coordinator: a partition finished loading, or NATS came back.
    pub changed: Arc<Notify>,
    /// Counts reconnections to NATS. Watches restart on each from the last
    /// revision they saw, rather than wait on async-nats's own recreation
    /// of their consumer, which backs off for seconds when it first fails.
    pub reconnects: watch::Receiver<u64>,
    pub bus: Bus,
    /// The `SB_TIMERS` bucket.
    pub timers: kv::Store,
    pub counters: Counters,
}

impl Shared {
    pub fn new(
        table: TimerTable,
        bus: Bus,
        timers: kv::Store,
        counters: Counters,
        changed: Arc<Notify>,
        reconnects: watch::Receiver<u64>,
    ) -> Self {
        Self {
            table: Mutex::new(table),
            wake: Notify::new(),
            changed,
            reconnects,
            bus,
            timers,
            counters,
        }
    }

    pub fn table(&self) -> MutexGuard<'_, TimerTable> {
        // The table does not panic on any input it is given; a poisoned lock
        // would mean a bug, and stopping every task would not fix it.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the table, then updates the pending gauge and wakes the
    /// fire loop when `f` says so.
    pub fn update<R>(&self, f: impl FnOnce(&mut TimerTable) -> (R, bool)) -> R {
        let (result, wake, pending) = {
            let mut table = self.table();
            let (result, wake) = f(&mut table);
            (result, wake, table.len())
        };
        self.counters.pending.set(pending as i64);
        if wake {
            self.wake.notify_one();
        }
        result
    }
}
