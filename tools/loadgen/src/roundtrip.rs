//! Customer → built-in AI → customer round trips through the gateway's
//! customer WebSocket (CONTRACT.md §3), C conversations at a time, each with
//! one message outstanding (a closed loop).
//!
//! A round trip is timed from sending `message` until the AI's `message`
//! frame arrives whose `seq` is past the echo of the customer's own message
//! (matched by `client_id`, so a late reply to an earlier, timed-out message
//! is never taken for this one's).

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::closed_loop::{self, Failure, Limits, Probe, Sample};
use crate::tenant::QUESTION;

/// Sockets connecting (and warming up) at once: a thousand handshakes in one
/// burst would overflow the gateway's accept backlog.
const CONNECT_BATCH: usize = 100;

/// Connecting, `hello` → `welcome`, and the warm-up message, per socket.
const OPEN_TIMEOUT: Duration = Duration::from_secs(60);

/// What one concurrency level measured.
#[derive(Debug)]
pub struct Level {
    pub conversations: usize,
    /// Sockets that could not connect, say hello or warm up.
    pub open_failures: usize,
    pub open_failure_example: Option<String>,
    /// Connecting and warming up every socket.
    pub open_time: Duration,
    pub sample: Sample,
}

struct Customer {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Customer {
    async fn send(&mut self, frame: Value) -> Result<(), Failure> {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .map_err(|e| Failure::Fatal(format!("send: {e}")))
    }

    /// The next JSON text frame.
    async fn next(&mut self) -> Result<Value, Failure> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str()).map_err(|e| {
                        Failure::Fatal(format!("a frame that is not JSON ({e}): {text}"))
                    });
                }
                Some(Ok(Message::Close(close))) => {
                    return Err(Failure::Fatal(format!(
                        "the gateway closed the socket: {close:?}"
                    )));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Failure::Fatal(format!("receive: {e}"))),
                None => return Err(Failure::Fatal("the socket ended".into())),
            }
        }
    }

    async fn open(ws_url: &str) -> anyhow::Result<Self> {
        let (socket, _) = tokio_tungstenite::connect_async_with_config(ws_url, None, true)
            .await
            .with_context(|| format!("connect {ws_url}"))?;
        let mut customer = Self { socket };
        customer
            .send(json!({"type": "hello"}))
            .await
            .map_err(explain)?;
        loop {
            let frame = customer.next().await.map_err(explain)?;
            match frame["type"].as_str() {
                Some("welcome") => break,
                Some("error") => bail!("hello refused: {frame}"),
                _ => continue,
            }
        }
        // The first message starts the conversation; that is not what is measured.
        customer
            .round_trip()
            .await
            .map_err(explain)
            .context("warm-up message")?;
        Ok(customer)
    }
}

fn explain(failure: Failure) -> anyhow::Error {
    match failure {
        Failure::Retry(why) | Failure::Fatal(why) => anyhow::anyhow!(why),
    }
}

impl Probe for Customer {
    async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
        let sent = Instant::now();
        let client_id = uuid::Uuid::new_v4().to_string();
        self.send(json!({"type": "message", "client_id": client_id, "text": QUESTION}))
            .await?;
        // The echo's seq, and how long it took to arrive.
        let mut echo = None;
        loop {
            let frame = self.next().await?;
            match frame["type"].as_str() {
                Some("message") => {
                    let message = &frame["message"];
                    let Some(seq) = message["seq"].as_u64() else {
                        return Err(Failure::Retry(format!("a message without seq: {frame}")));
                    };
                    let ours = message["client_id"].as_str() == Some(client_id.as_str());
                    match (message["author"]["role"].as_str(), echo) {
                        (Some("customer"), _) if ours => echo = Some((seq, sent.elapsed())),
                        (Some("ai"), Some((echo_seq, to_echo))) if seq > echo_seq => {
                            return Ok(Some(to_echo));
                        }
                        _ => {}
                    }
                }
                Some("error") => return Err(Failure::Retry(format!("error frame: {frame}"))),
                Some("ended") => {
                    return Err(Failure::Retry(format!("conversation ended: {frame}")));
                }
                _ => {}
            }
        }
    }
}

/// Opens `conversations` customer sockets on `widget`, warms each up with one
/// message, then runs the closed loop on all of them.
pub async fn measure(
    ws_base: &str,
    widget: &str,
    conversations: usize,
    limits: Limits,
) -> anyhow::Result<Level> {
    let url = format!("{ws_base}/ws/customer?widget={widget}");
    let started = Instant::now();
    let opened: Vec<anyhow::Result<Customer>> = futures::stream::iter(0..conversations)
        .map(|_| {
            let url = url.clone();
            async move {
                tokio::time::timeout(OPEN_TIMEOUT, Customer::open(&url))
                    .await
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("not open after {OPEN_TIMEOUT:?}")))
            }
        })
        .buffer_unordered(CONNECT_BATCH)
        .collect()
        .await;
    let open_time = started.elapsed();
    let mut customers = Vec::with_capacity(conversations);
    let mut open_failures = 0;
    let mut open_failure_example = None;
    for result in opened {
        match result {
            Ok(customer) => customers.push(customer),
            Err(e) => {
                open_failures += 1;
                open_failure_example.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    if customers.is_empty() {
        bail!(
            "no customer socket could open at {url}: {}",
            open_failure_example.unwrap_or_default()
        );
    }
    let sample = closed_loop::run(customers, limits).await;
    Ok(Level {
        conversations,
        open_failures,
        open_failure_example,
        open_time,
        sample,
    })
}
