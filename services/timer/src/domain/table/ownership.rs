//! Which partitions the table holds, and in what state: owned (under a
//! generation), loaded, suspended. Forgetting a partition drops its timers.

use super::{Partition, TimerKey, TimerTable};

impl TimerTable {
    /// Starts owning `partition` (empty, not yet loaded); returns the new generation.
    pub fn own(&mut self, partition: u16) -> u64 {
        self.disown(partition);
        let state = &mut self.partitions[usize::from(partition)];
        state.owned = true;
        state.generation += 1;
        state.generation
    }

    /// Stops owning `partition` and forgets its timers; returns how many.
    pub fn disown(&mut self, partition: u16) -> usize {
        let state = &mut self.partitions[usize::from(partition)];
        if !state.owned {
            return 0;
        }
        *state = Partition {
            generation: state.generation + 1,
            ..Partition::default()
        };
        let before = self.by_key.len();
        let (slots, free, wheel) = (&mut self.slots, &mut self.free, &mut self.wheel);
        self.by_key.retain(|_, &mut index| {
            let slot = &slots[index as usize];
            if slot.as_ref().is_some_and(|s| s.partition == partition) {
                wheel.remove(TimerKey::from(index));
                slots[index as usize] = None;
                free.push(index);
                false
            } else {
                true
            }
        });
        self.parked
            .retain(|&index| slots[index as usize].as_ref().is_some_and(|s| s.parked));
        before - self.by_key.len()
    }

    /// Stops handing out `partition`'s timers; they are kept and followed.
    pub fn suspend(&mut self, partition: u16) {
        let state = &mut self.partitions[usize::from(partition)];
        state.suspended = state.owned;
    }

    /// Hands `partition`'s timers out again, those that came due meanwhile
    /// at `now_ms`. True when the fire loop must wake.
    pub fn resume(&mut self, partition: u16, now_ms: u64) -> bool {
        let state = &mut self.partitions[usize::from(partition)];
        if !state.suspended {
            return false;
        }
        state.suspended = false;
        let mut woke = false;
        let mut kept = Vec::new();
        for index in std::mem::take(&mut self.parked) {
            match self.slots[index as usize].as_mut() {
                Some(slot) if slot.parked && slot.partition == partition => {
                    slot.parked = false;
                    self.wheel.insert(TimerKey::from(index), now_ms, ());
                    woke = true;
                }
                Some(slot) if slot.parked => kept.push(index),
                _ => {}
            }
        }
        self.parked = kept;
        woke && self.note_due(now_ms)
    }

    pub fn is_suspended(&self, partition: u16) -> bool {
        self.partitions[usize::from(partition)].suspended
    }

    /// Whether `generation` is the current ownership of `partition`.
    pub fn is_owned(&self, partition: u16, generation: u64) -> bool {
        let state = self.partitions[usize::from(partition)];
        state.owned && state.generation == generation
    }

    pub fn mark_loaded(&mut self, partition: u16, generation: u64) {
        if self.is_owned(partition, generation) {
            self.partitions[usize::from(partition)].loaded = true;
        }
    }

    pub fn is_loaded(&self, partition: u16) -> bool {
        let state = self.partitions[usize::from(partition)];
        state.owned && state.loaded
    }
}
