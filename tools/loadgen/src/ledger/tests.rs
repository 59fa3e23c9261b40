//! The ledger's arithmetic: latencies correlated by conversation, the warm-up
//! left out, double assignments and limit violations counted.

use std::time::{Duration, Instant};

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn latencies_are_measured_per_conversation_from_the_instants_of_both_sides() {
    let ledger = Ledger::default();
    let t0 = Instant::now();
    ledger.handoff("c1", t0);
    ledger.offered("c1", t0 + ms(4));
    assert!(!ledger.assigned("c1", Some(t0 + ms(5)), t0 + ms(7)));
    ledger.agent_message("c1", t0 + ms(8));
    ledger.handoff("c2", t0 + ms(1));
    ledger.offered("c2", t0 + ms(11));

    let summary = ledger.summary(t0);
    assert_eq!(summary.handoffs, 2);
    assert_eq!(summary.assignments, 1);
    assert_eq!(summary.handoff_to_offer.len(), 2);
    assert_eq!(summary.handoff_to_offer.max() / 1000, 10);
    assert_eq!(summary.accept_to_message.len(), 1);
    assert_eq!(summary.accept_to_message.max() / 1000, 3);
    assert_eq!(summary.assigning_span, ms(7));
}

#[test]
fn conversations_handed_off_during_the_warm_up_are_counted_but_not_timed() {
    let ledger = Ledger::default();
    let t0 = Instant::now();
    ledger.handoff("early", t0);
    ledger.offered("early", t0 + ms(1));
    ledger.handoff("late", t0 + ms(50));
    ledger.offered("late", t0 + ms(52));
    let summary = ledger.summary(t0 + ms(10));
    assert_eq!(summary.handoffs, 2);
    assert_eq!(summary.handoff_to_offer.len(), 1);
}

#[test]
fn a_second_assignment_of_the_same_conversation_is_reported_and_counted() {
    let ledger = Ledger::default();
    let t0 = Instant::now();
    ledger.handoff("c1", t0);
    assert!(!ledger.assigned("c1", None, t0 + ms(1)));
    assert!(ledger.assigned("c1", None, t0 + ms(2)));
    let summary = ledger.summary(t0);
    assert_eq!((summary.assignments, summary.assigned_twice), (1, 1));
    assert_eq!(summary.assigning_span, ms(1), "the first assignment counts");
}

#[test]
fn an_agent_holding_more_than_the_limit_is_a_violation_each_time_it_happens() {
    let mut load = Load::new(2);
    load.take("a");
    load.take("a"); // offered, then assigned: one conversation
    load.take("b");
    assert_eq!((load.held(), load.violations), (2, 0));
    load.take("c");
    assert_eq!((load.held(), load.violations, load.max_held), (3, 1, 3));
    load.release("a");
    load.release("a");
    load.take("d");
    assert_eq!((load.held(), load.violations), (3, 2));
}
