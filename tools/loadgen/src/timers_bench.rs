//! P6: the timer service under a pile of pending timers. Timers are
//! scheduled the way every service schedules them (a put into the
//! `SB_TIMERS` bucket, see libs/bus/src/timers.rs), pipelined; the timer
//! service's resident memory is read before and after it holds them all
//! (its `timer_pending` gauge says when); then a batch due over the next
//! seconds fires into a stream of the loadgen's own, where each fire's
//! store time is compared with its due time: early fires and lateness.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use prost::Message as _;
use serde::Serialize;
use switchboard_contracts::streams::{TIMERS_BUCKET, timer_keys};
use switchboard_contracts::v1::Timer;
use tokio::time::Instant;

use crate::closed_loop::histogram;
use crate::machine::rss_bytes;
use crate::results::Latency;

const STREAM: &str = "LOADGEN_TIMERS";
const SUBJECT: &str = "loadgen.timers.fired";

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Timers left pending (due in an hour) while measuring memory.
    pub pending: usize,
    /// Timers that fire during the run, for lateness.
    pub fire: usize,
    /// The fires are spread evenly over this stretch.
    pub fire_spread: Duration,
    /// Puts outstanding while scheduling.
    pub window: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub pending: usize,
    pub schedules_per_s: f64,
    /// From the first put until the service held every timer.
    pub ingest_secs: f64,
    pub rss_before_bytes: u64,
    pub rss_after_bytes: u64,
    pub bytes_per_timer: f64,
    pub fired: usize,
    pub fire_expected: usize,
    pub early: usize,
    /// Stored time of the fire minus its due time.
    pub lateness: Latency,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn timer(id: String, due_ms: u64) -> Bytes {
    let timer = Timer {
        payload: due_ms.to_string().into_bytes(),
        id,
        due_ms,
        subject: SUBJECT.to_owned(),
        msg_id: String::new(),
        scheduled_at_ms: now_ms(),
        headers: Default::default(),
    };
    Bytes::from(timer.encode_to_vec())
}

/// Puts every `(id, due)` into the bucket with `window` outstanding.
async fn schedule(
    js: &jetstream::Context,
    timers: impl Iterator<Item = (String, u64)>,
    window: usize,
) -> anyhow::Result<usize> {
    let mut in_flight = FuturesUnordered::new();
    let mut done = 0;
    for (id, due) in timers {
        let subject = format!("$KV.{TIMERS_BUCKET}.{}", timer_keys::key(&id));
        let ack = js
            .publish(subject, timer(id, due))
            .await
            .context("put a timer")?;
        in_flight.push(ack.into_future());
        if in_flight.len() >= window
            && let Some(ack) = in_flight.next().await
        {
            ack.context("a timer put's ack")?;
            done += 1;
        }
    }
    while let Some(ack) = in_flight.next().await {
        ack.context("a timer put's ack")?;
        done += 1;
    }
    Ok(done)
}

/// The `timer_pending` gauge at the timer's health address.
async fn pending_gauge(http: &reqwest::Client, health: &str) -> Option<f64> {
    let text = http
        .get(format!("http://{health}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .filter(|line| line.starts_with("timer_pending"))
        .filter_map(|line| line.split_whitespace().last()?.parse::<f64>().ok())
        .reduce(f64::max)
}

pub async fn run(
    nats_url: &str,
    pid: u32,
    health: &str,
    settings: Settings,
) -> anyhow::Result<Report> {
    let client = async_nats::connect(nats_url).await.context("connect")?;
    let js = jetstream::new(client);
    let _ = js.delete_stream(STREAM).await;
    let stream = js
        .create_stream(stream::Config {
            name: STREAM.to_owned(),
            subjects: vec![SUBJECT.to_owned()],
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .context("create the fired-timers stream")?;
    let http = reqwest::Client::new();
    let rss_before = rss_bytes(pid)?;
    let pending_before = pending_gauge(&http, health).await.unwrap_or(0.0);

    let later = now_ms() + 3_600_000;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let started = Instant::now();
    let ids =
        (0..settings.pending).map(|n| (format!("bench.{run}.{n}"), later + (n % 1000) as u64));
    let scheduled = schedule(&js, ids, settings.window).await?;
    let schedules_per_s = scheduled as f64 / started.elapsed().as_secs_f64();
    let want = pending_before + settings.pending as f64;
    let deadline = Instant::now() + Duration::from_secs(300);
    while pending_gauge(&http, health).await.unwrap_or(0.0) < want {
        if Instant::now() > deadline {
            bail!(
                "the timer service did not hold all {} timers within 300 s",
                settings.pending
            );
        }
        // A gauge behind an HTTP endpoint: nothing to await but a poll.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ingest_secs = started.elapsed().as_secs_f64();
    let rss_after = rss_bytes(pid)?;

    let consumer = stream
        .create_consumer(consumer::pull::Config {
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await?;
    let mut fired = consumer.messages().await?;
    let first_due = now_ms() + 2_000;
    let spread_ms = settings.fire_spread.as_millis() as u64;
    let count = settings.fire.max(1);
    let fires = (0..count).map(|n| {
        let due = first_due + spread_ms * n as u64 / count as u64;
        (format!("bench.{run}.fire.{n}"), due)
    });
    schedule(&js, fires, settings.window).await?;
    let mut lateness = histogram();
    let (mut early, mut seen) = (0, 0);
    let wait = Duration::from_millis(first_due.saturating_sub(now_ms()) + spread_ms)
        + Duration::from_secs(30);
    let until = Instant::now() + wait;
    while seen < count {
        let Ok(Some(Ok(message))) = tokio::time::timeout_at(until, fired.next()).await else {
            break;
        };
        seen += 1;
        let due: u64 = std::str::from_utf8(&message.payload)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let stored_ms = message
            .info()
            .map(|info| (info.published.unix_timestamp_nanos() / 1_000_000) as u64)
            .unwrap_or_else(|_| now_ms());
        if stored_ms < due {
            early += 1;
        }
        lateness.saturating_record((stored_ms.saturating_sub(due) * 1000).max(1));
    }
    let _ = js.delete_stream(STREAM).await;
    Ok(Report {
        pending: settings.pending,
        schedules_per_s,
        ingest_secs,
        rss_before_bytes: rss_before,
        rss_after_bytes: rss_after,
        bytes_per_timer: rss_after.saturating_sub(rss_before) as f64
            / settings.pending.max(1) as f64,
        fired: seen,
        fire_expected: count,
        early,
        lateness: Latency::of(&lateness),
    })
}
