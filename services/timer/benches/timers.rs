//! The timer service benchmark (TARGETS.md P6, R2), against a real
//! `nats-server` and the release `switchboard-timer` binary:
//!
//! 1. same-run baselines: bare JetStream pipelined publish and bare KV put;
//! 2. schedule throughput: N timers (default 1,000,000) through the client,
//!    1,024 puts in flight, while the service loads them;
//! 3. memory: the service's RSS with N pending, minus its idle RSS, per timer;
//! 4. firing lateness at 10,000 timers/s with the N still pending: a block of
//!    timers due at a steady rate, measured at a JetStream consumer
//!    (receive − due) and at the stream (stored − due: never negative);
//! 5. recovery: SIGKILL the service, let 1,000 timers come due, restart it;
//!    time to `/readyz` and to the first and last overdue fire.
//!
//! `cargo bench -p switchboard-timer --bench timers`; `TIMER_BENCH_N=100000`
//! for a quick run, `TIMER_BENCH_FIRE_SECS` (default 10) for the firing block.

mod support;

use std::time::{Duration, Instant};

use async_nats::jetstream::{consumer, stream};
use futures::StreamExt;
use hdrhistogram::Histogram;
use switchboard_bus::Bus;
use switchboard_bus::timers::Timers;
use switchboard_contracts::v1::Timer;
use switchboard_runtime::clock::now_ms_unsigned as now_ms;
use switchboard_testkit::{NatsServer, free_port};

use support::{IN_FLIGHT, ServiceProcess, is_ready, metric, mib, proc_kib, time_until};

const FIRE_RATE: u64 = 10_000;
const RECOVERY_TIMERS: u64 = 1_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

/// A realistic record: an inactivity timer aimed at a conversation's command subject.
fn pending_timer(i: u64, due_ms: u64) -> Timer {
    let conversation = format!("0190a0b0-0000-7000-8000-{i:012}");
    Timer {
        id: format!("inactivity.{conversation}"),
        due_ms,
        subject: format!("sb.cmd.0190a0b0-0000-7000-8000-000000000001.{conversation}"),
        payload: vec![7; 64],
        scheduled_at_ms: now_ms(),
        ..Default::default()
    }
}

fn fire_timer(id: String, due_ms: u64, subject: String) -> Timer {
    Timer {
        id,
        due_ms,
        subject,
        payload: due_ms.to_be_bytes().to_vec(),
        ..Default::default()
    }
}

async fn schedule_all(timers: &Timers, all: impl Iterator<Item = Timer>) -> anyhow::Result<()> {
    let mut results = futures::stream::iter(all)
        .map(|t| async move { timers.schedule(&t).await })
        .buffer_unordered(IN_FLIGHT);
    while let Some(result) = results.next().await {
        result?;
    }
    Ok(())
}

