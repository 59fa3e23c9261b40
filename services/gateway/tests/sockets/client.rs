//! A client's side of either socket (the widget's or the agent console's):
//! tokio-tungstenite 0.29 (the version axum 0.8 speaks), JSON frames in and
//! out, and waits bounded by a timeout.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

const WAIT: Duration = Duration::from_secs(5);

pub struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Opens a socket; `Err` carries the HTTP status and JSON body of a refusal.
pub async fn try_connect(url: &str, origin: Option<&str>) -> Result<Client, (StatusCode, Value)> {
    let mut request = url.into_client_request().expect("socket url");
    if let Some(origin) = origin {
        request.headers_mut().insert(
            "origin",
            HeaderValue::from_str(origin).expect("origin header"),
        );
    }
    match connect_async(request).await {
        Ok((socket, _)) => Ok(Client { socket }),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            Err((response.status(), body))
        }
        Err(error) => panic!("socket failed to open: {error}"),
    }
}

pub async fn connect(url: &str) -> Client {
    try_connect(url, None)
        .await
        .map_err(|(s, b)| format!("{s} {b}"))
        .expect("socket opens")
}

impl Client {
    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("frame sent");
    }

    /// The next JSON frame (pings are answered by tungstenite and skipped).
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a frame within 5 s")
                .expect("socket open")
                .expect("frame read");
            match message {
                Message::Text(text) => return serde_json::from_str(&text).expect("frame is JSON"),
                Message::Close(frame) => panic!("socket closed: {frame:?}"),
                _ => {}
            }
        }
    }

    /// The next frame, which must be of type `kind`.
    pub async fn expect(&mut self, kind: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(
            frame["type"], kind,
            "expected a `{kind}` frame, got {frame}"
        );
        frame
    }

    /// The next frame, which must be an error with `code`.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.expect("error").await;
        assert_eq!(frame["code"], code, "{frame}");
        frame
    }

    /// `hello` with `fields` (a token, a resume token) and its `welcome`.
    pub async fn hello(&mut self, fields: Value) -> Value {
        let mut frame = json!({"type": "hello"});
        if let (Some(frame), Some(fields)) = (frame.as_object_mut(), fields.as_object()) {
            frame.extend(fields.clone());
        }
        self.send(frame).await;
        self.expect("welcome").await
    }

    /// Sends a message and returns the frames up to and including its echo.
    pub async fn say(&mut self, client_id: &str, text: &str) -> Vec<Value> {
        self.send(json!({"type": "message", "client_id": client_id, "text": text}))
            .await;
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            let done = frame["type"] == "message" && frame["message"]["client_id"] == client_id;
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }

    /// The close frame the server sends, if it closes within the wait.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next())
                .await
                .ok()??
            {
                Ok(Message::Close(frame)) => return frame.map(|f| f.code.into()),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
}
