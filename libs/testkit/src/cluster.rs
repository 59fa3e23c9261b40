//! A real three-node (or n-node) `nats-server` JetStream cluster on
//! loopback for one test: each node with its own client, route and
//! monitoring port, its own store directory and server name (`n0`, `n1`,
//! ...), all routed to each other under a cluster name of their own.
//!
//! [`NatsCluster::start`] returns once JetStream has a meta leader that
//! every other node follows, so replicated streams can be created at once.
//! Fault-injection tests kill and restart nodes by index
//! ([`NatsCluster::kill`], [`NatsCluster::restart`]) and ask which node
//! leads a stream ([`NatsCluster::stream_leader`]).

use std::process::Stdio;
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

use crate::free_port;
use crate::nats::nats_server_bin;

/// How long start and restart wait for the cluster to settle.
const SETTLE: Duration = Duration::from_secs(30);

struct Node {
    name: String,
    port: u16,
    route_port: u16,
    monitor_port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

pub struct NatsCluster {
    cluster_name: String,
    nodes: Vec<Node>,
}

impl std::fmt::Debug for NatsCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsCluster")
            .field("name", &self.cluster_name)
            .field("urls", &self.urls())
            .finish()
    }
}

impl NatsCluster {
    /// Starts `size` nodes (3 for a cluster that survives losing one) and
    /// waits for JetStream's meta leader.
    pub async fn start(size: usize) -> Self {
        assert!(size >= 1, "a cluster needs a node");
        let nodes = (0..size)
            .map(|i| Node {
                name: format!("n{i}"),
                port: free_port(),
                route_port: free_port(),
                monitor_port: free_port(),
                store: tempfile::tempdir().expect("temp dir for a JetStream store"),
                child: None,
            })
            .collect();
        let mut cluster = Self {
            cluster_name: format!("sb-{}", uuid::Uuid::new_v4().simple()),
            nodes,
        };
        for node in 0..size {
            cluster.spawn(node);
        }
        cluster.wait_for_meta_leader().await;
        cluster
    }

    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    /// The client URL of one node.
    pub fn url(&self, node: usize) -> String {
        format!("nats://127.0.0.1:{}", self.nodes[node].port)
    }

    /// Every node's client URL, separated by commas: a cluster's `NATS_URL`.
    pub fn urls(&self) -> String {
        (0..self.size())
            .map(|node| self.url(node))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A node's server name (`n{index}`), as JetStream reports leaders.
    pub fn name(&self, node: usize) -> &str {
        &self.nodes[node].name
    }

    /// The index of the node named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    pub fn is_running(&self, node: usize) -> bool {
        self.nodes[node].child.is_some()
    }

    /// SIGKILL one node: no flush, no goodbye to its peers.
    pub async fn kill(&mut self, node: usize) {
        if let Some(mut child) = self.nodes[node].child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts a node again on the same ports and store (killing it first if
    /// it runs) and waits until it follows the meta leader again.
    pub async fn restart(&mut self, node: usize) {
        self.kill(node).await;
        self.spawn(node);
        self.wait_for_meta_leader().await;
    }

    /// Waits until every running node agrees on a JetStream meta leader,
    /// the leader sees the others as current, and JetStream answers on each
    /// running node. Returns the leader's index.
    pub async fn wait_for_meta_leader(&self) -> usize {
        let deadline = tokio::time::Instant::now() + SETTLE;
        loop {
            if let Some(leader) = self.settled_leader().await {
                return leader;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the NATS cluster {} found no JetStream meta leader within {SETTLE:?}",
                self.cluster_name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The index of the node leading `stream` (a KV bucket's stream is
    /// `KV_{bucket}`), asked through any running node.
    pub async fn stream_leader(&self, stream: &str) -> Option<usize> {
        let js = async_nats::jetstream::new(self.client().await);
        let mut stream = js.get_stream(stream).await.ok()?;
        let info = stream.info().await.ok()?;
        let leader = info.cluster.as_ref()?.leader.as_deref()?;
        self.index_of(leader)
    }

    /// Every stream of the account with its replica count, sorted by name.
    pub async fn stream_replicas(&self) -> Vec<(String, usize)> {
        let js = async_nats::jetstream::new(self.client().await);
        // Names first: a clustered stream listing gathers each stream's
        // info from its leader and can miss one that is being updated.
        let mut names: Vec<String> = js
            .stream_names()
            .try_collect()
            .await
            .expect("list the streams");
        names.sort();
        let mut streams = Vec::with_capacity(names.len());
        for name in names {
            let stream = js.get_stream(&name).await.expect("a listed stream");
            let replicas = stream.cached_info().config.num_replicas;
            streams.push((name, replicas));
        }
        streams
    }

    /// A client connected to the running nodes.
    pub async fn client(&self) -> async_nats::Client {
        let urls: Vec<String> = (0..self.size())
            .filter(|&node| self.is_running(node))
            .map(|node| self.url(node))
            .collect();
        async_nats::connect(urls)
            .await
            .expect("connect to the NATS cluster")
    }

    fn spawn(&mut self, index: usize) {
        let routes: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, n)| format!("nats-route://127.0.0.1:{}", n.route_port))
            .collect();
        let node = &self.nodes[index];
        let bin = nats_server_bin();
        let mut command = Command::new(&bin);
        command
            .args(["-js", "-a", "127.0.0.1"])
            .args(["-p", &node.port.to_string()])
            .args(["-m", &node.monitor_port.to_string()])
            .args(["--server_name", &node.name])
            .args(["--cluster_name", &self.cluster_name])
            .arg("--cluster")
            .arg(format!("nats://127.0.0.1:{}", node.route_port))
            .arg("-sd")
            .arg(node.store.path());
        if !routes.is_empty() {
            command.args(["--routes", &routes.join(",")]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); run `scripts/ensure-tools.sh` or set NATS_SERVER_BIN",
                    bin.display()
                )
            });
        self.nodes[index].child = Some(child);
    }

    /// The meta leader's index when the running nodes agree on it and it
    /// sees every other running node as current.
    async fn settled_leader(&self) -> Option<usize> {
        let running: Vec<usize> = (0..self.size()).filter(|&n| self.is_running(n)).collect();
        let mut leader: Option<String> = None;
        for &node in &running {
            let jsz = monitor(self.nodes[node].monitor_port, "/jsz").await?;
            let named = jsz["meta_cluster"]["leader"]
                .as_str()
                .filter(|l| !l.is_empty())?;
            if leader.as_deref().is_some_and(|l| l != named) {
                return None;
            }
            leader = Some(named.to_owned());
        }
        let leader = self.index_of(&leader?)?;
        if running.len() > 1 {
            let jsz = monitor(self.nodes[leader].monitor_port, "/jsz").await?;
            let current: Vec<&str> = jsz["meta_cluster"]["replicas"]
                .as_array()?
                .iter()
                .filter(|r| r["current"].as_bool() == Some(true))
                .filter_map(|r| r["name"].as_str())
                .collect();
            let followers = running.iter().filter(|&&n| n != leader);
            if !followers.clone().all(|&n| current.contains(&self.name(n))) {
                return None;
            }
        }
        for &node in &running {
            let client = async_nats::connect(self.url(node)).await.ok()?;
            async_nats::jetstream::new(client)
                .query_account()
                .await
                .ok()?;
        }
        Some(leader)
    }
}

/// A monitoring endpoint's JSON (`/jsz`, `/varz`, ...).
async fn monitor(port: u16, path: &str) -> Option<Value> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let response = String::from_utf8(response).ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    serde_json::from_str(body).ok()
}
