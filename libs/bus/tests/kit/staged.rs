//! The batch pipeline's two stages ([`StagedBatchConsumer`]): a batch's
//! second stage runs beside the next batch's first, and no message of a
//! batch is acked before its second stage has returned.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::pull;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::service::{Settling, StagedBatchConsumer};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_testkit::{NatsServer, eventually};
use tokio::sync::Notify;

use super::{TestError, kit};

/// Finishes a batch's second stage when `release` is notified; a batch
/// whose payload is `release` notifies it in its first stage.
#[derive(Clone)]
struct Gated {
    release: Arc<Notify>,
}

impl StagedBatchConsumer for Gated {
    type Error = TestError;

    async fn consume_batch(&self, batch: Vec<Delivery>) -> Settling<TestError> {
        let size = batch.len();
        let releases = batch.iter().any(|d| &d.payload[..] == b"release");
        if releases {
            self.release.notify_one();
        }
        let release = Arc::clone(&self.release);
        Box::pin(async move {
            if !releases {
                release.notified().await;
            }
            (0..size).map(|_| Ok(())).collect()
        })
    }
}

fn spec(durable: &str) -> ConsumerSpec {
    ConsumerSpec::new(streams::EVENTS, durable, subjects::filter::ALL_EVENTS).max_batch(1)
}

async fn publish(js: &async_nats::jetstream::Context, payload: &'static str) {
    let subject = subjects::event(TenantId::new(), ConversationId::new(), EventKind::Message);
    js.publish(subject, payload.into())
        .await
        .unwrap()
        .await
        .unwrap();
}

/// The stream sequence up to which the durable has every message acked.
async fn ack_floor(js: &async_nats::jetstream::Context, durable: &str) -> Option<u64> {
    let stream = js.get_stream(streams::EVENTS).await.ok()?;
    let mut consumer = stream.get_consumer::<pull::Config>(durable).await.ok()?;
    Some(consumer.info().await.ok()?.ack_floor.stream_sequence)
}

#[tokio::test]
async fn a_batch_waits_for_its_acks_beside_the_next_batchs_first_stage() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let js = kit.bus().js.clone();
    // The first batch's second stage ends only once the second batch's first
    // stage has run: stages run one batch after the other, it never would.
    kit.spawn_batch_consumer(
        spec("staged"),
        Gated {
            release: Arc::new(Notify::new()),
        },
    );
    publish(&js, "wait").await;
    publish(&js, "release").await;

    eventually("both batches acked", Duration::from_secs(10), || {
        let js = js.clone();
        async move { (ack_floor(&js, "staged").await == Some(2)).then_some(()) }
    })
    .await;
    kit.running().shutdown_handle().trigger();
}

#[tokio::test]
async fn no_message_is_acked_before_its_batchs_second_stage_returns() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let js = kit.bus().js.clone();
    let release = Arc::new(Notify::new());
    kit.spawn_batch_consumer(
        spec("held"),
        Gated {
            release: Arc::clone(&release),
        },
    );
    publish(&js, "wait").await;
    eventually("the message delivered", Duration::from_secs(10), || {
        let js = js.clone();
        async move {
            let stream = js.get_stream(streams::EVENTS).await.ok()?;
            let mut consumer = stream.get_consumer::<pull::Config>("held").await.ok()?;
            let info = consumer.info().await.ok()?;
            (info.num_ack_pending == 1).then_some(())
        }
    })
    .await;
    assert_eq!(ack_floor(&js, "held").await, Some(0), "acked too early");

    release.notify_one();
    eventually("the message acked", Duration::from_secs(10), || {
        let js = js.clone();
        async move { (ack_floor(&js, "held").await == Some(1)).then_some(()) }
    })
    .await;
    kit.running().shutdown_handle().trigger();
}
