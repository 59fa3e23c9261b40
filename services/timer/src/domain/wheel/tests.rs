//! Example-based tests of the wheel's contract, one behaviour per test.

use super::slab::Entry;
use super::{TimerKey, Wheel};

/// A realistic epoch-milliseconds start, deliberately not slot-aligned.
const T0: u64 = 1_750_000_000_123;
const YEAR_MS: u64 = 365 * 24 * 3_600_000;

type Fired = Vec<(TimerKey, u64, u32)>;

fn advance(wheel: &mut Wheel<u32>, now: u64) -> Fired {
    let mut fired = Vec::new();
    wheel.advance(now, &mut fired);
    fired
}

/// Sleeps the way the service will: until `next_due`, then advances. Returns
/// what fired and how many wake-ups it took.
fn run_until_empty(wheel: &mut Wheel<u32>, mut now: u64) -> (Fired, usize) {
    let mut all = Vec::new();
    let mut wakeups = 0;
    while let Some(at) = wheel.next_due() {
        now = now.max(at);
        wheel.advance(now, &mut all);
        wakeups += 1;
        assert!(wakeups < 1_000, "next_due never reaches the timers");
    }
    (all, wakeups)
}

#[test]
fn a_timer_fires_at_its_due_time_and_not_before() {
    let mut wheel = Wheel::new(T0);
    wheel.insert(7, T0 + 1_500, 70);
    assert!(advance(&mut wheel, T0 + 1_000).is_empty());
    assert!(advance(&mut wheel, T0 + 1_499).is_empty());
    assert_eq!(advance(&mut wheel, T0 + 1_500), vec![(7, T0 + 1_500, 70)]);
    assert!(wheel.is_empty());
    assert!(advance(&mut wheel, T0 + 10_000).is_empty());
}

#[test]
fn cancelled_timers_never_fire() {
    let mut wheel = Wheel::new(T0);
    wheel.insert(1, T0 + 10, 1);
    wheel.insert(2, T0 + 100_000, 2);
    assert_eq!(wheel.remove(1), Some(1));
    assert_eq!(wheel.remove(2), Some(2));
    assert_eq!(wheel.remove(2), None);
    assert_eq!(wheel.next_due(), None);
    assert!(advance(&mut wheel, T0 + YEAR_MS).is_empty());
}

#[test]
fn rescheduling_later_delays_the_timer() {
    let mut wheel = Wheel::new(T0);
    wheel.insert(1, T0 + 100, 1);
    assert!(wheel.reschedule(1, T0 + 5_000));
    assert_eq!(wheel.due(1), Some(T0 + 5_000));
    assert!(advance(&mut wheel, T0 + 4_999).is_empty());
    assert_eq!(advance(&mut wheel, T0 + 5_000), vec![(1, T0 + 5_000, 1)]);
}

#[test]
fn rescheduling_earlier_hastens_the_timer() {
    let mut wheel = Wheel::new(T0);
    wheel.insert(1, T0 + 3_600_000, 1);
    assert!(advance(&mut wheel, T0 + 1_000).is_empty());
    assert!(wheel.reschedule(1, T0 + 1_200));
    assert_eq!(advance(&mut wheel, T0 + 1_200), vec![(1, T0 + 1_200, 1)]);
}

#[test]
fn same_due_timers_fire_in_key_order() {
    let mut wheel = Wheel::new(T0);
    for key in [5, 3, 9, 1, 7] {
        wheel.insert(key, T0 + 70_000, key as u32);
    }
    wheel.insert(4, T0 + 69_999, 4);
    let keys: Vec<_> = advance(&mut wheel, T0 + 80_000)
        .into_iter()
        .map(|(key, _, _)| key)
        .collect();
    assert_eq!(keys, [4, 1, 3, 5, 7, 9]);
}

#[test]
fn a_timer_a_year_ahead_fires_exactly_then_after_one_big_advance() {
    let mut wheel = Wheel::new(T0);
    wheel.insert(1, T0 + YEAR_MS, 1);
    assert!(advance(&mut wheel, T0 + YEAR_MS - 1).is_empty());
    assert_eq!(
        advance(&mut wheel, T0 + YEAR_MS),
        vec![(1, T0 + YEAR_MS, 1)]
    );
}

#[test]
fn past_due_timers_fire_on_the_next_advance() {
    let mut wheel = Wheel::new(T0);
    wheel.insert(1, T0 - 60_000, 1);
    wheel.insert(2, T0, 2);
    wheel.insert(3, 0, 3);
    assert_eq!(wheel.next_due(), Some(0));
    assert_eq!(
        advance(&mut wheel, T0),
        vec![(3, 0, 3), (1, T0 - 60_000, 1), (2, T0, 2)]
    );
}

