//! The suite's bare yardsticks, on the nats-server under test and the disk
//! the services write to: JetStream publish → consume in an open loop at the
//! sweep's rates (P1), JetStream pipelined publish with message ids (P2,
//! P6), and one SQLite commit (P1), in the services' durability modes:
//! file storage with the server's default sync, a duplicate window, and
//! SQLite in WAL mode with `synchronous=NORMAL` (libs/db).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use hdrhistogram::Histogram;
use sqlx::{Connection as _, SqliteConnection};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::closed_loop::histogram;
use crate::open_loop::{self, Outcome, Step, parse_tag};

const STREAM: &str = "LOADGEN_SUITE";
const SUBJECT: &str = "loadgen.suite";

/// The message of `tag`, padded to the payload size the baselines use.
pub fn padded(tag: &str) -> Bytes {
    let mut body = tag.as_bytes().to_vec();
    body.resize(crate::nats_bare::PAYLOAD_BYTES.max(body.len() + 1), b' ');
    Bytes::from(body)
}

fn with_msg_id(id: String) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", id.as_str());
    headers
}

/// A fresh file-backed stream with a two-minute duplicate window.
async fn fresh_stream(js: &jetstream::Context) -> anyhow::Result<stream::Stream> {
    // A stream left over from an interrupted run against a shared server.
    let _ = js.delete_stream(STREAM).await;
    js.create_stream(stream::Config {
        name: STREAM.to_owned(),
        subjects: vec![SUBJECT.to_owned()],
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        max_age: Duration::from_secs(600),
        ..Default::default()
    })
    .await
    .context("create the baseline stream")
}

/// JetStream publish → a pull consumer's delivery, in an open loop on
/// `step`'s schedule; latency from the intended publish to the delivery.
pub async fn publish_consume(
    client: &async_nats::Client,
    step: Arc<Step>,
    drain: Duration,
) -> anyhow::Result<Outcome> {
    let js = jetstream::new(client.clone());
    let stream = fresh_stream(&js).await?;
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            ack_policy: consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .context("create the baseline consumer")?;
    let mut messages = consumer.messages().await.context("consume the baseline")?;
    let reader = tokio::spawn({
        let step = Arc::clone(&step);
        async move {
            while let Some(Ok(message)) = messages.next().await {
                let at = Instant::now();
                if let Some((_, index)) = std::str::from_utf8(&message.payload)
                    .ok()
                    .and_then(parse_tag)
                {
                    step.arrived(0, index, at);
                }
                // As a service acks; a lost ack only means a redelivery.
                let _ = message.ack().await;
            }
        }
    });
    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
    let publisher = tokio::spawn({
        let (js, id) = (js.clone(), step.id);
        async move {
            while let Some(index) = rx.recv().await {
                let tag = open_loop::tag(id, index);
                let headers = with_msg_id(format!("b-{id}-{index}"));
                if let Ok(ack) = js
                    .publish_with_headers(SUBJECT, headers, padded(&tag))
                    .await
                {
                    tokio::spawn(ack.into_future());
                }
            }
        }
    });
    let late = open_loop::drive(&step, |index| {
        let _ = tx.send(index);
    })
    .await;
    step.settle(drain).await;
    reader.abort();
    publisher.abort();
    let _ = js.delete_stream(STREAM).await;
    let mut outcome = step.outcome(0);
    outcome.late_sends = late;
    Ok(outcome)
}

/// JetStream publishes with message ids, `window` acks outstanding, for
/// `duration`: acknowledged messages per second.
pub async fn pipelined_publish(
    client: &async_nats::Client,
    duration: Duration,
    window: usize,
) -> anyhow::Result<f64> {
    let js = jetstream::new(client.clone());
    fresh_stream(&js).await?;
    let payload = padded("bench pipelined");
    let started = Instant::now();
    let deadline = started + duration;
    let mut in_flight = FuturesUnordered::new();
    let (mut next, mut acked) = (0u64, 0u64);
    while Instant::now() < deadline {
        while in_flight.len() < window {
            let headers = with_msg_id(format!("p-{next}"));
            next += 1;
            let ack = js
                .publish_with_headers(SUBJECT, headers, payload.clone())
                .await
                .context("publish")?;
            in_flight.push(ack.into_future());
        }
        if let Some(ack) = in_flight.next().await {
            ack.context("publish ack")?;
            acked += 1;
        }
    }
    let elapsed = started.elapsed();
    while in_flight.next().await.is_some() {}
    let _ = js.delete_stream(STREAM).await;
    Ok(acked as f64 / elapsed.as_secs_f64())
}

/// One-row SQLite commits, one after another, for `duration`, in a file in
/// `dir` opened the way libs/db opens the services' databases.
pub async fn sql_commit(dir: &Path, duration: Duration) -> anyhow::Result<Histogram<u64>> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let options = SqliteConnectOptions::new()
        .filename(dir.join("baseline.sqlite"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let mut db = SqliteConnection::connect_with(&options)
        .await
        .context("open the baseline SQLite file")?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS messages (conversation TEXT, seq INTEGER, body TEXT, at INTEGER, PRIMARY KEY (conversation, seq))",
    )
    .execute(&mut db)
    .await?;
    let body = String::from_utf8(padded("bench sql").to_vec()).expect("ASCII");
    let mut micros = histogram();
    let deadline = Instant::now() + duration;
    let mut seq = 0i64;
    while Instant::now() < deadline {
        seq += 1;
        let started = Instant::now();
        let mut tx = db.begin().await?;
        sqlx::query("INSERT INTO messages (conversation, seq, body, at) VALUES ($1, $2, $3, $4)")
            .bind("baseline")
            .bind(seq)
            .bind(&body)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        micros.saturating_record(started.elapsed().as_micros().max(1) as u64);
    }
    Ok(micros)
}
