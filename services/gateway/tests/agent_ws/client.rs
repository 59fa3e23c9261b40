//! The console's side of the socket: tokio-tungstenite 0.29 (the version
//! axum 0.8 speaks), JSON frames in and out, waits bounded by a timeout.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

const WAIT: Duration = Duration::from_secs(5);

pub struct Console {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub async fn connect(url: &str) -> Console {
    let (socket, _) = connect_async(url).await.expect("agent socket opens");
    Console { socket }
}

impl Console {
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

    /// `hello {token}` and its `welcome`.
    pub async fn hello(&mut self, token: &str) -> Value {
        self.send(json!({"type": "hello", "token": token})).await;
        self.expect("welcome").await
    }
}
