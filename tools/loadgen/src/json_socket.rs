//! A client WebSocket of the gateway speaking CONTRACT.md §3: one JSON object
//! per text frame, each with a `type`.

use anyhow::{Context as _, bail};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct JsonSocket {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl JsonSocket {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        // Nagle off, as the gateway does: otherwise small frames wait ~40 ms.
        let (socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .with_context(|| format!("connect {url}"))?;
        Ok(Self { socket })
    }

    pub async fn send(&mut self, frame: Value) -> anyhow::Result<()> {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .context("send a frame")
    }

    /// The next JSON text frame. Cancel-safe: a frame is only taken off the
    /// socket in the same poll that returns it.
    pub async fn next(&mut self) -> anyhow::Result<Value> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .with_context(|| format!("a frame that is not JSON: {text}"));
                }
                Some(Ok(Message::Close(close))) => {
                    bail!("the gateway closed the socket: {close:?}")
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).context("receive a frame"),
                None => bail!("the socket ended"),
            }
        }
    }

    /// Skips frames until one of type `kind`; an `error` frame fails.
    pub async fn expect(&mut self, kind: &str) -> anyhow::Result<Value> {
        loop {
            let frame = self.next().await?;
            match frame["type"].as_str() {
                Some(found) if found == kind => return Ok(frame),
                Some("error") => bail!("an error frame while waiting for `{kind}`: {frame}"),
                _ => continue,
            }
        }
    }

    /// A polite close; the far side may already be gone.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// The `type` of a frame, or "" when it has none.
pub fn kind(frame: &Value) -> &str {
    frame["type"].as_str().unwrap_or_default()
}

/// A string field of a frame, or "" when missing.
pub fn text<'a>(frame: &'a Value, name: &str) -> &'a str {
    frame[name].as_str().unwrap_or_default()
}
