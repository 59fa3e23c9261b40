//! A hierarchical timing wheel with an injected clock.
//!
//! Times are milliseconds since the Unix epoch and the tick is 1 ms, so a
//! timer fires in exactly the `advance` whose `now` first reaches its due
//! time: never early, and no later than the caller's next `advance`.
//!
//! # Layout
//! Six levels of 64 slots; level `l` slots are `64^l` ms wide, so the wheel
//! spans 2^36 ms (about 2.2 years). A timer's level is the highest 6-bit
//! group in which its due time differs from `elapsed` (the last `now`
//! advanced to), so every timer in a level shares all higher bits with
//! `elapsed` and sits strictly after `elapsed`'s slot at that level. That
//! invariant is what lets the wheel skip time: the earliest timer is in the
//! lowest level with an occupied slot, found from one `u64` bitmap per level,
//! and moving `elapsed` anywhere before that slot starts leaves every timer
//! correctly placed. When `advance` reaches a slot it re-files the slot's
//! timers relative to the slot's start, which drops each one to a lower
//! level (a cascade); a timer cascades at most five times.
//!
//! Two more lists complete it: *overflow* holds timers due in a later 2^36 ms
//! block and is re-filed when `elapsed` reaches the block of its earliest
//! timer; *ready* holds timers whose due time had already passed when
//! scheduled.
//!
//! Storage is an arena of nodes linked by `u32` indices (see `slab`) plus a
//! key → node map; with `T = u32` that is 64–70 bytes per pending timer.

mod key_hash;
mod slab;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod scale_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::mem;

use key_hash::KeyHash;
use slab::{LEVELS, Loc, NIL, SLOT_BITS, SLOTS, Slab};

/// Caller-assigned handle of a timer; the service maps its string ids to these.
pub type TimerKey = u64;

/// Pending timers, each with a due time and a payload `T` (keep it small: the
/// service stores an index).
pub struct Wheel<T> {
    slab: Slab<T>,
    index: HashMap<TimerKey, u32, KeyHash>,
    /// The latest `now` passed to `advance`. Every timer on the wheel levels or
    /// the overflow list is due strictly after it; the ready list holds the rest.
    elapsed: u64,
    /// No ready timer is due before this, and no overflow timer before
    /// `overflow_min`. Either may be stale (too low) after a `remove`, which
    /// only costs a wake-up: each is recomputed whenever its list is walked.
    ready_min: u64,
    overflow_min: u64,
}

