//! The service kit and the consumer pipeline against a real nats-server:
//! a message whose parking fails comes back instead of being lost, a parked
//! message carries its reason, a responder answers refusals, starting
//! widens a stream an earlier version created with fewer subjects, and a
//! durable publish refuses a message id no NATS header can hold. The
//! configuration cache's change feed is in [`config`], the batch pipeline's
//! two stages in [`staged`].

mod config;
mod kinds;
mod staged;

use std::time::Duration;

use futures::StreamExt;
use prost::Message;
use switchboard_bus::consume::{ConsumerSpec, Delivery};
use switchboard_bus::rpc::{Refuse, Responder};
use switchboard_bus::service::{Kit, KitSettings};
use switchboard_bus::{Classify, ConnectSettings, Disposition};
use switchboard_contracts::ids::{ConversationId, TenantId};
use switchboard_contracts::streams;
use switchboard_contracts::subjects::{self, EventKind};
use switchboard_contracts::v1::TranscriptPage;
use switchboard_testkit::{NatsServer, eventually};
use tokio::sync::mpsc;

#[derive(Debug, thiserror::Error)]
enum TestError {
    #[error("poison for the test")]
    Poison,
    #[error("refused for the test")]
    Refused,
}

impl Classify for TestError {
    fn disposition(&self) -> Disposition {
        match self {
            TestError::Poison => Disposition::Park,
            TestError::Refused => Disposition::Answered,
        }
    }
}

impl Refuse<TranscriptPage> for TestError {
    fn reply(&self) -> TranscriptPage {
        TranscriptPage {
            error: "invalid".into(),
            ..Default::default()
        }
    }
}

async fn kit(nats: &NatsServer) -> Kit {
    let settings = KitSettings::new(
        ConnectSettings::new(nats.url(), "kit-test"),
        "127.0.0.1:0".parse().unwrap(),
        Duration::from_secs(20),
    );
    Kit::start(settings).await.expect("the kit starts")
}

fn spec(durable: &str) -> ConsumerSpec {
    ConsumerSpec::new(streams::EVENTS, durable, subjects::filter::ALL_EVENTS)
        .lanes(2)
        .backoff(Duration::from_millis(20), Duration::from_millis(100))
}

async fn parked_count(js: &async_nats::jetstream::Context) -> Option<u64> {
    let mut parked = js.get_stream(streams::PARKED).await.ok()?;
    Some(parked.info().await.ok()?.state.messages)
}

#[tokio::test]
async fn a_message_that_cannot_be_parked_comes_back_and_is_parked_later() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let js = kit.bus().js.clone();
    js.delete_stream(streams::PARKED)
        .await
        .expect("drop the parked stream");

    let (attempts, mut seen) = mpsc::unbounded_channel();
    kit.spawn_consumer(spec("parks-later"), move |delivery: Delivery| {
        let attempts = attempts.clone();
        async move {
            let _ = attempts.send(delivery.attempt);
            Err::<(), _>(TestError::Poison)
        }
    });
    let subject = subjects::event(TenantId::new(), ConversationId::new(), EventKind::Message);
    js.publish(subject, "poison".into())
        .await
        .unwrap()
        .await
        .unwrap();

    // Terminating the message would end it at the first attempt; a nak
    // brings it back.
    let within = Duration::from_secs(10);
    let first = tokio::time::timeout(within, seen.recv()).await;
    assert_eq!(first.expect("a first attempt"), Some(1));
    let again = tokio::time::timeout(within, seen.recv()).await;
    assert_eq!(again.expect("the message back"), Some(2));

    kit.bus()
        .ensure_topology()
        .await
        .expect("the parked stream again");
    eventually("the message parked", Duration::from_secs(10), || {
        let js = js.clone();
        async move { (parked_count(&js).await == Some(1)).then_some(()) }
    })
    .await;
    let running = kit.running();
    let stop = running.shutdown_handle();
    stop.trigger();
    running.run_until(std::future::pending()).await;
}

#[tokio::test]
async fn a_parked_message_keeps_its_reason_and_original_subject() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let js = kit.bus().js.clone();
    kit.spawn_consumer(spec("parks-now"), |_: Delivery| async {
        Err::<(), _>(TestError::Poison)
    });
    let subject = subjects::event(TenantId::new(), ConversationId::new(), EventKind::Message);
    js.publish(subject.clone(), "poison".into())
        .await
        .unwrap()
        .await
        .unwrap();

    let parked = js.get_stream(streams::PARKED).await.unwrap();
    let consumer = parked
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            filter_subject: subjects::parked(streams::EVENTS, "parks-now"),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let message = tokio::time::timeout(Duration::from_secs(10), messages.next())
        .await
        .expect("a parked message")
        .unwrap()
        .unwrap();
    let headers = message.headers.clone().unwrap();
    assert_eq!(
        headers.get("Switchboard-Parked-Reason").map(|v| v.as_str()),
        Some("poison for the test")
    );
    assert_eq!(
        headers
            .get("Switchboard-Original-Subject")
            .map(|v| v.as_str()),
        Some(subject.as_str())
    );
    kit.running().shutdown_handle().trigger();
}

