//! The arena behind the wheel: every pending timer is one node in a `Vec`,
//! threaded onto one of the wheel's lists (a slot, the overflow list or the
//! ready list) by `u32` indices. Nodes never move once placed, so links stay
//! valid without pointers or `unsafe`, and freed nodes are reused through an
//! intrusive free list instead of being returned to the allocator.

use std::mem;
use std::num::NonZeroU16;

/// Bits of the due time each level consumes: 64 slots, so a level's occupancy
/// fits one `u64` bitmap.
pub(super) const SLOT_BITS: u32 = 6;
pub(super) const SLOTS: usize = 1 << SLOT_BITS;
/// Six levels of 1 ms ticks cover 2^36 ms (about 2.2 years); anything later
/// waits on the overflow list.
pub(super) const LEVELS: usize = 6;
/// The wheel's slots plus the overflow and ready lists.
const LISTS: usize = LEVELS * SLOTS + 2;
/// The "no node" index. It can never name a real node because `insert`
/// refuses to grow the arena that far.
pub(super) const NIL: u32 = u32::MAX;

/// Which list a node is on.
///
/// Stored as index + 1 in a `NonZeroU16` only for the niche: it lets
/// `Entry<T>` be as small as `Node<T>` (32 bytes for `T = u32`), which is a
/// fifth of the per-timer cost.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Loc(NonZeroU16);

impl Loc {
    /// Timers due after the current 2^36 ms block.
    pub(super) const OVERFLOW: Loc = Loc::from_index(LEVELS * SLOTS);
    /// Timers already due when they were scheduled; they fire on the next advance.
    pub(super) const READY: Loc = Loc::from_index(LEVELS * SLOTS + 1);

    const fn from_index(index: usize) -> Loc {
        // LISTS is far below u16::MAX, so the cast cannot truncate.
        Loc(NonZeroU16::new(index as u16 + 1).unwrap())
    }

    pub(super) fn slot(level: usize, slot: usize) -> Loc {
        debug_assert!(level < LEVELS && slot < SLOTS);
        Loc::from_index(level * SLOTS + slot)
    }

    fn index(self) -> usize {
        usize::from(self.0.get()) - 1
    }

    /// `(level, slot)` for wheel slots; `None` for the overflow and ready lists,
    /// which have no occupancy bit.
    fn level_slot(self) -> Option<(usize, usize)> {
        let index = self.index();
        (index < LEVELS * SLOTS).then_some((index / SLOTS, index % SLOTS))
    }
}

/// One pending timer.
pub(super) struct Node<T> {
    pub(super) key: u64,
    pub(super) due: u64,
    prev: u32,
    next: u32,
    loc: Loc,
    pub(super) payload: T,
}

pub(super) enum Entry<T> {
    Occupied(Node<T>),
    Vacant { next_free: u32 },
}

pub(super) struct Slab<T> {
    entries: Vec<Entry<T>>,
    free: u32,
    /// First node of every list, indexed by `Loc::index`.
    heads: Box<[u32]>,
    /// Bit `s` of `occupied[l]` is set exactly when slot `s` of level `l` is
    /// non-empty, so finding the next timer never walks empty slots.
    occupied: [u64; LEVELS],
}

impl<T> Slab<T> {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Slab {
            entries: Vec::with_capacity(capacity),
            free: NIL,
            heads: vec![NIL; LISTS].into_boxed_slice(),
            occupied: [0; LEVELS],
        }
    }

    pub(super) fn node(&self, index: u32) -> &Node<T> {
        match &self.entries[index as usize] {
            Entry::Occupied(node) => node,
            Entry::Vacant { .. } => unreachable!("timer node {index} is vacant"),
        }
    }

    pub(super) fn node_mut(&mut self, index: u32) -> &mut Node<T> {
        match &mut self.entries[index as usize] {
            Entry::Occupied(node) => node,
            Entry::Vacant { .. } => unreachable!("timer node {index} is vacant"),
        }
    }

    /// Stores a new timer on list `loc` and returns its index.
    pub(super) fn insert(&mut self, key: u64, due: u64, payload: T, loc: Loc) -> u32 {
        let node = Entry::Occupied(Node {
            key,
            due,
            prev: NIL,
            next: NIL,
            loc,
            payload,
        });
        let index = if self.free == NIL {
            let index = u32::try_from(self.entries.len())
                .ok()
                .filter(|&index| index != NIL)
                .expect("the timer wheel holds at most u32::MAX - 1 timers");
            self.entries.push(node);
            index
        } else {
            let index = self.free;
            match mem::replace(&mut self.entries[index as usize], node) {
                Entry::Vacant { next_free } => self.free = next_free,
                Entry::Occupied(_) => unreachable!("free list points at a live node"),
            }
            index
        };
        self.link(index, loc);
        index
    }

    /// Unlinks a node from its list and frees it.
    pub(super) fn remove(&mut self, index: u32) -> Node<T> {
        self.unlink(index);
        self.release(index)
    }

    /// Frees a node that is on no list (one walked off a list from `take`).
    pub(super) fn release(&mut self, index: u32) -> Node<T> {
        let vacant = Entry::Vacant {
            next_free: self.free,
        };
        self.free = index;
        match mem::replace(&mut self.entries[index as usize], vacant) {
            Entry::Occupied(node) => node,
            Entry::Vacant { .. } => unreachable!("timer node {index} freed twice"),
        }
    }

    /// Moves a node from its current list to `loc`.
    pub(super) fn relink(&mut self, index: u32, loc: Loc) {
        self.unlink(index);
        self.link(index, loc);
    }

    /// Pushes a node that is on no list onto the front of `loc`. Order inside a
    /// list does not matter: `advance` sorts what it fires.
    pub(super) fn link(&mut self, index: u32, loc: Loc) {
        let head = self.heads[loc.index()];
        let node = self.node_mut(index);
        node.prev = NIL;
        node.next = head;
        node.loc = loc;
        if head != NIL {
            self.node_mut(head).prev = index;
        } else if let Some((level, slot)) = loc.level_slot() {
            self.occupied[level] |= 1 << slot;
        }
        self.heads[loc.index()] = index;
    }

    fn unlink(&mut self, index: u32) {
        let Node {
            prev, next, loc, ..
        } = *self.node(index);
        if prev == NIL {
            self.heads[loc.index()] = next;
            if next == NIL
                && let Some((level, slot)) = loc.level_slot()
            {
                self.occupied[level] &= !(1 << slot);
            }
        } else {
            self.node_mut(prev).next = next;
        }
        if next != NIL {
            self.node_mut(next).prev = prev;
        }
    }

    /// Detaches a whole list and returns its first node. The detached nodes
    /// keep their `next` links so the caller can walk them, reading `next`
    /// before it `link`s or `release`s each one.
    pub(super) fn take(&mut self, loc: Loc) -> u32 {
        if let Some((level, slot)) = loc.level_slot() {
            self.occupied[level] &= !(1 << slot);
        }
        mem::replace(&mut self.heads[loc.index()], NIL)
    }

    pub(super) fn next_of(&self, index: u32) -> u32 {
        self.node(index).next
    }

    pub(super) fn is_empty(&self, loc: Loc) -> bool {
        self.heads[loc.index()] == NIL
    }

    pub(super) fn occupied(&self, level: usize) -> u64 {
        self.occupied[level]
    }

    /// Bytes this arena holds on the heap, counted by capacity.
    pub(super) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * mem::size_of::<Entry<T>>()
            + self.heads.len() * mem::size_of::<u32>()
    }
}
