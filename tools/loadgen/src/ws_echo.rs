//! The WebSocket cost in P3's formula, measured: a bare tokio-tungstenite echo
//! server inside the loadgen and C client sockets sending a 128-byte text
//! frame and awaiting its echo, one at a time each.

use std::time::Duration;

use anyhow::Context as _;
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::closed_loop::{self, Failure, Limits, Probe, Sample};

/// How many sockets connect at once (the listener's backlog is finite).
const CONNECT_BATCH: usize = 100;

/// An echo server on 127.0.0.1; dropping it stops accepting (the connections
/// end when their clients close).
pub struct EchoServer {
    addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EchoServer {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(echo(stream));
            }
        });
        Ok(Self { addr, task })
    }

    fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }
}

async fn echo(stream: TcpStream) {
    // The gateway turns Nagle off too; without this each echo waits ~40 ms.
    let _ = stream.set_nodelay(true);
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = socket.next().await {
        if message.is_text() && socket.send(message).await.is_err() {
            return;
        }
    }
}

struct EchoClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    counter: u64,
    padding: String,
}

impl Probe for EchoClient {
    async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
        self.counter += 1;
        // The counter tells a late echo (after a timeout) from this one's.
        let tag = format!("{:020}", self.counter);
        let text = format!("{tag}{}", self.padding);
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| Failure::Fatal(format!("send: {e}")))?;
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(echo))) if echo.as_str().starts_with(&tag) => {
                    return Ok(None);
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Failure::Fatal(format!("receive: {e}"))),
                None => return Err(Failure::Fatal("the echo server closed the socket".into())),
            }
        }
    }
}

/// WebSocket echo round trips with `concurrency` sockets.
pub async fn measure(
    server: &EchoServer,
    concurrency: usize,
    limits: Limits,
) -> anyhow::Result<Sample> {
    let padding = "x".repeat(crate::nats_bare::PAYLOAD_BYTES.saturating_sub(20));
    let url = server.url();
    let connects =
        futures::stream::iter(0..concurrency)
            .map(|_| {
                let url = url.clone();
                async move {
                    tokio_tungstenite::connect_async_with_config(url.as_str(), None, true).await
                }
            })
            .buffer_unordered(CONNECT_BATCH);
    let sockets: Vec<_> = connects.collect().await;
    let mut probes = Vec::with_capacity(concurrency);
    for socket in sockets {
        let (socket, _) = socket.context("connect to the echo server")?;
        probes.push(EchoClient {
            socket,
            counter: 0,
            padding: padding.clone(),
        });
    }
    Ok(closed_loop::run(probes, limits).await)
}
