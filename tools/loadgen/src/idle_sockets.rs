//! P4, the simple version: N customer sockets that said `hello` and got
//! `welcome`, then stay idle; the gateway's resident memory before and
//! after, per socket. The full measurement (up to the open-file limit, with
//! the socket buffers' kernel memory) is the job of a dedicated module; this
//! one is the suite's quick figure.

use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt;
use serde::Serialize;
use serde_json::json;

use crate::json_socket::JsonSocket;
use crate::machine::rss_bytes;

const CONNECT_BATCH: usize = 100;
const OPEN_WITHIN: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub sockets: usize,
    pub failed: usize,
    pub rss_before_bytes: u64,
    pub rss_after_bytes: u64,
    pub bytes_per_socket: f64,
    pub open_secs: f64,
}

async fn open_idle(url: String) -> anyhow::Result<JsonSocket> {
    let mut socket = JsonSocket::connect(&url).await?;
    socket.send(json!({"type": "hello"})).await?;
    socket.expect("welcome").await?;
    Ok(socket)
}

pub async fn run(
    ws_base: &str,
    widget: &str,
    gateway_pid: u32,
    sockets: usize,
) -> anyhow::Result<Report> {
    let url = format!("{ws_base}/ws/customer?widget={widget}");
    let before = rss_bytes(gateway_pid).context("the gateway's memory")?;
    let started = std::time::Instant::now();
    let opened: Vec<anyhow::Result<JsonSocket>> = futures::stream::iter(0..sockets)
        .map(|_| {
            let url = url.clone();
            async move {
                tokio::time::timeout(OPEN_WITHIN, open_idle(url))
                    .await
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("not open within {OPEN_WITHIN:?}")))
            }
        })
        .buffer_unordered(CONNECT_BATCH)
        .collect()
        .await;
    let open_secs = started.elapsed().as_secs_f64();
    let (open, failed): (Vec<_>, Vec<_>) = opened.into_iter().partition(Result::is_ok);
    // Let the gateway settle its per-socket tasks before reading its memory.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_bytes(gateway_pid).context("the gateway's memory")?;
    let open = open.len();
    for socket in failed.into_iter().take(1) {
        if let Err(e) = socket {
            println!("an idle socket failed to open: {e:#}");
        }
    }
    Ok(Report {
        sockets: open,
        failed: sockets - open,
        rss_before_bytes: before,
        rss_after_bytes: after,
        bytes_per_socket: after.saturating_sub(before) as f64 / open.max(1) as f64,
        open_secs,
    })
}
