//! A webhook receiver on 127.0.0.1, as a subscriber would run one: it
//! verifies every request's Standard Webhooks signature with its own HMAC
//! (not the service's code), records what arrived, and answers with the
//! statuses the test scripts (200 once the script is used up).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub id: String,
    pub timestamp: i64,
    pub body: Value,
    /// Whether the signature verified with the subscription's secret.
    pub verified: bool,
    /// The status it was answered with.
    pub answered: u16,
}

#[derive(Default)]
struct Inner {
    arrivals: Vec<Arrival>,
    script: VecDeque<u16>,
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    key: Arc<Vec<u8>>,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// Listens on a free port; `key` is the secret's bytes after `whsec_`.
    pub async fn start(key: Vec<u8>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let receiver = Self {
            addr: listener.local_addr().unwrap(),
            key: Arc::new(key),
            inner: Arc::default(),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// The next answers, in order.
    pub fn answer_with(&self, statuses: &[u16]) {
        self.inner.lock().unwrap().script.extend(statuses);
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.inner.lock().unwrap().arrivals.clone()
    }
}

fn verify(key: &[u8], id: &str, timestamp: &str, body: &[u8], signatures: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    // The header may carry several space-separated signatures.
    signatures.split(' ').any(|s| s == expected)
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let verified = verify(
        &receiver.key,
        &id,
        &timestamp,
        &body,
        &header("webhook-signature"),
    );
    let mut inner = receiver.inner.lock().unwrap();
    let answered = inner.script.pop_front().unwrap_or(200);
    inner.arrivals.push(Arrival {
        id,
        timestamp: timestamp.parse().unwrap_or_default(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        verified,
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}
