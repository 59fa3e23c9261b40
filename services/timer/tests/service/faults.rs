//! Faults: the timer process SIGKILLed with timers pending, one of two
//! instances dying, a draining instance handing over, and NATS restarting.
//! Across all of them every timer fires exactly once and never early.

use std::time::{Duration, Instant};

use switchboard_runtime::clock::now_ms_unsigned as now_ms;
use switchboard_testkit::eventually;
use switchboard_timer::config::TimerConfig;

use crate::harness::{
    Fixture, InProcess, LEASE_TTL, Process, WAIT, assert_each_fired_once_and_not_early,
    await_ready, metric,
};

#[tokio::test]
async fn a_sigkilled_timer_process_loses_no_timer_and_fires_none_twice_or_early() {
    let fixture = Fixture::start().await;
    let first = Process::spawn(&fixture.nats.url()).await;
    await_ready(first.health).await;
    let due = fixture.schedule_spread(300, now_ms() + 500, 3_000).await;

    // Kill it mid-way, with some fired and most pending.
    eventually("some timers to fire", WAIT, || async {
        (fixture.stored_count().await >= 30).then_some(())
    })
    .await;
    first.kill().await;
    let second = Process::spawn(&fixture.nats.url()).await;

    let fired = fixture.await_fired(300).await;
    assert_each_fired_once_and_not_early(&fired, &due);
    await_ready(second.health).await;
    eventually("the records of fired timers deleted", WAIT, || async {
        (metric(second.health, "timer_pending").await == Some(0)).then_some(())
    })
    .await;
    assert_eq!(fixture.stored_count().await, 300);
}

#[tokio::test]
async fn when_one_of_two_instances_dies_the_other_takes_its_timers_over() {
    let fixture = Fixture::start().await;
    let doomed = Process::spawn(&fixture.nats.url()).await;
    let survivor = Process::spawn(&fixture.nats.url()).await;
    for health in [doomed.health, survivor.health] {
        eventually("the partitions split between the two", WAIT, || async {
            (metric(health, "timer_partitions_owned").await == Some(8)).then_some(())
        })
        .await;
    }
    let start = now_ms() + 500;
    let due = fixture.schedule_spread(400, start, 4_000).await;
    eventually("some timers to fire", WAIT, || async {
        (fixture.stored_count().await >= 50).then_some(())
    })
    .await;
    doomed.kill().await;
    let killed_at = now_ms();

    eventually("the survivor to own every partition", WAIT, || async {
        (metric(survivor.health, "timer_partitions_owned").await == Some(16)).then_some(())
    })
    .await;
    let fired = fixture.await_fired(400).await;
    assert_each_fired_once_and_not_early(&fired, &due);
    // Timers due after the kill wait at most for the lease to expire, plus
    // the take-over round and the load.
    let worst = fired
        .iter()
        .map(|f| {
            let due_ms = due[f.subject.trim_start_matches("test.fired.")];
            f.stored_ms.saturating_sub(due_ms.max(killed_at))
        })
        .max()
        .unwrap();
    eprintln!("take-over: worst lateness after the kill {worst} ms (lease TTL {LEASE_TTL:?})");
    assert!(
        worst < 3 * LEASE_TTL.as_millis() as u64 + 2_000,
        "{worst} ms"
    );
}

#[tokio::test]
async fn a_draining_instance_hands_its_partitions_over_at_once() {
    let fixture = Fixture::start().await;
    // A long TTL, so that waiting for it could not pass for a hand-over.
    let config = || TimerConfig {
        lease_ttl: Duration::from_secs(5),
        ..fixture.config()
    };
    let leaving = InProcess::start(config()).await;
    let staying = InProcess::start(config()).await;
    eventually("the partitions split between the two", WAIT, || async {
        (metric(staying.health, "timer_partitions_owned").await == Some(8)).then_some(())
    })
    .await;
    let due = fixture.schedule_spread(100, now_ms() + 300, 1_000).await;
    leaving.stop().await;
    let stopped = Instant::now();
    eventually(
        "the other instance to own every partition",
        WAIT,
        || async {
            (metric(staying.health, "timer_partitions_owned").await == Some(16)).then_some(())
        },
    )
    .await;
    let took = stopped.elapsed();
    eprintln!("hand-over on drain took {took:?}");
    assert!(
        took < config().lease_ttl,
        "took {took:?}: it waited for the TTL"
    );
    let fired = fixture.await_fired(100).await;
    assert_each_fired_once_and_not_early(&fired, &due);
    staying.stop().await;
}

#[tokio::test]
async fn timers_due_while_nats_was_down_fire_soon_after_it_is_back() {
    let mut fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let due = fixture.schedule_spread(50, now_ms() + 300, 500).await;
    fixture.nats.kill().await;
    // The outage outlasts the lease TTL and every due time.
    tokio::time::sleep(LEASE_TTL * 2 + Duration::from_millis(500)).await;
    fixture.nats.restart().await;
    let back = Instant::now();

    let fired = fixture.await_fired(50).await;
    let after = back.elapsed();
    let lost = metric(service.health, "timer_leases_lost_total")
        .await
        .unwrap_or(0);
    eprintln!(
        "all 50 overdue timers fired {after:?} after NATS was back ({lost} leases lost and retaken)"
    );
    assert_each_fired_once_and_not_early(&fired, &due);
    // R2 asks for at most 1 s; it takes tens of milliseconds here, and the
    // slack is for a loaded CI machine.
    assert!(after < Duration::from_secs(2), "{after:?}");
    await_ready(service.health).await;
    service.stop().await;
}
