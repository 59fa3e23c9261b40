//! Unit and property tests of the timer table, with the clock passed in.

use proptest::prelude::*;

use super::*;

const T0: u64 = 1_700_000_000_000;

fn record(tag: u8) -> Box<[u8]> {
    vec![tag; 3].into_boxed_slice()
}

fn fire(table: &mut TimerTable, now: u64) -> Vec<Due> {
    let mut due = Vec::new();
    table.advance(now, &mut due);
    due
}

fn owned(partitions: &[u16]) -> (TimerTable, Vec<u64>) {
    let mut table = TimerTable::new(4, T0);
    let generations = partitions.iter().map(|&p| table.own(p)).collect();
    (table, generations)
}

#[test]
fn a_timer_is_handed_out_at_its_due_time_and_not_before() {
    let (mut table, g) = owned(&[0]);
    assert!(table.put(0, g[0], "p00.a", 5, T0 + 100, record(1)));
    assert!(fire(&mut table, T0 + 99).is_empty());
    let due = fire(&mut table, T0 + 100);
    assert_eq!(due.len(), 1);
    assert_eq!((&*due[0].key, due[0].revision), ("p00.a", 5));
    assert_eq!(due[0].record, record(1));
    assert_eq!(table.len(), 1, "held until its record is deleted");
    table.complete(&due[0]);
    assert!(table.is_empty());
}

#[test]
fn a_later_revision_moves_a_timer_and_an_older_one_is_ignored() {
    let (mut table, g) = owned(&[1]);
    table.put(1, g[0], "p01.a", 5, T0 + 100, record(1));
    table.put(1, g[0], "p01.a", 7, T0 + 300, record(2));
    table.put(1, g[0], "p01.a", 6, T0 + 50, record(3));
    assert!(fire(&mut table, T0 + 299).is_empty());
    let due = fire(&mut table, T0 + 300);
    assert_eq!((due[0].revision, &due[0].record), (7, &record(2)));
}

#[test]
fn a_delete_cancels_only_older_revisions() {
    let (mut table, g) = owned(&[0]);
    table.put(0, g[0], "p00.a", 5, T0 + 10, record(1));
    table.delete(0, g[0], "p00.a", 4);
    assert_eq!(table.len(), 1);
    table.delete(0, g[0], "p00.a", 6);
    assert!(table.is_empty());
    assert!(fire(&mut table, T0 + 1_000).is_empty());
}

#[test]
fn a_timer_re_armed_while_firing_survives_the_completion() {
    let (mut table, g) = owned(&[0]);
    table.put(0, g[0], "p00.a", 5, T0 + 10, record(1));
    let due = fire(&mut table, T0 + 10).remove(0);
    table.put(0, g[0], "p00.a", 8, T0 + 500, record(2));
    assert!(!table.is_current(&due));
    table.complete(&due);
    assert_eq!(table.len(), 1);
    let again = fire(&mut table, T0 + 500);
    assert_eq!((again[0].revision, &again[0].record), (8, &record(2)));
}

#[test]
fn a_failed_fire_comes_back_at_its_retry_time_with_its_record() {
    let (mut table, g) = owned(&[0]);
    table.put(0, g[0], "p00.a", 5, T0 + 10, record(1));
    let due = fire(&mut table, T0 + 10).remove(0);
    assert!(table.retry(due, T0 + 60, 1));
    assert!(fire(&mut table, T0 + 59).is_empty());
    let again = fire(&mut table, T0 + 60).remove(0);
    assert_eq!((again.attempts, again.record), (1, record(1)));
}

#[test]
fn disowning_a_partition_forgets_its_timers_and_outdates_its_work() {
    let (mut table, g) = owned(&[0, 1]);
    table.put(0, g[0], "p00.a", 5, T0 + 10, record(1));
    table.put(1, g[1], "p01.b", 6, T0 + 10, record(2));
    table.put(0, g[0], "p00.c", 7, T0 + 20, record(3));
    let due = fire(&mut table, T0 + 10);
    assert_eq!(table.disown(0), 2);
    assert_eq!(table.len(), 1);
    let stale = due.iter().find(|d| d.partition == 0).unwrap();
    assert!(!table.is_current(stale));
    assert!(
        !table.put(0, g[0], "p00.d", 9, T0 + 30, record(4)),
        "old generation"
    );
    assert!(fire(&mut table, T0 + 1_000).is_empty());
    let again = table.own(0);
    assert_ne!(again, g[0]);
    assert!(!table.is_loaded(0));
    table.mark_loaded(0, again);
    assert!(table.is_loaded(0));
}

