//! The processes of a local stack: nats-server and the services, started in
//! dependency order, watched, and stopped with SIGTERM (then SIGKILL).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use switchboard_runtime::config::Vars;
use tokio::process::{Child, Command};

/// The services, in start order. The gateway goes last: when it answers,
/// everything behind it is up.
const SERVICES: &[&str] = &[
    "transcript",
    "timer",
    "router",
    "work-item",
    "webhook",
    "ai-bridge",
    "gateway",
];

struct Running {
    name: String,
    child: Child,
    health: Option<String>,
}

pub struct Stack {
    vars: Vars,
    data_dir: PathBuf,
    operator_token: String,
    nats_url: String,
    http_addr: String,
    running: Vec<Running>,
    /// The bus security files of the nats-server this stack started (none
    /// when it uses a server or cluster that was already there).
    auth: Option<switchboard_natsauth::Layout>,
}

impl Stack {
    pub fn new(vars: Vars, data_dir: PathBuf, operator_token: String) -> Self {
        let nats_url = vars.string("NATS_URL", "nats://127.0.0.1:4222");
        let http_addr = vars.string("SWITCHBOARD_HTTP_ADDR", "127.0.0.1:8080");
        Self {
            vars,
            data_dir,
            operator_token,
            nats_url,
            http_addr,
            running: Vec::new(),
            auth: None,
        }
    }

    /// The bus security files, when this stack secured its own nats-server.
    pub fn auth(&self) -> Option<&switchboard_natsauth::Layout> {
        self.auth.as_ref()
    }

    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    pub fn nats_url(&self) -> &str {
        &self.nats_url
    }

    pub fn health_urls(&self) -> Vec<(String, String)> {
        self.running
            .iter()
            .filter_map(|r| r.health.clone().map(|h| (r.name.clone(), h)))
            .collect()
    }

    pub async fn start(&mut self) -> anyhow::Result<()> {
        self.start_nats().await?;
        let bin_dir = std::env::current_exe()?
            .parent()
            .context("the devstack binary has no directory")?
            .to_path_buf();
        for service in SERVICES {
            let bin = bin_dir.join(format!("switchboard-{service}"));
            if !bin.exists() {
                if *service == "timer" {
                    continue; // not every checkout has every service yet
                }
                bail!(
                    "{} is missing; run `cargo build --workspace --bins`",
                    bin.display()
                );
            }
            // The gateway too: its `/metrics` is not on the public port.
            let health_addr = format!("127.0.0.1:{}", free_port()?);
            let mut command = Command::new(&bin);
            command
                .env("NATS_URL", &self.nats_url)
                .env("SWITCHBOARD_DATA_DIR", &self.data_dir)
                .env("SWITCHBOARD_HTTP_ADDR", &self.http_addr)
                .env("SWITCHBOARD_HEALTH_ADDR", &health_addr)
                .env("SWITCHBOARD_OPERATOR_TOKEN", &self.operator_token)
                .envs(
                    self.vars
                        .get("SWITCHBOARD_SECRET_KEY_FILE")
                        .map(|file| ("SWITCHBOARD_SECRET_KEY_FILE", file)),
                )
                .stdin(Stdio::null())
                .kill_on_drop(true);
            if let Some(auth) = &self.auth {
                command.env("NATS_CREDS", auth.creds(service));
                if *service == "gateway" {
                    command.env("SWITCHBOARD_NATS_AUTHORITY", auth.authority());
                }
            }
            let child = command
                .spawn()
                .with_context(|| format!("start {}", bin.display()))?;
            let health = format!("http://{health_addr}");
            self.running.push(Running {
                name: (*service).to_owned(),
                child,
                health: Some(health.clone()),
            });
            wait_ready(service, &health).await?;
        }
        Ok(())
    }

    async fn start_nats(&mut self) -> anyhow::Result<()> {
        let servers = cluster_servers(&self.nats_url);
        if servers.len() > 1 {
            // A cluster someone else runs is used as it is: never start a
            // server in its place, but say so when none of its servers answers.
            for server in &servers {
                if tokio::net::TcpStream::connect(server).await.is_ok() {
                    println!("using the NATS cluster at {}", self.nats_url);
                    return Ok(());
                }
            }
            bail!(
                "none of the NATS cluster's servers in NATS_URL answers: {}",
                self.nats_url
            );
        }
        let host_port = servers.into_iter().next().unwrap_or_default();
        if tokio::net::TcpStream::connect(&host_port).await.is_ok() {
            println!("using the nats-server already at {}", self.nats_url);
            return Ok(());
        }
        let (host, port) = host_port
            .rsplit_once(':')
            .context("NATS_URL must look like nats://host:port")?;
        let bin = self.vars.string("NATS_SERVER_BIN", "nats-server");
        let store = self.data_dir.join("jetstream");
        // Secured from the first start: operator mode, a user per service,
        // keys kept in the data dir so a restart finds its streams again.
        let layout = switchboard_natsauth::Layout::new(self.data_dir.join("nats-auth"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        switchboard_natsauth::prepare(&layout, &self.data_dir.join("nats-resolver"), now)
            .context("write the bus credentials into the data dir")?;
        let child = Command::new(&bin)
            .args(["-js", "-a", host, "-p", port, "-sd"])
            .arg(&store)
            .arg("-c")
            .arg(layout.server_conf())
            // nats-server logs its banner and every connection: keep that in
            // the data dir rather than between the services' lines.
            .arg("--log")
            .arg(self.data_dir.join("nats-server.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("start {bin} (run scripts/ensure-tools.sh)"))?;
        self.running.push(Running {
            name: "nats-server".into(),
            child,
            health: None,
        });
        self.auth = Some(layout);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(&host_port).await.is_err() {
            if tokio::time::Instant::now() > deadline {
                bail!("nats-server did not start on {host_port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Resolves with the name of the first process that exits.
    pub async fn wait_for_exit(&mut self) -> String {
        loop {
            for running in &mut self.running {
                if let Ok(Some(status)) = running.child.try_wait() {
                    return format!("{} ({status})", running.name);
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// SIGTERM in reverse start order, SIGKILL after 10 s.
    pub async fn stop(&mut self) {
        while let Some(mut running) = self.running.pop() {
            if let Some(pid) = running.child.id() {
                let _ = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .await;
            }
            if tokio::time::timeout(Duration::from_secs(10), running.child.wait())
                .await
                .is_err()
            {
                let _ = running.child.kill().await;
            }
        }
    }
}

async fn wait_ready(service: &str, health: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = client.get(format!("{health}/readyz")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("{service} did not become ready at {health}/readyz");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The `host:port` of every server a `NATS_URL` names (a comma-separated list
/// on a cluster), without scheme or credentials.
fn cluster_servers(nats_url: &str) -> Vec<String> {
    nats_url
        .split(',')
        .map(str::trim)
        .filter(|server| !server.is_empty())
        .map(|server| {
            let address = server.split_once("://").map_or(server, |(_, rest)| rest);
            let address = address.rsplit_once('@').map_or(address, |(_, host)| host);
            address.trim_end_matches('/').to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::cluster_servers;

    #[test]
    fn a_cluster_url_names_each_server_without_scheme_or_credentials() {
        assert_eq!(
            cluster_servers("nats://a:4222, nats://user:pw@b:4223/,c:4224"),
            ["a:4222", "b:4223", "c:4224"]
        );
        assert_eq!(cluster_servers("nats://127.0.0.1:4222"), ["127.0.0.1:4222"]);
    }
}