impl<T> Wheel<T> {
    /// An empty wheel whose clock reads `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        Self::with_capacity(now_ms, 0)
    }

    /// Like `new`, with room for `capacity` timers, so that loading a known
    /// number of timers (say, on recovery) does not reallocate as it goes and
    /// the arena does not round up to the next power of two.
    pub fn with_capacity(now_ms: u64, capacity: usize) -> Self {
        Wheel {
            slab: Slab::with_capacity(capacity),
            index: HashMap::with_capacity_and_hasher(capacity, KeyHash),
            elapsed: now_ms,
            ready_min: u64::MAX,
            overflow_min: u64::MAX,
        }
    }

    /// Schedules `key` at `due_ms`. A key already pending is replaced (moved to
    /// the new due time with the new payload) and its old payload returned.
    /// A due time not after the last `advance` fires on the next one.
    pub fn insert(&mut self, key: TimerKey, due_ms: u64, payload: T) -> Option<T> {
        if let Some(&node) = self.index.get(&key) {
            let old = mem::replace(&mut self.slab.node_mut(node).payload, payload);
            self.move_to(node, due_ms);
            return Some(old);
        }
        let loc = self.loc_for(due_ms);
        self.note_min(loc, due_ms);
        let node = self.slab.insert(key, due_ms, payload, loc);
        self.index.insert(key, node);
        None
    }

    /// Cancels `key`, returning its payload; `None` when it is not pending.
    pub fn remove(&mut self, key: TimerKey) -> Option<T> {
        let node = self.index.remove(&key)?;
        Some(self.slab.remove(node).payload)
    }

    /// Moves a pending timer to `due_ms`, keeping its payload; `false` when
    /// `key` is not pending.
    pub fn reschedule(&mut self, key: TimerKey, due_ms: u64) -> bool {
        match self.index.get(&key) {
            Some(&node) => {
                self.move_to(node, due_ms);
                true
            }
            None => false,
        }
    }

    /// When `key` is due, if it is pending.
    pub fn due(&self, key: TimerKey) -> Option<u64> {
        self.index.get(&key).map(|&node| self.slab.node(node).due)
    }

    /// Moves the clock to `now_ms` and appends to `fired` every timer due at or
    /// before it, ordered by due time and then key. Work is proportional to the
    /// timers fired or cascaded, not to the time skipped.
    ///
    /// A clock that steps back (wall clocks do) is tolerated: nothing due
    /// after `now_ms` fires, and the wheel keeps its later position.
    pub fn advance(&mut self, now_ms: u64, fired: &mut Vec<(TimerKey, u64, T)>) {
        let start = fired.len();
        self.drain_ready(now_ms, fired);
        while let Some((loc, slot_start)) = self.next_expiration() {
            if slot_start > now_ms {
                break;
            }
            // Moving to the slot's start keeps the invariant for every other
            // timer (it is no later than any other occupied slot's start) and
            // lets this slot's timers be re-filed below it.
            self.elapsed = slot_start;
            self.expire(loc, now_ms, fired);
        }
        self.elapsed = self.elapsed.max(now_ms);
        // Lists are unordered and a wide slot fires whole, so the order is
        // imposed here; keys are unique, so the unstable sort is deterministic.
        fired[start..].sort_unstable_by_key(|&(key, due, _)| (due, key));
    }

    /// The earliest time at which `advance` has something to do, or `None` when
    /// nothing is pending.
    ///
    /// This is exact when the earliest timer is on level 0 (in the clock's
    /// 64 ms-aligned window) and otherwise a lower bound: for a wider slot it
    /// is the slot's start (advancing there cascades the slot, after which the
    /// bound tightens), and for the overflow list it is the start of the
    /// 2^36 ms block holding its earliest timer. A caller that sleeps until it
    /// and then advances wakes at most six extra times per timer (plus one
    /// after a `remove` left a bound stale), and never late.
    pub fn next_due(&self) -> Option<u64> {
        if !self.slab.is_empty(Loc::READY) {
            return Some(self.ready_min);
        }
        self.next_expiration().map(|(_, at)| at)
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Heap bytes held, counted by capacity (what the allocator handed out, not
    /// what is in use). The map's share is modelled on hashbrown's layout: one
    /// `(key, index)` pair plus one control byte per bucket, with buckets a
    /// power of two and at most 7/8 full.
    pub fn approx_heap_bytes(&self) -> usize {
        let capacity = self.index.capacity();
        let buckets = if capacity == 0 {
            0
        } else {
            (capacity * 8 / 7).next_power_of_two()
        };
        self.slab.heap_bytes() + buckets * (mem::size_of::<(TimerKey, u32)>() + 1)
    }

    /// Which list a timer due at `due` belongs on, given the current `elapsed`.
    fn loc_for(&self, due: u64) -> Loc {
        if due <= self.elapsed {
            return Loc::READY;
        }
        // Non-zero: `due` > `elapsed` here.
        let highest_differing_bit = (due ^ self.elapsed).ilog2();
        let level = (highest_differing_bit / SLOT_BITS) as usize;
        if level >= LEVELS {
            return Loc::OVERFLOW;
        }
        let slot = (due >> (level as u32 * SLOT_BITS)) as usize & (SLOTS - 1);
        Loc::slot(level, slot)
    }

    fn move_to(&mut self, node: u32, due: u64) {
        let loc = self.loc_for(due);
        self.note_min(loc, due);
        self.slab.node_mut(node).due = due;
        self.slab.relink(node, loc);
    }

    /// Files a node that is on no list (walked off a taken list).
    fn file(&mut self, node: u32, due: u64) {
        let loc = self.loc_for(due);
        self.note_min(loc, due);
        self.slab.link(node, loc);
    }

    /// Keeps `ready_min` and `overflow_min` lower bounds as a timer joins a
    /// list. Called before linking: joining an empty list restarts the bound,
    /// which is how walking a taken list recomputes it exactly.
    fn note_min(&mut self, loc: Loc, due: u64) {
        let min = match loc {
            Loc::READY => &mut self.ready_min,
            Loc::OVERFLOW => &mut self.overflow_min,
            _ => return,
        };
        *min = if self.slab.is_empty(loc) {
            due
        } else {
            (*min).min(due)
        };
    }

    /// The earliest occupied list other than ready, with the time it starts.
    fn next_expiration(&self) -> Option<(Loc, u64)> {
        for level in 0..LEVELS {
            let occupied = self.slab.occupied(level);
            let shift = level as u32 * SLOT_BITS;
            let current = (self.elapsed >> shift) as usize & (SLOTS - 1);
            debug_assert_eq!(
                occupied & (2u64 << current).wrapping_sub(1),
                0,
                "level {level} has a timer at or before elapsed's slot"
            );
            if occupied != 0 {
                let slot = occupied.trailing_zeros();
                let rotation = self.elapsed & !((1u64 << (shift + SLOT_BITS)) - 1);
                let start = rotation | u64::from(slot) << shift;
                return Some((Loc::slot(level, slot as usize), start));
            }
        }
        if self.slab.is_empty(Loc::OVERFLOW) {
            return None;
        }
        // Re-filing at the start of the earliest overflow timer's block puts
        // that timer on the wheel, however many blocks away it is. The bound is
        // in a later block than `elapsed`, so this is after every wheel slot.
        let block_start = self.overflow_min & !((1u64 << (LEVELS as u32 * SLOT_BITS)) - 1);
        debug_assert!(block_start > self.elapsed);
        Some((Loc::OVERFLOW, block_start))
    }

    /// Fires or re-files every timer on `loc`, with `elapsed` at its start.
    fn expire(&mut self, loc: Loc, now: u64, fired: &mut Vec<(TimerKey, u64, T)>) {
        let mut node = self.slab.take(loc);
        while node != NIL {
            let next = self.slab.next_of(node);
            let due = self.slab.node(node).due;
            if due <= now {
                self.fire(node, fired);
            } else {
                // Due after `now`, hence after `elapsed`: never the ready list.
                self.file(node, due);
            }
            node = next;
        }
    }

    /// Fires the ready timers due by `now`; with a clock that stepped back some
    /// may not be, and they stay.
    fn drain_ready(&mut self, now: u64, fired: &mut Vec<(TimerKey, u64, T)>) {
        let mut node = self.slab.take(Loc::READY);
        while node != NIL {
            let next = self.slab.next_of(node);
            let due = self.slab.node(node).due;
            if due <= now {
                self.fire(node, fired);
            } else {
                self.file(node, due);
            }
            node = next;
        }
    }

    fn fire(&mut self, node: u32, fired: &mut Vec<(TimerKey, u64, T)>) {
        let node = self.slab.release(node);
        self.index.remove(&node.key);
        fired.push((node.key, node.due, node.payload));
    }
}
