//! The in-memory table of the timers this instance owns: the timing wheel
//! plus, per timer, its record (the encoded `Timer`, as stored) and revision.
//!
//! It is fed with the bucket's records as the partition watches deliver them
//! (`put` / `delete`), hands out the timers that are due (`advance`), and
//! forgets a fired timer only once its record is deleted (`complete`) — or
//! keeps it, at its new time, when it was re-armed meanwhile. Every timer
//! belongs to a partition; owning a partition starts a new *generation*, so
//! work started under an earlier ownership is recognised as stale. A
//! *suspended* partition (its lease could not be renewed in time) keeps its
//! timers and follows its records but hands nothing out: what comes due is
//! parked until it resumes, so getting the lease back costs no reload.
//!
//! Plain synchronous code: the caller passes the time and does the I/O.

use std::collections::HashMap;
use std::sync::Arc;

use super::wheel::{TimerKey, Wheel};

/// One timer handed out by [`TimerTable::advance`] for firing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub key: Arc<str>,
    pub partition: u16,
    pub generation: u64,
    pub revision: u64,
    /// The encoded `Timer` record.
    pub record: Box<[u8]>,
    /// Failed fire attempts so far (for the retry backoff).
    pub attempts: u16,
}

struct Slot {
    /// Shared with the key map, so a key is stored once.
    key: Arc<str>,
    /// Empty while the timer is out being fired.
    record: Box<[u8]>,
    revision: u64,
    partition: u16,
    attempts: u16,
    /// Came due while its partition was suspended; waits on `parked`.
    parked: bool,
}

#[derive(Clone, Copy, Default)]
struct Partition {
    owned: bool,
    loaded: bool,
    suspended: bool,
    generation: u64,
}

pub struct TimerTable {
    wheel: Wheel<()>,
    /// Indexed by the wheel's `TimerKey`; `None` slots are on `free`.
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_key: HashMap<Arc<str>, u32>,
    partitions: Vec<Partition>,
    /// Slots that came due while suspended. May hold stale indices (the
    /// timer was deleted since); `resume` checks each slot's `parked` flag.
    parked: Vec<u32>,
    /// When the fire loop next wakes; a timer due earlier must wake it.
    wake_at: u64,
}

impl TimerTable {
    pub fn new(partitions: u16, now_ms: u64) -> Self {
        TimerTable {
            wheel: Wheel::new(now_ms),
            slots: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            partitions: vec![Partition::default(); usize::from(partitions)],
            parked: Vec::new(),
            wake_at: u64::MAX,
        }
    }

    /// Applies a put of `key` at `revision`, due at `due_ms`. Ignored when the
    /// partition is not owned under `generation` or the table already has
    /// this or a later revision. True when the fire loop must wake.
    pub fn put(
        &mut self,
        partition: u16,
        generation: u64,
        key: &str,
        revision: u64,
        due_ms: u64,
        record: Box<[u8]>,
    ) -> bool {
        if !self.is_owned(partition, generation) {
            return false;
        }
        let index = match self.by_key.get(key) {
            Some(&index) => {
                let Some(slot) = self.slots[index as usize].as_mut() else {
                    unreachable!("the key map points at a free slot")
                };
                if slot.revision >= revision {
                    return false;
                }
                slot.record = record;
                slot.revision = revision;
                slot.attempts = 0;
                slot.parked = false;
                index
            }
            None => {
                let key: Arc<str> = key.into();
                let slot = Some(Slot {
                    key: key.clone(),
                    record,
                    revision,
                    partition,
                    attempts: 0,
                    parked: false,
                });
                let index = match self.free.pop() {
                    Some(index) => {
                        self.slots[index as usize] = slot;
                        index
                    }
                    None => {
                        self.slots.push(slot);
                        u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 timers")
                    }
                };
                self.by_key.insert(key, index);
                index
            }
        };
        self.wheel.insert(TimerKey::from(index), due_ms, ());
        self.note_due(due_ms)
    }

    /// Applies a delete (cancel, or a fired timer's removal) of `key` at `revision`.
    pub fn delete(&mut self, partition: u16, generation: u64, key: &str, revision: u64) {
        if !self.is_owned(partition, generation) {
            return;
        }
        if let Some(&index) = self.by_key.get(key)
            && self.slot(index).revision < revision
        {
            self.remove(index);
        }
    }

    /// Moves the clock to `now_ms` and appends every timer due by then to
    /// `due`, in due order. Their records stay in the table until `complete`.
    pub fn advance(&mut self, now_ms: u64, due: &mut Vec<Due>) {
        let mut fired = Vec::new();
        self.wheel.advance(now_ms, &mut fired);
        for (key, _, ()) in fired {
            let index = key as u32;
            let Some(slot) = self.slots[index as usize].as_mut() else {
                continue;
            };
            let state = self.partitions[usize::from(slot.partition)];
            if state.suspended {
                slot.parked = true;
                self.parked.push(index);
                continue;
            }
            due.push(Due {
                key: slot.key.clone(),
                partition: slot.partition,
                generation: state.generation,
                revision: slot.revision,
                record: std::mem::take(&mut slot.record),
                attempts: slot.attempts,
            });
        }
        self.wake_at = self.wheel.next_due().unwrap_or(u64::MAX);
    }

    /// Whether `due` is still what the table holds for its key: same
    /// revision, partition still owned under the same generation.
    pub fn is_current(&self, due: &Due) -> bool {
        self.is_owned(due.partition, due.generation)
            && self
                .by_key
                .get(due.key.as_ref())
                .is_some_and(|&index| self.slot(index).revision == due.revision)
    }

    /// The timer fired and its record is deleted: forget it, unless it was
    /// re-armed (a newer revision) meanwhile.
    pub fn complete(&mut self, due: &Due) {
        if self.is_current(due)
            && let Some(&index) = self.by_key.get(due.key.as_ref())
        {
            self.remove(index);
        }
    }

    /// A fire attempt failed (or came too early): try again at `retry_ms`.
    /// True when the fire loop must wake.
    pub fn retry(&mut self, due: Due, retry_ms: u64, attempts: u16) -> bool {
        if !self.is_current(&due) {
            return false;
        }
        let Some(&index) = self.by_key.get(due.key.as_ref()) else {
            return false;
        };
        let Some(slot) = self.slots[index as usize].as_mut() else {
            return false;
        };
        slot.record = due.record;
        slot.attempts = attempts;
        self.wheel.insert(TimerKey::from(index), retry_ms, ());
        self.note_due(retry_ms)
    }

    /// When the fire loop must next look (a lower bound), if anything is pending.
    pub fn next_due(&self) -> Option<u64> {
        self.wheel.next_due()
    }

    /// Timers held, including those out being fired.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    fn note_due(&mut self, due_ms: u64) -> bool {
        if due_ms < self.wake_at {
            self.wake_at = due_ms;
            true
        } else {
            false
        }
    }

    fn slot(&self, index: u32) -> &Slot {
        match &self.slots[index as usize] {
            Some(slot) => slot,
            None => unreachable!("the key map points at a free slot"),
        }
    }

    fn remove(&mut self, index: u32) {
        if let Some(slot) = &self.slots[index as usize] {
            self.by_key.remove(&slot.key);
        }
        self.wheel.remove(TimerKey::from(index));
        self.slots[index as usize] = None;
        self.free.push(index);
    }
}

mod ownership;
#[cfg(test)]
mod tests;
