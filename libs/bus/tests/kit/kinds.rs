//! A durable consumer of `SB_EVENTS` created before event kinds (filtered on
//! `sb.evt.>`) takes the kinds it is started with, and from then on is given
//! those kinds and the events stored in the shape before kinds, nothing else.

use std::time::Duration;

use async_nats::jetstream::consumer::{PullConsumer, pull};
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, EventKind, filter};
use switchboard_testkit::{NatsServer, eventually};
use tokio::sync::mpsc;

use super::{TestError, kit};

#[tokio::test]
async fn an_existing_durable_takes_its_kinds_at_start_and_is_given_no_other() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let js = kit.bus().js.clone();
    let stream = js.get_stream(streams::EVENTS).await.expect("events stream");
    let durable = "kinds";
    let _: PullConsumer = stream
        .create_consumer(pull::Config {
            durable_name: Some(durable.into()),
            filter_subject: filter::ALL_EVENTS.into(),
            ..Default::default()
        })
        .await
        .expect("the durable as an earlier version made it");

    let (t, c) = (TenantId::new(), ConversationId::new());
    let old_shape = format!("sb.evt.{t}.{c}");
    let state = subjects::event(t, c, EventKind::State);
    let message = subjects::event(t, c, EventKind::Message);
    for subject in [&old_shape, &message, &state] {
        js.publish(subject.clone(), "event".into())
            .await
            .unwrap()
            .await
            .unwrap();
    }

    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let spec = ConsumerSpec::filtered(
        streams::EVENTS,
        durable,
        filter::events_of_kinds(&[EventKind::State]),
    );
    kit.spawn_consumer(spec, move |delivery: Delivery| {
        let _ = seen_tx.send(delivery.subject);
        async { Ok::<(), TestError>(()) }
    });
    let within = Duration::from_secs(10);
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let next = tokio::time::timeout(within, seen.recv()).await;
        subjects.push(next.expect("a delivery").expect("the consumer runs"));
    }
    subjects.sort();
    let mut expected = vec![old_shape, state];
    expected.sort();
    assert_eq!(subjects, expected);

    let stream = js.get_stream(streams::EVENTS).await.expect("events stream");
    let info = eventually("both acked", within, || {
        let stream = stream.clone();
        async move {
            let mut consumer: PullConsumer = stream.get_consumer(durable).await.ok()?;
            let info = consumer.info().await.ok()?.clone();
            (info.num_ack_pending == 0 && info.num_pending == 0).then_some(info)
        }
    })
    .await;
    assert_eq!(
        info.config.filter_subjects,
        filter::events_of_kinds(&[EventKind::State])
    );
    assert_eq!(
        info.delivered.consumer_sequence, 2,
        "the message was never delivered"
    );

    let running = kit.running();
    let stop = running.shutdown_handle();
    stop.trigger();
    running.run_until(std::future::pending()).await;
}
