//! What a cluster says about itself: who leads JetStream's meta group and
//! each stream, which clients a node holds, read from the monitoring
//! endpoints and the JetStream API of the reachable nodes.

use std::net::Ipv4Addr;
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{NatsCluster, SETTLE};

/// How long a monitoring request may take (an isolated node never answers).
const MONITOR_TIMEOUT: Duration = Duration::from_secs(2);

impl NatsCluster {
    /// Waits until every reachable node agrees on a JetStream meta leader,
    /// the leader sees the others as current, and JetStream answers on each
    /// reachable node. Returns the leader's index.
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

    /// The names of the clients connected to a node (the services name
    /// their connections), sorted; empty when the node does not answer.
    pub async fn client_names(&self, node: usize) -> Vec<String> {
        let connz = self.monitor(node, "/connz?limit=4096").await;
        let mut names: Vec<String> = connz
            .as_ref()
            .and_then(|c| c["connections"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// The meta leader's index when the reachable nodes agree on it and it
    /// sees every other reachable node as current.
    async fn settled_leader(&self) -> Option<usize> {
        let running: Vec<usize> = (0..self.size()).filter(|&n| self.is_reachable(n)).collect();
        let mut leader: Option<String> = None;
        for &node in &running {
            let jsz = self.monitor(node, "/jsz").await?;
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
            let jsz = self.monitor(leader, "/jsz").await?;
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
            let client = self.options().await.connect(self.url(node)).await.ok()?;
            async_nats::jetstream::new(client)
                .query_account()
                .await
                .ok()?;
        }
        Some(leader)
    }

    async fn monitor(&self, node: usize, path: &str) -> Option<Value> {
        let node = &self.nodes[node];
        monitor(node.host, node.monitor_port, path).await
    }
}

/// A monitoring endpoint's JSON (`/jsz`, `/varz`, ...); `None` when the
/// node does not answer within [`MONITOR_TIMEOUT`].
async fn monitor(host: Ipv4Addr, port: u16, path: &str) -> Option<Value> {
    let request = async {
        let mut stream = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok()?;
        let response = String::from_utf8(response).ok()?;
        let (_, body) = response.split_once("\r\n\r\n")?;
        serde_json::from_str(body).ok()
    };
    tokio::time::timeout(MONITOR_TIMEOUT, request).await.ok()?
}
