//! A real three-node (or n-node) `nats-server` JetStream cluster for one
//! test: each node with its own client, route and monitoring port, its own
//! store directory and server name (`n0`, `n1`, ...), all routed to each
//! other under a cluster name of their own.
//!
//! [`NatsCluster::start`] puts every node on loopback;
//! [`NatsCluster::start_partitionable`] puts each in a network namespace of
//! its own (see [`crate::netns`]), so that a node can be cut off from the
//! others and from the services ([`NatsCluster::isolate`],
//! [`NatsCluster::heal`]). Either returns once JetStream has a meta leader
//! that every other node follows, so replicated streams can be created at
//! once. Fault-injection tests kill and restart nodes by index
//! ([`NatsCluster::kill`], [`NatsCluster::restart`]) and ask which node
//! leads the cluster or a stream ([`NatsCluster::wait_for_meta_leader`],
//! [`NatsCluster::stream_leader`]).

mod config;
mod observe;

use std::net::Ipv4Addr;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::free_port;
use crate::nats::nats_server_bin;
use crate::netns::Network;
use config::NodeConfig;

/// How long start and restart wait for the cluster to settle.
const SETTLE: Duration = Duration::from_secs(30);

struct Node {
    name: String,
    host: Ipv4Addr,
    port: u16,
    route_port: u16,
    monitor_port: u16,
    /// The configuration file and the JetStream store.
    dir: tempfile::TempDir,
    child: Option<Child>,
    isolated: bool,
}

/// A cluster's bus security: the deployment every node trusts and the
/// credentials files of its users.
struct Auth {
    _dir: tempfile::TempDir,
    layout: switchboard_natsauth::Layout,
    deployment: switchboard_natsauth::Deployment,
}

impl Auth {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the bus credentials");
        let layout = switchboard_natsauth::Layout::new(dir.path().join("auth"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let deployment = switchboard_natsauth::prepare(&layout, &dir.path().join("resolver"), now)
            .expect("write the bus security files");
        Self {
            _dir: dir,
            layout,
            deployment,
        }
    }
}

pub struct NatsCluster {
    cluster_name: String,
    /// Every node runs in operator mode, as deployed: clients need credentials.
    auth: Auth,
    nodes: Vec<Node>,
    /// The namespaces the nodes run in, when partitionable. Declared after
    /// `nodes`, so the servers are killed before their network goes.
    network: Option<Network>,
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
            .map(|i| {
                Node::new(
                    i,
                    Ipv4Addr::LOCALHOST,
                    [free_port(), free_port(), free_port()],
                )
            })
            .collect();
        Self::launch(nodes, None).await
    }

    /// As [`Self::start`], each node in a network namespace of its own with
    /// its own address (the standard ports 4222, 6222 and 8222 on it), so
    /// that it can be cut off. `None`, with the reason printed, where
    /// namespaces cannot be made (not root, no `ip`); a panic instead under
    /// `SWITCHBOARD_REQUIRE_NETNS=1`.
    pub async fn start_partitionable(size: usize) -> Option<Self> {
        assert!(size >= 1, "a cluster needs a node");
        let network = match Network::create(size) {
            Ok(network) => network,
            Err(reason) => {
                assert!(
                    !crate::require_netns(),
                    "SWITCHBOARD_REQUIRE_NETNS=1 but network namespaces cannot be made here (they need root and iproute2): {reason}"
                );
                eprintln!(
                    "skipping a partition test: network namespaces cannot be made here (they need root and iproute2): {reason}"
                );
                return None;
            }
        };
        let nodes = (0..size)
            .map(|i| Node::new(i, network.ip(i), [4222, 6222, 8222]))
            .collect();
        Some(Self::launch(nodes, Some(network)).await)
    }

    async fn launch(nodes: Vec<Node>, network: Option<Network>) -> Self {
        let mut cluster = Self {
            cluster_name: format!("sb-{}", uuid::Uuid::new_v4().simple()),
            auth: Auth::new(),
            nodes,
            network,
        };
        for node in 0..cluster.size() {
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
        let node = &self.nodes[node];
        format!("nats://{}:{}", node.host, node.port)
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

    /// Running and not cut off: what the test and the services can reach.
    pub fn is_reachable(&self, node: usize) -> bool {
        self.is_running(node) && !self.nodes[node].isolated
    }

    /// Cuts a node off from the other nodes and from every process outside
    /// its namespace; its connections stall (no reset), as on a real
    /// partition. Only for a cluster from [`Self::start_partitionable`].
    pub fn isolate(&mut self, node: usize) {
        self.network().isolate(node);
        self.nodes[node].isolated = true;
    }

    /// Joins an isolated node to the network again (its stalled
    /// connections resume or are replaced).
    pub fn heal(&mut self, node: usize) {
        self.network().heal(node);
        self.nodes[node].isolated = false;
    }

    fn network(&self) -> &Network {
        self.network
            .as_ref()
            .expect("only a cluster from NatsCluster::start_partitionable can be partitioned")
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

    /// The credentials file of `user` (a service's name, `admin` or `system`).
    pub fn creds(&self, user: &str) -> std::path::PathBuf {
        self.auth.layout.creds(user)
    }

    /// The cluster's auth files (its authority among them).
    pub fn auth(&self) -> &switchboard_natsauth::Layout {
        &self.auth.layout
    }

    /// Options that connect as the admin user.
    pub async fn options(&self) -> async_nats::ConnectOptions {
        async_nats::ConnectOptions::with_credentials_file(self.creds("admin"))
            .await
            .expect("read the admin credentials")
    }

    /// A client connected to the reachable nodes, as the admin user.
    pub async fn client(&self) -> async_nats::Client {
        let urls: Vec<String> = (0..self.size())
            .filter(|&node| self.is_reachable(node))
            .map(|node| self.url(node))
            .collect();
        self.options()
            .await
            .connect(urls)
            .await
            .expect("connect to the NATS cluster")
    }

    fn spawn(&mut self, index: usize) {
        let routes: Vec<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, n)| format!("nats-route://{}:{}", n.host, n.route_port))
            .collect();
        let node = &self.nodes[index];
        let config = NodeConfig {
            name: &node.name,
            cluster_name: &self.cluster_name,
            host: node.host,
            port: node.port,
            route_port: node.route_port,
            monitor_port: node.monitor_port,
            routes,
            dir: node.dir.path(),
            auth: self
                .auth
                .deployment
                .server_settings(&node.dir.path().join("resolver")),
        }
        .write();
        let bin = nats_server_bin();
        let mut command = match &self.network {
            Some(network) => network.command(index, &bin),
            None => Command::new(&bin),
        };
        let child = command
            .arg("-c")
            .arg(&config)
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
}

impl Node {
    /// Node `index` listening on `host` at `[client, route, monitoring]` ports.
    fn new(index: usize, host: Ipv4Addr, [port, route_port, monitor_port]: [u16; 3]) -> Self {
        Self {
            name: format!("n{index}"),
            host,
            port,
            route_port,
            monitor_port,
            dir: tempfile::tempdir().expect("temp dir for a node's store"),
            child: None,
            isolated: false,
        }
    }
}