#[test]
fn inserting_a_pending_key_replaces_its_timer_and_returns_the_old_payload() {
    let mut wheel = Wheel::new(T0);
    assert_eq!(wheel.insert(1, T0 + 10, 10), None);
    assert_eq!(wheel.insert(1, T0 + 20, 20), Some(10));
    assert_eq!(wheel.len(), 1);
    assert!(advance(&mut wheel, T0 + 10).is_empty());
    assert_eq!(advance(&mut wheel, T0 + 20), vec![(1, T0 + 20, 20)]);
}

#[test]
fn absent_keys_cannot_be_rescheduled_removed_or_queried() {
    let mut wheel = Wheel::<u32>::new(T0);
    assert!(!wheel.reschedule(1, T0));
    assert_eq!(wheel.remove(1), None);
    assert_eq!(wheel.due(1), None);
    assert!(wheel.is_empty());
}

#[test]
fn a_timer_beyond_the_wheel_span_waits_on_overflow_and_still_fires_exactly() {
    let mut wheel = Wheel::new(T0);
    let due = T0 + 3 * YEAR_MS;
    wheel.insert(1, due, 1);
    let bound = wheel.next_due().unwrap();
    assert!(bound <= due);
    assert!(advance(&mut wheel, bound).is_empty());
    assert!(advance(&mut wheel, due - 1).is_empty());
    assert_eq!(advance(&mut wheel, due), vec![(1, due, 1)]);
}

#[test]
fn sleeping_until_next_due_reaches_each_timer_on_time_in_a_few_wakeups() {
    let mut wheel = Wheel::new(T0);
    let dues = [
        T0 + 3,
        T0 + 4_097,
        T0 + 86_400_000,
        T0 + YEAR_MS,
        T0 + 3 * YEAR_MS,
    ];
    for (key, &due) in dues.iter().enumerate() {
        wheel.insert(key as TimerKey, due, 0);
    }
    let (fired, wakeups) = run_until_empty(&mut wheel, T0);
    let fired_dues: Vec<_> = fired.iter().map(|&(_, due, _)| due).collect();
    assert_eq!(fired_dues, dues);
    assert!(wakeups <= dues.len() * 7, "{wakeups} wake-ups");
}

#[test]
fn a_clock_that_steps_back_never_fires_early() {
    let mut wheel = Wheel::new(T0);
    advance(&mut wheel, T0 + 1_000);
    // Scheduled "in the past" of the wheel, but after the clock's new reading.
    wheel.insert(1, T0 + 900, 1);
    wheel.insert(2, T0 + 400, 2);
    assert_eq!(advance(&mut wheel, T0 + 500), vec![(2, T0 + 400, 2)]);
    assert!(advance(&mut wheel, T0 + 899).is_empty());
    assert_eq!(advance(&mut wheel, T0 + 900), vec![(1, T0 + 900, 1)]);
}

#[test]
fn timers_at_the_end_of_time_fire_when_the_clock_gets_there() {
    let mut wheel = Wheel::new(u64::MAX - 100_000);
    wheel.insert(1, u64::MAX, 1);
    wheel.insert(2, u64::MAX - 1, 2);
    assert!(advance(&mut wheel, u64::MAX - 2).is_empty());
    assert_eq!(
        advance(&mut wheel, u64::MAX),
        vec![(2, u64::MAX - 1, 2), (1, u64::MAX, 1)]
    );
}

#[test]
fn freed_nodes_are_reused_instead_of_growing_the_arena() {
    let mut wheel = Wheel::new(T0);
    for key in 0..1_000 {
        wheel.insert(key, T0 + key, 0);
    }
    // The arena only: the map's growth is hashbrown's business.
    let bytes = wheel.slab.heap_bytes();
    for round in 1..=5 {
        advance(&mut wheel, T0 + round * 10_000);
        for key in 0..1_000 {
            wheel.insert(key, T0 + round * 10_000 + 1 + key, 0);
        }
    }
    assert_eq!(wheel.slab.heap_bytes(), bytes);
}

#[test]
fn an_arena_entry_for_a_u32_payload_takes_32_bytes() {
    // The niche in `Loc` keeps the vacant/occupied tag out of the entry.
    assert_eq!(std::mem::size_of::<Entry<u32>>(), 32);
}