#[test]
fn a_suspended_partition_parks_what_comes_due_and_hands_it_out_on_resume() {
    let (mut table, g) = owned(&[0, 1]);
    table.put(0, g[0], "p00.a", 5, T0 + 10, record(1));
    table.put(1, g[1], "p01.b", 6, T0 + 10, record(2));
    table.suspend(0);
    let due = fire(&mut table, T0 + 100);
    assert_eq!(due.len(), 1);
    assert_eq!(&*due[0].key, "p01.b");
    table.put(0, g[0], "p00.c", 7, T0 + 50, record(3));
    assert!(fire(&mut table, T0 + 200).is_empty(), "still suspended");
    assert_eq!(table.len(), 3, "kept, not forgotten");
    assert!(table.resume(0, T0 + 300));
    let due = fire(&mut table, T0 + 300);
    let keys: Vec<&str> = due.iter().map(|d| &*d.key).collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&"p00.a") && keys.contains(&"p00.c"));
}

#[test]
fn a_parked_timer_deleted_meanwhile_stays_gone_after_resume() {
    let (mut table, g) = owned(&[0]);
    table.put(0, g[0], "p00.a", 5, T0 + 10, record(1));
    table.suspend(0);
    fire(&mut table, T0 + 100);
    table.delete(0, g[0], "p00.a", 6);
    // Its slot is reused by a timer that is not due yet.
    table.put(0, g[0], "p00.b", 7, T0 + 10_000, record(2));
    table.resume(0, T0 + 200);
    assert!(
        fire(&mut table, T0 + 300).is_empty(),
        "the reused slot kept its own due time"
    );
}

#[test]
fn only_a_timer_earlier_than_the_planned_wake_up_asks_for_one() {
    let (mut table, g) = owned(&[0]);
    assert!(table.put(0, g[0], "p00.a", 1, T0 + 100, record(1)));
    assert!(!table.put(0, g[0], "p00.b", 2, T0 + 200, record(1)));
    assert!(table.put(0, g[0], "p00.c", 3, T0 + 50, record(1)));
    fire(&mut table, T0);
    assert!(
        !table.put(0, g[0], "p00.d", 4, T0 + 60, record(1)),
        "it wakes at T0 + 50 anyway"
    );
    assert!(table.put(0, g[0], "p00.e", 5, T0 + 40, record(1)));
}

#[derive(Debug, Clone)]
enum Op {
    Put { key: u8, due: u16 },
    Delete { key: u8 },
    Advance { by: u16 },
    Complete,
    Suspend,
    Resume,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..12, 0u16..2_000).prop_map(|(key, due)| Op::Put { key, due }),
        (0u8..12).prop_map(|key| Op::Delete { key }),
        (0u16..400).prop_map(|by| Op::Advance { by }),
        Just(Op::Complete),
        Just(Op::Suspend),
        Just(Op::Resume),
    ]
}

proptest! {
    /// Against a model of the bucket: every live record is handed out exactly
    /// once per revision, never before its due time, never while suspended,
    /// and deleted or replaced revisions never are.
    #[test]
    fn the_table_hands_out_each_live_revision_once_and_never_early(ops in prop::collection::vec(op(), 1..200)) {
        let (mut table, g) = owned(&[0]);
        let mut model: std::collections::HashMap<String, (u64, u64)> = Default::default();
        let mut handed: std::collections::HashSet<(String, u64)> = Default::default();
        let mut out: Vec<Due> = Vec::new();
        let (mut now, mut revision) = (T0, 0u64);
        for op in ops {
            match op {
                Op::Put { key, due } => {
                    revision += 1;
                    let key = format!("p00.{key}");
                    table.put(0, g[0], &key, revision, T0 + u64::from(due), record(1));
                    model.insert(key, (revision, T0 + u64::from(due)));
                }
                Op::Delete { key } => {
                    revision += 1;
                    let key = format!("p00.{key}");
                    table.delete(0, g[0], &key, revision);
                    model.remove(&key);
                }
                Op::Advance { by } => {
                    now += u64::from(by);
                    let mut due = Vec::new();
                    table.advance(now, &mut due);
                    prop_assert!(due.is_empty() || !table.is_suspended(0), "handed out while suspended");
                    for d in due {
                        let (live_revision, due_ms) = model[&*d.key];
                        prop_assert_eq!(d.revision, live_revision);
                        prop_assert!(due_ms <= now, "handed out early");
                        prop_assert!(handed.insert((d.key.to_string(), d.revision)), "twice");
                        out.push(d);
                    }
                }
                Op::Suspend => table.suspend(0),
                Op::Resume => {
                    table.resume(0, now);
                }
                Op::Complete => {
                    for d in out.drain(..) {
                        if table.is_current(&d) {
                            model.remove(&*d.key);
                        }
                        table.complete(&d);
                    }
                }
            }
        }
        table.resume(0, now);
        let mut due = Vec::new();
        table.advance(now + 10_000, &mut due);
        for d in due {
            prop_assert!(handed.insert((d.key.to_string(), d.revision)), "twice at the end");
        }
        for (key, (live_revision, _)) in &model {
            prop_assert!(handed.contains(&(key.clone(), *live_revision)), "{} never handed out", key);
        }
    }
}
