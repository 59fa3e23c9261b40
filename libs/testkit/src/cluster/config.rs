//! One cluster node's `nats-server` configuration file: every setting a
//! node starts with is written here, and only here, for loopback and
//! namespaced clusters alike. The cluster block follows the deployments'
//! (`deploy/compose/nats.conf`, `deploy/k8s/base/nats.conf`), the route
//! ping included.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// How often a node pings a quiet route. The server's default (2 min)
/// leaves a cut-off node's routes, and the subscriptions of its clients,
/// alive on the other nodes for minutes: meanwhile they send it part of the
/// requests to a queue group (RPC) and of the deliveries. Two unanswered
/// pings close the route.
const ROUTE_PING: &str = "\"5s\"";

/// What a node's configuration says.
pub(super) struct NodeConfig<'a> {
    /// The server name JetStream reports leaders by.
    pub name: &'a str,
    pub cluster_name: &'a str,
    /// The address the node listens on (clients, routes and monitoring).
    pub host: Ipv4Addr,
    pub port: u16,
    pub route_port: u16,
    pub monitor_port: u16,
    /// The other nodes' route URLs.
    pub routes: Vec<String>,
    /// The directory holding the configuration file and the JetStream store.
    pub dir: &'a Path,
    /// The bus security settings (operator mode), with this node's resolver
    /// directory in them.
    pub auth: String,
}

impl NodeConfig<'_> {
    /// Writes the file into the node's directory and returns its path.
    pub fn write(&self) -> PathBuf {
        let path = self.dir.join("nats-server.conf");
        std::fs::write(&path, self.render())
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    fn render(&self) -> String {
        let host = self.host;
        let routes: Vec<String> = self.routes.iter().map(|r| quote(r)).collect();
        format!(
            "server_name: {name}\n\
             listen: \"{host}:{port}\"\n\
             http: \"{host}:{monitor}\"\n\
             jetstream {{\n  store_dir: {store}\n}}\n\
             cluster {{\n  name: {cluster}\n  listen: \"{host}:{route_port}\"\n  routes: [{routes}]\n  ping_interval: {ROUTE_PING}\n}}\n{auth}",
            name = quote(self.name),
            port = self.port,
            monitor = self.monitor_port,
            store = quote(&self.dir.join("jetstream").to_string_lossy()),
            cluster = quote(self.cluster_name),
            route_port = self.route_port,
            routes = routes.join(", "),
            auth = self.auth,
        )
    }
}

/// A double-quoted string of the configuration format (JSON's escapes).
fn quote(value: &str) -> String {
    serde_json::to_string(value).expect("a string serialises")
}