#[tokio::test]
async fn two_consumers_parking_the_same_message_both_keep_their_copy() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let js = kit.bus().js.clone();
    for durable in ["parks-first", "parks-second"] {
        kit.spawn_consumer(spec(durable), |_: Delivery| async {
            Err::<(), _>(TestError::Poison)
        });
    }
    let subject = subjects::event(TenantId::new(), ConversationId::new(), EventKind::Message);
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(async_nats::header::NATS_MESSAGE_ID, "evt-1");
    js.publish_with_headers(subject, headers, "poison".into())
        .await
        .unwrap()
        .await
        .unwrap();

    eventually("both copies parked", Duration::from_secs(10), || {
        let js = js.clone();
        async move { (parked_count(&js).await == Some(2)).then_some(()) }
    })
    .await;
    let parked = js.get_stream(streams::PARKED).await.unwrap();
    for durable in ["parks-first", "parks-second"] {
        let copy = parked
            .get_last_raw_message_by_subject(&subjects::parked(streams::EVENTS, durable))
            .await
            .expect("a copy per consumer");
        let headers = copy.headers;
        assert_eq!(
            headers
                .get("Switchboard-Original-Msg-Id")
                .map(|v| v.as_str()),
            Some("evt-1")
        );
    }
    kit.running().shutdown_handle().trigger();
}

#[tokio::test]
async fn a_responder_answers_a_refusal_with_the_errors_reply() {
    let nats = NatsServer::start().await;
    let kit = kit(&nats).await;
    let responder = Responder {
        subject_filter: subjects::filter::ALL_TRANSCRIPT_RPC,
        queue_group: "kit-test",
        concurrency: 4,
    };
    kit.spawn_responder(responder, |request: async_nats::Message| async move {
        if request.payload.is_empty() {
            Err(TestError::Refused)
        } else {
            Ok(TranscriptPage::default())
        }
    })
    .await
    .expect("the responder subscribes");
    let running = kit.running();
    let client = nats.client().await;
    let subject = subjects::transcript_rpc(TenantId::new());

    let refused = client.request(subject.clone(), "".into()).await.unwrap();
    let answered = client.request(subject, "x".into()).await.unwrap();
    assert_eq!(
        TranscriptPage::decode(refused.payload).unwrap().error,
        "invalid"
    );
    assert_eq!(TranscriptPage::decode(answered.payload).unwrap().error, "");

    let stop = running.shutdown_handle();
    let health = running.health_addr();
    assert!(running.is_ready());
    stop.trigger();
    running.run_until(std::future::pending()).await;
    assert!(tokio::net::TcpStream::connect(health).await.is_err());
}

#[tokio::test]
async fn starting_widens_the_audit_stream_an_earlier_version_created() {
    let nats = NatsServer::start().await;
    let bus = switchboard_bus::Bus::connect(&nats.url(), "setup-test")
        .await
        .expect("connects");
    // What routers before per-conversation decision subjects created.
    bus.js
        .create_stream(async_nats::jetstream::stream::Config {
            name: streams::AUDIT.into(),
            subjects: vec!["sb.decision.*".into()],
            ..Default::default()
        })
        .await
        .expect("the old audit stream");
    bus.ensure_topology().await.expect("the topology updates");
    let tenant = TenantId::new();
    let conversation = ConversationId::new();
    for subject in [
        subjects::decision(tenant, conversation),
        format!("sb.decision.{tenant}"),
    ] {
        let ack = bus
            .js
            .publish(subject.clone(), "record".into())
            .await
            .expect("published")
            .await
            .expect("stored");
        assert_eq!(ack.stream, streams::AUDIT, "{subject}");
    }
}

#[tokio::test]
async fn a_message_id_a_header_cannot_hold_is_refused_without_a_panic() {
    let nats = NatsServer::start().await;
    let bus = switchboard_bus::Bus::connect(&nats.url(), "publish-test")
        .await
        .expect("connects");
    bus.ensure_topology().await.expect("the topology");
    let subject = subjects::event(TenantId::new(), ConversationId::new(), EventKind::Message);
    let page = TranscriptPage::default();
    let error = bus
        .publish_durable(subject.clone(), "post:c:a\nb", &page)
        .await
        .expect_err("an id with a newline is refused");
    assert_eq!(error.kind(), switchboard_bus::ErrorKind::Rejected);
    assert!(!error.kind().is_retryable());
    let stored = bus
        .publish_durable(subject, "post:c:ab", &page)
        .await
        .expect("a good id is stored");
    assert!(!stored.duplicate);
}
