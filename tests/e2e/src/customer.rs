//! A customer's WebSocket, speaking the widget's protocol (CONTRACT.md §3).

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(15);

pub struct Customer {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every frame received, in order.
    pub frames: Vec<Value>,
    seen: usize,
}

impl Customer {
    pub async fn connect(ws_base: &str, widget: &str) -> Self {
        Self::try_connect(ws_base, widget)
            .await
            .unwrap_or_else(|e| panic!("connect to the customer socket: {e}"))
    }

    /// Connects, or says why not (the gateway may be down in crash tests).
    pub async fn try_connect(ws_base: &str, widget: &str) -> Result<Self, String> {
        Self::open(&format!("{ws_base}/ws/customer?widget={widget}")).await
    }

    /// An agent console's socket (`/ws/agent`), after `hello` and `welcome`.
    pub async fn agent(ws_base: &str, token: &str) -> (Self, Value) {
        let mut agent = Self::open(&format!("{ws_base}/ws/agent"))
            .await
            .expect("connect to the agent socket");
        agent.send(json!({"type": "hello", "token": token})).await;
        let welcome = agent.expect("welcome").await;
        (agent, welcome)
    }

    /// Any socket of the gateway.
    pub async fn open(url: &str) -> Result<Self, String> {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(Self {
            socket,
            frames: Vec::new(),
            seen: 0,
        })
    }

    /// Connects and says hello; returns after `welcome`.
    pub async fn hello(ws_base: &str, widget: &str, hello: Value) -> Self {
        let mut customer = Self::connect(ws_base, widget).await;
        customer.send(hello).await;
        customer.expect("welcome").await;
        customer
    }

    pub async fn send(&mut self, frame: Value) {
        self.try_send(frame).await.expect("send frame");
    }

    /// Sends, or reports a broken socket.
    pub async fn try_send(&mut self, frame: Value) -> Result<(), String> {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn say(&mut self, client_id: &str, text: &str) {
        self.send(json!({"type": "message", "client_id": client_id, "text": text}))
            .await;
    }

    /// The next frame (received before or after this call).
    pub async fn next(&mut self) -> Option<Value> {
        if self.seen < self.frames.len() {
            self.seen += 1;
            return Some(self.frames[self.seen - 1].clone());
        }
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .ok()??
                .ok()?;
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).expect("frames are JSON");
                self.frames.push(value.clone());
                self.seen = self.frames.len();
                return Some(value);
            }
        }
    }

    /// Skips frames until one of `kind` arrives; panics after [`WAIT`].
    pub async fn expect(&mut self, kind: &str) -> Value {
        loop {
            match self.next().await {
                Some(frame) if frame["type"] == kind => return frame,
                Some(_) => continue,
                None => panic!("no `{kind}` frame; got {:?}", self.frames),
            }
        }
    }

    /// Skips frames until a `message` frame whose author has `role` arrives.
    pub async fn expect_message_from(&mut self, role: &str) -> Value {
        loop {
            let frame = self.expect("message").await;
            if frame["message"]["author"]["role"] == role {
                return frame["message"].clone();
            }
        }
    }

    /// Message frames received so far.
    pub fn messages(&self) -> Vec<Value> {
        self.frames
            .iter()
            .filter(|f| f["type"] == "message")
            .map(|f| f["message"].clone())
            .collect()
    }

    /// Reads until the server closes the socket; returns the close frame's
    /// code and reason (frames before it are kept in [`Self::frames`]).
    /// Panics when nothing closes it within [`WAIT`].
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("the socket was not closed; got {:?}", self.frames));
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("frames are JSON");
                    self.frames.push(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    return frame.map_or((1005, String::new()), |f| {
                        (f.code.into(), f.reason.to_string())
                    });
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("the socket broke instead of closing: {error}"),
                None => panic!("the socket ended without a close frame"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
