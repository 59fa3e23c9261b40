//! Pieces of the timer benchmark: same-run NATS baselines, the service
//! process (the release binary, so its memory is its own), and readings of
//! its health endpoint and of `/proc`.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, kv, stream};
use bytes::Bytes;
use futures::StreamExt;
use tokio::process::{Child, Command};

/// STACK.md's baselines use 128-byte messages; so do these.
pub const BASELINE_BYTES: usize = 128;
/// Publishes (or puts) awaiting their ack at once, everywhere in this bench.
pub const IN_FLIGHT: usize = 1024;

/// Bare JetStream: `count` 128-byte publishes, `IN_FLIGHT` at a time. Per second.
pub async fn jetstream_publish_rate(js: &jetstream::Context, count: usize) -> f64 {
    js.create_stream(stream::Config {
        name: "BENCH_BASELINE".into(),
        subjects: vec!["baseline.>".into()],
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .expect("baseline stream");
    let payload = Bytes::from(vec![b'x'; BASELINE_BYTES]);
    let started = Instant::now();
    futures::stream::iter(0..count)
        .map(|i| {
            let (js, payload) = (js.clone(), payload.clone());
            async move {
                let ack = js.publish(format!("baseline.{}", i % 64), payload).await?;
                ack.await.map(|_| ())
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .for_each(|r| async move { r.expect("baseline publish") })
        .await;
    count as f64 / started.elapsed().as_secs_f64()
}

/// Bare KV: `count` puts of 128-byte values under distinct keys, `IN_FLIGHT` at a time.
pub async fn kv_put_rate(js: &jetstream::Context, count: usize) -> f64 {
    let store = js
        .create_key_value(kv::Config {
            bucket: "BENCH_BASELINE_KV".into(),
            history: 1,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .expect("baseline bucket");
    let payload = Bytes::from(vec![b'x'; BASELINE_BYTES]);
    let started = Instant::now();
    futures::stream::iter(0..count)
        .map(|i| {
            let (store, payload) = (store.clone(), payload.clone());
            async move { store.put(format!("k.{i}"), payload).await.map(|_| ()) }
        })
        .buffer_unordered(IN_FLIGHT)
        .for_each(|r| async move { r.expect("baseline put") })
        .await;
    count as f64 / started.elapsed().as_secs_f64()
}

/// The release `switchboard-timer` binary, under a stable instance id so a
/// restart takes its own leases back at once.
pub struct ServiceProcess {
    child: Child,
}

impl ServiceProcess {
    pub fn spawn(nats_url: &str, health: SocketAddr) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard-timer"))
            .env("NATS_URL", nats_url)
            .env("SWITCHBOARD_HEALTH_ADDR", health.to_string())
            .env("SWITCHBOARD_TIMER_INSTANCE_ID", "bench-1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the timer binary is built with the bench");
        Self { child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

async fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let response = reqwest::get(format!("http://{addr}{path}")).await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

pub async fn is_ready(health: SocketAddr) -> bool {
    matches!(get(health, "/readyz").await, Some((200, _)))
}

pub async fn metric(health: SocketAddr, name: &str) -> Option<i64> {
    let (_, text) = get(health, "/metrics").await?;
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// Polls every 10 ms until `check` holds; how long that took.
pub async fn time_until<F, Fut>(what: &str, within: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

/// A `/proc/{pid}/status` field in KiB (`VmRSS`, `VmHWM`).
pub fn proc_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.trim().trim_end_matches("kB").trim().parse().ok()
        })
        .unwrap_or(0)
}

/// The pid of the nats-server listening on `port` (found by its command line).
pub fn nats_pid(port: u16) -> Option<u32> {
    let needle = port.to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let is_nats = args.first()?.ends_with(b"nats-server");
            let on_port = args
                .windows(2)
                .any(|w| w[0] == b"-p" && w[1] == needle.as_bytes());
            (is_nats && on_port).then_some(pid)
        })
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
