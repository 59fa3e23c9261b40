//! Firing with one healthy instance: on time and never early, cancel,
//! re-arm, the past, and a thousand at once.

use std::collections::HashMap;

use switchboard_bus::ErrorKind;
use switchboard_contracts::v1::Timer;
use switchboard_runtime::clock::now_ms_unsigned as now_ms;

use crate::harness::{Fixture, InProcess, WAIT, assert_each_fired_once_and_not_early, metric};

#[tokio::test]
async fn a_scheduled_timer_fires_at_its_due_time_with_its_payload_on_its_subject() {
    let fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let due = now_ms() + 800;
    fixture.schedule("inactivity.c1", due).await;

    let fired = fixture.await_fired(1).await;
    assert_eq!(fired[0].subject, "test.fired.inactivity.c1");
    assert_eq!(fired[0].msg_id, format!("timer:inactivity.c1:{due}"));
    assert_each_fired_once_and_not_early(&fired, &HashMap::from([("inactivity.c1".into(), due)]));
    assert!(
        fired[0].stored_ms - due < 1_000,
        "late by {} ms",
        fired[0].stored_ms - due
    );
    switchboard_testkit::eventually("the fired record to be deleted", WAIT, || async {
        fixture
            .timers
            .get("inactivity.c1")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert_eq!(metric(service.health, "timer_fired_total").await, Some(1));
    service.stop().await;
}

#[tokio::test]
async fn a_fired_timer_continues_the_trace_that_scheduled_it() {
    let fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let scheduler = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut timer = fixture.timer("traced.c1", now_ms() + 100);
    timer.headers.insert("traceparent".into(), scheduler.into());
    fixture.timers.schedule(&timer).await.unwrap();

    let fired = fixture.await_fired(1).await;
    let parts: Vec<&str> = fired[0].traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{:?}", fired[0].traceparent);
    assert_eq!(
        parts[1], "4bf92f3577b34da6a3ce929d0e0e4736",
        "the scheduler's trace"
    );
    assert_ne!(
        parts[2], "00f067aa0ba902b7",
        "the fire's own span is the parent"
    );
    service.stop().await;
}

#[tokio::test]
async fn a_cancelled_timer_never_fires() {
    let fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let now = now_ms();
    fixture.schedule("cancelled", now + 400).await;
    fixture.schedule("kept", now + 700).await;
    fixture.timers.cancel("cancelled").await.unwrap();
    fixture.timers.cancel("never-scheduled").await.unwrap();

    // "kept" is due after "cancelled": once it fired, "cancelled" had its chance.
    let fired = fixture.await_fired(1).await;
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].subject, "test.fired.kept");
    service.stop().await;
}

#[tokio::test]
async fn scheduling_the_same_id_again_moves_the_timer() {
    let fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let now = now_ms();
    let first = fixture.schedule("moved", now + 300).await;
    let second = fixture.schedule("moved", now + 1_500).await;
    assert!(second > first);
    let (pending, revision) = fixture.timers.get("moved").await.unwrap().unwrap();
    assert_eq!((pending.due_ms, revision), (now + 1_500, second));
    fixture.schedule("marker", now + 700).await;

    let fired = fixture.await_fired(1).await;
    assert_eq!(
        fired[0].subject, "test.fired.marker",
        "the old due time passed unfired"
    );
    let fired = fixture.await_fired(2).await;
    let due = HashMap::from([("moved".into(), now + 1_500), ("marker".into(), now + 700)]);
    assert_each_fired_once_and_not_early(&fired, &due);
    service.stop().await;
}

#[tokio::test]
async fn a_timer_already_due_when_scheduled_fires_at_once() {
    let fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let due = now_ms() - 60_000;
    fixture.schedule("overdue", due).await;
    let fired = fixture.await_fired(1).await;
    assert_each_fired_once_and_not_early(&fired, &HashMap::from([("overdue".into(), due)]));
    service.stop().await;
}

#[tokio::test]
async fn a_thousand_timers_due_within_two_seconds_all_fire_exactly_once() {
    let fixture = Fixture::start().await;
    let service = InProcess::start(fixture.config()).await;
    let due = fixture.schedule_spread(1_000, now_ms() + 500, 2_000).await;

    fixture.await_fired(1_000).await;
    switchboard_testkit::eventually("every fired record deleted", WAIT, || async {
        (metric(service.health, "timer_pending").await == Some(0)).then_some(())
    })
    .await;
    let fired = fixture.fired().await;
    assert_eq!(fired.len(), 1_000);
    assert_each_fired_once_and_not_early(&fired, &due);
    let observed = metric(service.health, "timer_lateness_seconds_count")
        .await
        .unwrap();
    assert_eq!(observed, 1_000, "one lateness per fire");
    service.stop().await;
}

#[tokio::test]
async fn an_invalid_timer_is_refused_naming_the_field() {
    let fixture = Fixture::start().await;
    let bad = Timer {
        subject: "test.>".into(),
        ..fixture.timer("fine-id", now_ms())
    };
    let error = fixture.timers.schedule(&bad).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.to_string().contains("subject"), "{error}");
    let error = fixture.timers.cancel("a..b").await.unwrap_err();
    assert!(error.to_string().contains("id"), "{error}");
}
