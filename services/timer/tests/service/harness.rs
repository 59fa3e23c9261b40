//! The timer service under test: a fresh `nats-server` with a test stream on
//! `test.>` (the timers' target, with a duplicate window like every `SB_*`
//! stream), the client, and the service either in-process or as the real
//! binary, which a test can SIGKILL.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use switchboard_bus::Bus;
use switchboard_bus::timers::Timers;
use switchboard_contracts::v1::Timer;
use switchboard_runtime::clock::now_ms_unsigned as now_ms;
use switchboard_runtime::config::Vars;
use switchboard_runtime::shutdown::Shutdown;
use switchboard_testkit::{NatsServer, eventually, free_port};
use switchboard_timer::config::TimerConfig;
use switchboard_timer::server::Service;
use tokio::process::{Child, Command};

pub const WAIT: Duration = Duration::from_secs(20);
pub const TEST_STREAM: &str = "TEST_FIRED";
/// The lease TTL every instance in these tests runs with.
pub const LEASE_TTL: Duration = Duration::from_secs(1);

pub struct Fixture {
    pub nats: NatsServer,
    pub timers: Timers,
}

impl Fixture {
    pub async fn start() -> Self {
        let nats = NatsServer::start().await;
        let bus = Bus::connect(&nats.url(), "timer-test").await.unwrap();
        bus.js
            .create_stream(stream::Config {
                name: TEST_STREAM.into(),
                subjects: vec!["test.>".into()],
                storage: stream::StorageType::File,
                duplicate_window: Duration::from_secs(120),
                ..Default::default()
            })
            .await
            .unwrap();
        let timers = Timers::open(&bus).await.unwrap();
        Self { nats, timers }
    }

    /// A timer that publishes its own id and due time to `test.fired.{id}`.
    pub fn timer(&self, id: &str, due_ms: u64) -> Timer {
        Timer {
            id: id.into(),
            due_ms,
            subject: format!("test.fired.{id}"),
            payload: format!("{id}@{due_ms}").into_bytes(),
            scheduled_at_ms: now_ms(),
            ..Default::default()
        }
    }

    pub async fn schedule(&self, id: &str, due_ms: u64) -> u64 {
        self.timers.schedule(&self.timer(id, due_ms)).await.unwrap()
    }

    /// Schedules `count` timers `test-{i}` spread evenly from `from_ms` over `span_ms`,
    /// many at a time; returns their due times by id.
    pub async fn schedule_spread(
        &self,
        count: u64,
        from_ms: u64,
        span_ms: u64,
    ) -> HashMap<String, u64> {
        let timers: Vec<Timer> = (0..count)
            .map(|i| self.timer(&format!("test-{i}"), from_ms + i * span_ms / count.max(1)))
            .collect();
        futures::stream::iter(&timers)
            .map(|t| self.timers.schedule(t))
            .buffer_unordered(256)
            .for_each(|stored| async move {
                stored.unwrap();
            })
            .await;
        timers.into_iter().map(|t| (t.id, t.due_ms)).collect()
    }

