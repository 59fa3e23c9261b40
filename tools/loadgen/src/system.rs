//! A whole Switchboard for one benchmark run, started the way
//! tests/e2e/src/system.rs starts one: a nats-server with its own store, each
//! service as its own process with its own health port, SQLite in a temp data
//! dir. The service binaries are the ones built next to the loadgen binary
//! (`target/release` under `make bench`), so the profile always matches, or
//! those in a directory given (the suite's old and new binary sets).
//!
//! Dropping the [`System`] SIGKILLs every process and deletes the data.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use switchboard_testkit::{NatsServer, free_port};
use tokio::process::{Child, Command};

/// Every service, in start order: the gateway last, so that it is ready only
/// when everything behind it is.
pub const SERVICES: &[&str] = &[
    "transcript",
    "timer",
    "work-item",
    "router",
    "ai-bridge",
    "gateway",
];

/// Frames per second per connection for the gateway under test: the default
/// (10/s) would throttle a closed loop to 5 round trips a second, and an
/// agent accepting, answering and ending dozens of chats.
const FRAMES_PER_SECOND: &str = "1000";

/// The load comes from one address and opens sockets by the thousand: the
/// gateway's per-address rate (20 upgrades a second by default) and its
/// connection cap must not be what is measured.
/// The tenant API's rate (50/s by default) must not throttle P7's reads.
const EDGE_LIMITS: [(&str, &str); 3] = [
    ("SWITCHBOARD_IP_REQUESTS_PER_SECOND", "100000"),
    ("SWITCHBOARD_HTTP_MAX_CONNECTIONS", "100000"),
    ("SWITCHBOARD_API_REQUESTS_PER_SECOND", "100000"),
];

const READY_WITHIN: Duration = Duration::from_secs(60);

pub struct System {
    pub nats: NatsServer,
    pub gateway_url: String,
    pub operator_token: String,
    /// Held for its drop: the SQLite files live here.
    data_dir: tempfile::TempDir,
    /// Each service's process id and health address.
    processes: Vec<(&'static str, Option<u32>, String)>,
    /// Held for their drop (`kill_on_drop`).
    _children: Vec<Child>,
}

/// `SWITCHBOARD_BIN_DIR`, else the directory of the running loadgen binary.
pub fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("locate the loadgen binary")?;
    exe.parent()
        .map(PathBuf::from)
        .context("the loadgen binary has no parent directory")
}

impl System {
    /// With the binaries of [`bin_dir`].
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_in(&bin_dir()?).await
    }

    /// The process id of `service` (e.g. "gateway").
    pub fn pid(&self, service: &str) -> Option<u32> {
        self.processes
            .iter()
            .find(|(name, _, _)| *name == service)
            .and_then(|(_, pid, _)| *pid)
    }

    /// The health address (`/metrics`, `/readyz`) of `service`.
    pub fn health(&self, service: &str) -> Option<&str> {
        self.processes
            .iter()
            .find(|(name, _, _)| *name == service)
            .map(|(_, _, health)| health.as_str())
    }

    /// Where the services' SQLite files are (the same disk the baselines use).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// With the service binaries in `dir`.
    pub async fn start_in(dir: &std::path::Path) -> anyhow::Result<Self> {
        let binaries: Vec<PathBuf> = SERVICES
            .iter()
            .map(|service| dir.join(format!("switchboard-{service}")))
            .collect();
        if let Some(missing) = binaries.iter().find(|path| !path.exists()) {
            bail!(
                "{} is not built; build the services with the same profile as the loadgen \
                 (e.g. `cargo build --release --bins -p switchboard-gateway -p switchboard-transcript \
                 -p switchboard-timer -p switchboard-work-item -p switchboard-router \
                 -p switchboard-ai-bridge -p switchboard-loadgen`), or pass --gateway",
                missing.display()
            );
        }
        let nats = NatsServer::start().await;
        let data_dir = tempfile::tempdir().context("temp data dir")?;
        let gateway_addr = format!("127.0.0.1:{}", free_port());
        let operator_token = format!("op-{}", uuid::Uuid::new_v4());
        // The gateway seals identity secrets with it (64 hex characters).
        let secret_key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let mut children = Vec::new();
        let mut processes = Vec::new();
        for (service, binary) in SERVICES.iter().zip(&binaries) {
            let health = format!("127.0.0.1:{}", free_port());
            let child = Command::new(binary)
                .env("NATS_URL", nats.url())
                .env("SWITCHBOARD_DATA_DIR", data_dir.path())
                .env("SWITCHBOARD_HTTP_ADDR", &gateway_addr)
                .env("SWITCHBOARD_HEALTH_ADDR", &health)
                .env("SWITCHBOARD_OPERATOR_TOKEN", &operator_token)
                .env("SWITCHBOARD_SECRET_KEY", &secret_key)
                .env("SWITCHBOARD_WS_FRAMES_PER_SECOND", FRAMES_PER_SECOND)
                .envs(EDGE_LIMITS)
                .env("RUST_LOG", "warn")
                .env_remove("DATABASE_URL")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("start {}", binary.display()))?;
            processes.push((*service, child.id(), health.clone()));
            children.push(child);
            let child = children.last_mut().expect("just pushed");
            wait_ready(service, &health, child).await?;
        }
        Ok(Self {
            nats,
            gateway_url: format!("http://{gateway_addr}"),
            operator_token,
            data_dir,
            processes,
            _children: children,
        })
    }
}

/// Polls `/readyz` until it answers 2xx: readiness is a state behind an HTTP
/// endpoint, not an event the loadgen could await.
async fn wait_ready(service: &str, addr: &str, child: &mut Child) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/readyz");
    let deadline = tokio::time::Instant::now() + READY_WITHIN;
    loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("{service} exited before it was ready ({status}); its log is above");
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("{service} did not become ready at {url} within {READY_WITHIN:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
