//! A whole Switchboard for one test: a nats-server with its own store (or a
//! NATS cluster), each service as its own process (the binaries `make test`
//! builds) with its own health port, and a temp data dir. Any part can be
//! SIGKILLed and restarted. [`System::start_scaled`] runs several instances
//! of every service (gateways on ports of their own) on one database.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use switchboard_testkit::{NatsCluster, NatsServer, free_port, service_bin};
use tokio::process::{Child, Command};

pub const SERVICES: &[&str] = &[
    "transcript",
    "timer",
    "router",
    "work-item",
    "webhook",
    "ai-bridge",
    "gateway",
];

/// The bus a system runs on.
pub enum Nats {
    Server(NatsServer),
    Cluster(NatsCluster),
}

impl Nats {
    /// The credentials file of `user` on a secured server.
    pub fn creds(&self, user: &str) -> Option<std::path::PathBuf> {
        match self {
            Nats::Server(server) => server.creds(user),
            Nats::Cluster(cluster) => Some(cluster.creds(user)),
        }
    }

    /// What the services get as `NATS_URL`.
    pub fn url(&self) -> String {
        match self {
            Nats::Server(server) => server.url(),
            Nats::Cluster(cluster) => cluster.urls(),
        }
    }
}

pub struct System {
    pub nats: Nats,
    pub data_dir: tempfile::TempDir,
    /// Gateway instance 0's address (the one [`Self::gateway_url`] names).
    pub gateway_addr: String,
    /// Every gateway instance's address, by instance.
    pub gateway_addrs: Vec<String>,
    pub operator_token: String,
    database_url: Option<String>,
    extra_env: Vec<(String, String)>,
    /// `(service, key, value)`: set for that service only, after `extra_env`.
    service_env: Vec<(String, String, String)>,
    /// `(service, instance)` → the process and its health address.
    children: BTreeMap<(String, usize), (Child, String)>,
}

impl System {
    /// Everything on SQLite in a temp dir.
    pub async fn start() -> Self {
        Self::start_with(None, Vec::new()).await
    }

    /// `database_url`: `None` for SQLite; `extra_env` reaches every service.
    pub async fn start_with(
        database_url: Option<String>,
        extra_env: Vec<(String, String)>,
    ) -> Self {
        Self::start_with_service_env(database_url, extra_env, Vec::new()).await
    }

    /// As [`Self::start_with`]; `service_env` entries `(service, key,
    /// value)` reach that service only.
    pub async fn start_with_service_env(
        database_url: Option<String>,
        extra_env: Vec<(String, String)>,
        service_env: Vec<(String, String, String)>,
    ) -> Self {
        // Secured as deployed: each service connects as its own user.
        let nats = Nats::Server(NatsServer::start_secured().await);
        Self::start_on(nats, database_url, extra_env, service_env).await
    }

    /// Everything on `nats` (a cluster: `NATS_URL` lists every node).
    pub async fn start_on(
        nats: Nats,
        database_url: Option<String>,
        extra_env: Vec<(String, String)>,
        service_env: Vec<(String, String, String)>,
    ) -> Self {
        Self::start_scaled(nats, database_url, extra_env, service_env, 1).await
    }

    /// As [`Self::start_on`] with `instances` processes of every service,
    /// all on the same bus and database (PostgreSQL, or one SQLite file).
    pub async fn start_scaled(
        nats: Nats,
        database_url: Option<String>,
        extra_env: Vec<(String, String)>,
        service_env: Vec<(String, String, String)>,
        instances: usize,
    ) -> Self {
        assert!(instances >= 1, "a system needs an instance of each service");
        // One secret key for every gateway (and every restart): what one
        // seals, the others must open. A test's own `extra_env` comes after.
        let secret_key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let extra_env = std::iter::once(("SWITCHBOARD_SECRET_KEY".to_owned(), secret_key))
            .chain(extra_env)
            .collect();
        let gateway_addrs: Vec<String> = (0..instances)
            .map(|_| format!("127.0.0.1:{}", free_port()))
            .collect();
        let mut system = Self {
            nats,
            data_dir: tempfile::tempdir().expect("temp data dir"),
            gateway_addr: gateway_addrs[0].clone(),
            gateway_addrs,
            operator_token: format!("op-{}", uuid::Uuid::new_v4()),
            database_url,
            extra_env,
            service_env,
            children: BTreeMap::new(),
        };
        for service in SERVICES {
            for instance in 0..instances {
                system.spawn(service, instance).await;
            }
        }
        system
    }