    /// Every message stored in the test stream (through a fresh connection,
    /// so it works right after a NATS restart).
    pub async fn fired(&self) -> Vec<Fired> {
        let client = async_nats::connect(self.nats.url()).await.unwrap();
        let js = jetstream::new(client.clone());
        let mut stream = js.get_stream(TEST_STREAM).await.unwrap();
        let stored = stream.info().await.unwrap().state.messages;
        if stored == 0 {
            return Vec::new();
        }
        let consumer = stream
            .create_consumer(consumer::push::OrderedConfig {
                deliver_subject: client.new_inbox(),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut messages = consumer.messages().await.unwrap();
        let mut fired = Vec::new();
        while (fired.len() as u64) < stored {
            let message = messages.next().await.unwrap().unwrap();
            let info = message.info().unwrap();
            let header = |name| {
                message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default()
            };
            fired.push(Fired {
                subject: message.subject.to_string(),
                payload: String::from_utf8_lossy(&message.payload).into_owned(),
                msg_id: header("Nats-Msg-Id"),
                traceparent: header("traceparent"),
                stored_ms: (info.published.unix_timestamp_nanos() / 1_000_000) as u64,
            });
        }
        fired
    }

    pub async fn stored_count(&self) -> u64 {
        let client = async_nats::connect(self.nats.url()).await.unwrap();
        let mut stream = jetstream::new(client)
            .get_stream(TEST_STREAM)
            .await
            .unwrap();
        stream.info().await.unwrap().state.messages
    }

    /// Waits until the test stream holds `count` messages.
    pub async fn await_fired(&self, count: u64) -> Vec<Fired> {
        eventually(&format!("{count} fired timers"), WAIT, || async {
            (self.stored_count().await >= count).then_some(())
        })
        .await;
        self.fired().await
    }

    pub fn config(&self) -> TimerConfig {
        TimerConfig::for_tests(&self.nats.url())
    }
}

/// One timer fire as the target stream stored it.
#[derive(Debug, Clone)]
pub struct Fired {
    pub subject: String,
    pub payload: String,
    pub msg_id: String,
    /// The W3C trace context the fire published with.
    pub traceparent: String,
    /// When the stream stored it (the server's clock; this machine's).
    pub stored_ms: u64,
}

/// Asserts each of `due` fired exactly once, never before its due time.
pub fn assert_each_fired_once_and_not_early(fired: &[Fired], due: &HashMap<String, u64>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for fire in fired {
        let id = fire.subject.trim_start_matches("test.fired.");
        *seen.entry(id).or_default() += 1;
        let due_ms = due[id];
        assert!(
            fire.stored_ms >= due_ms,
            "{id} fired {} ms early",
            due_ms - fire.stored_ms
        );
        assert_eq!(fire.payload, format!("{id}@{due_ms}"));
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fired more than once: {twice:?}");
    let missing: Vec<_> = due
        .keys()
        .filter(|id| !seen.contains_key(id.as_str()))
        .collect();
    assert!(missing.is_empty(), "never fired: {missing:?}");
}

/// The service running in this process.
pub struct InProcess {
    pub health: SocketAddr,
    shutdown: Shutdown,
    running: tokio::task::JoinHandle<()>,
}

impl InProcess {
    pub async fn start(config: TimerConfig) -> Self {
        // Logs, shown when a test fails; later calls only add a provider.
        let _ = switchboard_runtime::telemetry::init("timer", &Vars::from_env());
        let service = Service::start(config).await.unwrap();
        let health = service.health_addr();
        let shutdown = service.shutdown_handle();
        let running = tokio::spawn(service.run_until(std::future::pending()));
        let started = Self {
            health,
            shutdown,
            running,
        };
        await_ready(health).await;
        started
    }

    /// Drains: stops firing, hands the leases over.
    pub async fn stop(self) {
        self.shutdown.trigger();
        self.running.await.unwrap();
    }
}

/// The real `switchboard-timer` binary.
pub struct Process {
    pub health: SocketAddr,
    child: Child,
}

impl Process {
    pub async fn spawn(nats_url: &str) -> Self {
        let health: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard-timer"))
            .env("NATS_URL", nats_url)
            .env("SWITCHBOARD_HEALTH_ADDR", health.to_string())
            .env(
                "SWITCHBOARD_TIMER_LEASE_TTL",
                format!("{}ms", LEASE_TTL.as_millis()),
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the timer binary is built alongside this test");
        Self { health, child }
    }

    /// SIGKILL: no drain, no lease hand-over.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

pub async fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let response = reqwest::get(format!("http://{addr}{path}")).await.ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.ok()?))
}

pub async fn await_ready(health: SocketAddr) {
    eventually("the timer service to be ready", WAIT, || async {
        matches!(get(health, "/readyz").await, Some((200, _))).then_some(())
    })
    .await;
}

/// A metric's value from `/metrics`.
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