/// Lateness seen by a consumer of `filter` until `count` messages arrived:
/// (receive − due in µs, stored − due in ms, messages stored before due).
async fn collect(
    bus: &Bus,
    filter: &str,
    count: u64,
    within: Duration,
) -> anyhow::Result<(Histogram<u64>, Histogram<u64>, u64, Vec<Instant>)> {
    let consumer = bus
        .js
        .get_stream("BENCH_FIRED")
        .await?
        .create_consumer(consumer::push::OrderedConfig {
            deliver_subject: bus.client.new_inbox(),
            filter_subject: filter.to_owned(),
            deliver_policy: consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    let (mut received, mut stored) = (Histogram::new(3)?, Histogram::new(3)?);
    let (mut early, mut arrivals) = (0, Vec::new());
    let deadline = tokio::time::Instant::now() + within;
    while (arrivals.len() as u64) < count {
        let message = tokio::time::timeout_at(deadline, messages.next())
            .await
            .map_err(|_| anyhow::anyhow!("only {} of {count} fired in time", arrivals.len()))?
            .ok_or_else(|| anyhow::anyhow!("consumer ended"))??;
        let now_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_micros() as u64;
        arrivals.push(Instant::now());
        let due_ms = u64::from_be_bytes(message.payload[..8].try_into()?);
        let stored_ms = (message
            .info()
            .map_err(anyhow::Error::msg)?
            .published
            .unix_timestamp_nanos()
            / 1_000_000) as u64;
        early += u64::from(stored_ms < due_ms);
        received.record(now_us.saturating_sub(due_ms * 1_000))?;
        stored.record(stored_ms.saturating_sub(due_ms))?;
    }
    Ok((received, stored, early, arrivals))
}

async fn run() -> anyhow::Result<()> {
    let n = env_u64("TIMER_BENCH_N", 1_000_000);
    let fire_secs = env_u64("TIMER_BENCH_FIRE_SECS", 10);
    let nats = NatsServer::start().await;
    let bus = Bus::connect(&nats.url(), "timer-bench").await?;
    println!("timer benchmark: N = {n} pending timers, firing {FIRE_RATE}/s for {fire_secs} s");

    let baseline_n = n.min(200_000) as usize;
    let js_rate = support::jetstream_publish_rate(&bus.js, baseline_n).await;
    let kv_rate = support::kv_put_rate(&bus.js, baseline_n).await;
    println!(
        "baseline: JetStream publish {js_rate:.0}/s, KV put {kv_rate:.0}/s ({baseline_n} x 128 B, {IN_FLIGHT} in flight)"
    );

    bus.js
        .create_stream(stream::Config {
            name: "BENCH_FIRED".into(),
            subjects: vec!["bench.fired.>".into()],
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await?;
    let timers = Timers::open(&bus).await?;
    let health = format!("127.0.0.1:{}", free_port()).parse()?;
    let service = ServiceProcess::spawn(&nats.url(), health);
    let start = time_until("ready", Duration::from_secs(60), || is_ready(health)).await;
    let rss_idle = proc_kib(service.pid(), "VmRSS");
    println!(
        "service: ready {start:?} after spawn, idle RSS {:.1} MiB",
        mib(rss_idle)
    );

    let far = now_ms() + 3_600_000;
    let started = Instant::now();
    schedule_all(&timers, (0..n).map(|i| pending_timer(i, far + i % 600_000))).await?;
    let scheduling = started.elapsed();
    let schedule_rate = n as f64 / scheduling.as_secs_f64();
    let loaded = time_until("all pending loaded", Duration::from_secs(300), || async {
        metric(health, "timer_pending").await == Some(n as i64)
    })
    .await;
    let rss_loaded = proc_kib(service.pid(), "VmRSS");
    let per_timer = (rss_loaded.saturating_sub(rss_idle) * 1024) as f64 / n as f64;
    println!(
        "schedule: {n} in {scheduling:.2?} = {schedule_rate:.0}/s ({:.2} x KV put); service caught up {loaded:.2?} later",
        schedule_rate / kv_rate
    );
    println!(
        "memory: service RSS {:.1} MiB with {n} pending (peak {:.1} MiB) = {per_timer:.0} B/timer above idle",
        mib(rss_loaded),
        mib(proc_kib(service.pid(), "VmHWM"))
    );

    let block = FIRE_RATE * fire_secs;
    let lead_ms = (block as f64 / schedule_rate * 2_000.0) as u64 + 2_000;
    let t0 = now_ms() + lead_ms;
    let collector = {
        let bus = bus.clone();
        let within = Duration::from_millis(lead_ms) + Duration::from_secs(fire_secs + 60);
        tokio::spawn(async move { collect(&bus, "bench.fired.block.>", block, within).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await; // the consumer is up
    let due = |i: u64| t0 + i * 1_000 / FIRE_RATE;
    schedule_all(
        &timers,
        (0..block).map(|i| {
            fire_timer(
                format!("block.{i}"),
                due(i),
                format!("bench.fired.block.{i}"),
            )
        }),
    )
    .await?;
    anyhow::ensure!(
        now_ms() < t0,
        "scheduling the block ran past its first due time"
    );
    let (received, stored, early, _) = collector.await??;
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1_000.0;
    println!(
        "lateness at {FIRE_RATE}/s with {n} pending ({block} fires), receive - due: p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms",
        ms(&received, 0.5),
        ms(&received, 0.99),
        ms(&received, 0.999),
        received.max() as f64 / 1_000.0
    );
    println!(
        "  stored - due: p50 {} ms, p99 {} ms, max {} ms; stored before due: {early}",
        stored.value_at_quantile(0.5),
        stored.value_at_quantile(0.99),
        stored.max()
    );

    service.kill().await;
    let overdue_at = now_ms() + 200;
    schedule_all(
        &timers,
        (0..RECOVERY_TIMERS).map(|i| {
            fire_timer(
                format!("recovery.{i}"),
                overdue_at,
                format!("bench.fired.recovery.{i}"),
            )
        }),
    )
    .await?;
    let collector = {
        let bus = bus.clone();
        tokio::spawn(async move {
            collect(
                &bus,
                "bench.fired.recovery.>",
                RECOVERY_TIMERS,
                Duration::from_secs(300),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await; // overdue, and the consumer is up
    let restarted = Instant::now();
    let service = ServiceProcess::spawn(&nats.url(), health);
    let ready = time_until("ready after restart", Duration::from_secs(300), || {
        is_ready(health)
    })
    .await;
    let (_, _, early_after, arrivals) = collector.await??;
    let first = arrivals
        .first()
        .map(|a| a.duration_since(restarted))
        .unwrap_or_default();
    let last = arrivals
        .last()
        .map(|a| a.duration_since(restarted))
        .unwrap_or_default();
    println!(
        "recovery after SIGKILL with {} pending: /readyz {ready:.2?}, first overdue fire {first:.2?}, all {RECOVERY_TIMERS} {last:.2?} (early: {early_after})",
        n + RECOVERY_TIMERS
    );
    if let Some(pid) = support::nats_pid(nats.port()) {
        println!("nats-server RSS {:.1} MiB", mib(proc_kib(pid, "VmRSS")));
    }
    let p99 = ms(&received, 0.99);
    println!(
        "P6: {:.0} MiB for {n} timers (target <= 1024 MiB for 1M) | {schedule_rate:.0} schedules/s (>= 20000) | early {} (0) | p99 {p99:.1} ms (<= 100)",
        mib(rss_loaded),
        early + early_after
    );
    service.kill().await;
    Ok(())
}