    /// Starts one more gateway, on a port of its own, beside the others;
    /// returns its instance number (for [`Self::ws_url_of`]).
    pub async fn add_gateway(&mut self) -> usize {
        let instance = self.gateway_addrs.len();
        self.gateway_addrs
            .push(format!("127.0.0.1:{}", free_port()));
        self.spawn("gateway", instance).await;
        instance
    }

    /// How many instances of each service run.
    pub fn instances(&self) -> usize {
        self.gateway_addrs.len()
    }

    /// The WebSocket base of one gateway instance.
    pub fn ws_url_of(&self, instance: usize) -> String {
        format!("ws://{}", self.gateway_addrs[instance])
    }

    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway_addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.gateway_addr)
    }

    /// Where `service` (its instance 0) serves `/healthz`, `/readyz` and `/metrics`.
    pub fn health_addr(&self, service: &str) -> &str {
        &self
            .children
            .get(&(service.to_owned(), 0))
            .unwrap_or_else(|| panic!("{service} is not running"))
            .1
    }

    /// Sets a variable for the services started from now on (a restart).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.retain(|(k, _)| k != key);
        self.extra_env.push((key.to_owned(), value.to_owned()));
    }

    async fn spawn(&mut self, service: &str, instance: usize) {
        let key = (service.to_owned(), instance);
        let gateway_addr = self.gateway_addrs[instance].clone();
        // Every service, the gateway included, serves its health routes and
        // `/metrics` on a port of its own, kept across restarts.
        let health = match self.children.get(&key) {
            Some((_, addr)) => addr.clone(),
            None => format!("127.0.0.1:{}", free_port()),
        };
        let mut command = Command::new(service_bin(&format!("switchboard-{service}")));
        command
            .env("NATS_URL", self.nats.url())
            .env("SWITCHBOARD_DATA_DIR", self.data_dir.path())
            .env("SWITCHBOARD_HTTP_ADDR", &gateway_addr)
            .env("SWITCHBOARD_HEALTH_ADDR", &health)
            .env("SWITCHBOARD_OPERATOR_TOKEN", &self.operator_token)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if let Some(url) = &self.database_url {
            command.env("DATABASE_URL", url);
        }
        if let Some(creds) = self.nats.creds(service) {
            command.env("NATS_CREDS", creds);
        }
        if service == "gateway" {
            let authority = match &self.nats {
                Nats::Server(server) => server.auth().map(|auth| auth.authority()),
                Nats::Cluster(cluster) => Some(cluster.auth().authority()),
            };
            if let Some(authority) = authority {
                command.env("SWITCHBOARD_NATS_AUTHORITY", authority);
            }
        }
        for (key, value) in &self.extra_env {
            command.env(key, value);
        }
        for (_, key, value) in self.service_env.iter().filter(|(s, ..)| s == service) {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {service}: {e}"));
        self.children.insert(key, (child, health.clone()));
        wait_ready(service, &health).await;
    }

    /// SIGKILL (instance 0 of a service, or the single nats-server): no
    /// drain, no goodbye.
    pub async fn kill(&mut self, service: &str) {
        if service == "nats" {
            match &mut self.nats {
                Nats::Server(server) => server.kill().await,
                Nats::Cluster(_) => panic!("kill a cluster's nodes one by one"),
            }
            return;
        }
        self.kill_instance(service, 0).await;
    }

    /// SIGKILL of one instance of a service.
    pub async fn kill_instance(&mut self, service: &str, instance: usize) {
        if let Some((child, _)) = self.children.get_mut(&(service.to_owned(), instance)) {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts one instance of a service again (killing it first if it
    /// runs) with the same settings and ports; returns once it is ready.
    pub async fn restart_instance(&mut self, service: &str, instance: usize) {
        self.kill_instance(service, instance).await;
        self.spawn(service, instance).await;
    }

    /// Starts a killed service (instance 0, or the single nats-server)
    /// again with the same settings.
    pub async fn restart(&mut self, service: &str) {
        if service == "nats" {
            match &mut self.nats {
                Nats::Server(server) => server.restart().await,
                Nats::Cluster(_) => panic!("restart a cluster's nodes one by one"),
            }
            return;
        }
        self.restart_instance(service, 0).await;
    }
}

async fn wait_ready(service: &str, addr: &str) {
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/readyz");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{service} did not become ready at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl System {
    /// The permission violations the secured nats-server logged: each
    /// service's user is allowed exactly what it needs, so any is a bug.
    pub fn bus_violations(&self) -> Vec<String> {
        match &self.nats {
            Nats::Server(server) => server
                .log()
                .lines()
                .filter(|line| line.contains("Violation"))
                .map(str::to_owned)
                .collect(),
            Nats::Cluster(_) => Vec::new(),
        }
    }
}
