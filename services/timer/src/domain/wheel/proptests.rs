//! Model-based property test: random schedules, cancels, reschedules and clock
//! moves (tiny, huge and backwards) against a `BTreeMap` reference, checking
//! after every step that the wheel fires exactly what is due, in order.

use std::collections::BTreeMap;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use super::slab::LEVELS;
use super::{TimerKey, Wheel};

/// A small key space, so inserts often replace and removes often hit.
const KEYS: TimerKey = 24;

#[derive(Debug, Clone)]
enum Op {
    Insert {
        key: TimerKey,
        offset: i64,
    },
    Remove {
        key: TimerKey,
    },
    Reschedule {
        key: TimerKey,
        offset: i64,
    },
    Advance {
        step: i64,
    },
    /// What the service does: sleep until `next_due`, then advance.
    AdvanceToNextDue,
}

/// Due times relative to the clock: past, same slot, a few levels up, and
/// beyond the wheel's 2^36 ms span.
fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![
        -5_000i64..=0,
        0i64..70,
        0i64..300_000,
        0i64..(1 << 30),
        (1i64 << 35)..(1i64 << 39),
    ]
}

fn step() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 0i64..5,
        3 => 0i64..200,
        2 => 0i64..500_000,
        1 => 0i64..(1 << 40),
        // Wall clocks step back.
        1 => -100i64..0,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let key = || 0..KEYS;
    prop_oneof![
        4 => (key(), offset()).prop_map(|(key, offset)| Op::Insert { key, offset }),
        1 => key().prop_map(|key| Op::Remove { key }),
        2 => (key(), offset()).prop_map(|(key, offset)| Op::Reschedule { key, offset }),
        3 => step().prop_map(|step| Op::Advance { step }),
        1 => Just(Op::AdvanceToNextDue),
    ]
}

fn start() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        1_600_000_000_000u64..1_900_000_000_000,
        // Just before a 2^36 ms block boundary, where overflow is re-filed.
        (1u64..64, 0u64..10_000).prop_map(|(block, before)| (block << 36) - 1 - before),
        // The last block, which has no successor.
        (0u64..100_000).prop_map(|before| u64::MAX - before),
    ]
}

/// Key → (due, payload).
type Model = BTreeMap<TimerKey, (u64, u32)>;

/// Removes and returns what the model says is due at `now`, in firing order.
fn take_due(model: &mut Model, now: u64) -> Vec<(TimerKey, u64, u32)> {
    let mut due: Vec<_> = model
        .iter()
        .filter(|&(_, &(due, _))| due <= now)
        .map(|(&key, &(due, payload))| (key, due, payload))
        .collect();
    due.sort_by_key(|&(key, due, _)| (due, key));
    for (key, _, _) in &due {
        model.remove(key);
    }
    due
}

fn check_advance(wheel: &mut Wheel<u32>, model: &mut Model, now: u64) -> Result<(), TestCaseError> {
    let mut fired = Vec::new();
    wheel.advance(now, &mut fired);
    prop_assert_eq!(fired, take_due(model, now), "advance to {}", now);
    Ok(())
}

fn check_state(wheel: &Wheel<u32>, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(wheel.len(), model.len());
    for key in 0..KEYS {
        prop_assert_eq!(wheel.due(key), model.get(&key).map(|&(due, _)| due));
    }
    let earliest = model.values().map(|&(due, _)| due).min();
    match (wheel.next_due(), earliest) {
        (None, None) => {}
        (Some(bound), Some(earliest)) => prop_assert!(bound <= earliest),
        (bound, earliest) => prop_assert!(false, "next_due {bound:?}, earliest {earliest:?}"),
    }
    Ok(())
}

proptest! {
    // Shrunk failures are kept next to this file, as `proptests.regressions`.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_wheel_fires_exactly_what_a_sorted_map_says_is_due(
        start in start(),
        ops in vec(op(), 1..80),
    ) {
        let mut wheel = Wheel::new(start);
        let mut model = Model::new();
        let mut now = start;
        for (n, op) in ops.into_iter().enumerate() {
            // Distinct payloads show which insert's payload comes back.
            let payload = n as u32;
            match op {
                Op::Insert { key, offset } => {
                    let due = now.saturating_add_signed(offset);
                    let old = model.insert(key, (due, payload)).map(|(_, old)| old);
                    prop_assert_eq!(wheel.insert(key, due, payload), old);
                }
                Op::Remove { key } => {
                    let old = model.remove(&key).map(|(_, old)| old);
                    prop_assert_eq!(wheel.remove(key), old);
                }
                Op::Reschedule { key, offset } => {
                    let due = now.saturating_add_signed(offset);
                    let timer = model.get_mut(&key);
                    let present = timer.is_some();
                    if let Some(timer) = timer {
                        timer.0 = due;
                    }
                    prop_assert_eq!(wheel.reschedule(key, due), present);
                }
                Op::Advance { step } => {
                    now = now.saturating_add_signed(step);
                    check_advance(&mut wheel, &mut model, now)?;
                }
                Op::AdvanceToNextDue => {
                    now = now.max(wheel.next_due().unwrap_or(now));
                    check_advance(&mut wheel, &mut model, now)?;
                }
            }
            check_state(&wheel, &model)?;
        }

        // Sleeping until `next_due` must reach every remaining timer, each in a
        // bounded number of wake-ups (one per level it cascades through, plus
        // overflow, plus one for each list whose bound a remove left stale).
        let budget = (LEVELS + 2) * model.len() + 2;
        let mut wakeups = 0;
        while let Some(at) = wheel.next_due() {
            now = now.max(at);
            check_advance(&mut wheel, &mut model, now)?;
            wakeups += 1;
            prop_assert!(wakeups <= budget, "{} wake-ups for a budget of {}", wakeups, budget);
        }
        prop_assert!(model.is_empty());
        prop_assert!(wheel.is_empty());
    }
}
