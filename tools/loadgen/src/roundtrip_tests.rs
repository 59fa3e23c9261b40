//! The customer probe against a fake gateway speaking CONTRACT.md §3: it must
//! wait for the AI reply that follows its own echo, and count error frames.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::closed_loop::Limits;
use crate::roundtrip;

/// How long the fake AI thinks before answering.
const THINKING: Duration = Duration::from_millis(20);

#[derive(Clone, Copy)]
enum Fake {
    /// Before each echo, a late AI reply to the previous message; the AI's
    /// own reply comes [`THINKING`] after the echo.
    LateRepliesFirst,
    /// Answers the warm-up, then refuses every message with `rate_limited`.
    RateLimited,
}

fn message(seq: u64, role: &str, client_id: Option<&str>) -> Value {
    json!({"type": "message", "message": {
        "id": format!("m{seq}"), "conversation": "c1", "seq": seq,
        "author": {"role": role, "name": role}, "text": "…", "client_id": client_id,
    }})
}

async fn fake_gateway(fake: Fake) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
                let mut seq = 0;
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                    let mut replies = Vec::new();
                    // Sent after the AI has thought.
                    let mut answer = None;
                    match (frame["type"].as_str(), fake) {
                        (Some("hello"), _) => replies.push(json!({"type": "welcome"})),
                        (Some("message"), Fake::RateLimited) if seq > 0 => {
                            replies.push(json!({"type": "error", "code": "rate_limited"}));
                        }
                        (Some("message"), _) => {
                            if seq > 0 {
                                replies.push(message(seq, "ai", None));
                            } else {
                                replies.push(
                                    json!({"type": "conversation", "id": "c1", "state": "ai"}),
                                );
                            }
                            replies.push(message(seq + 1, "customer", frame["client_id"].as_str()));
                            seq += 2;
                            answer = Some(message(seq, "ai", None));
                        }
                        _ => {}
                    }
                    for reply in replies {
                        socket.send(Message::text(reply.to_string())).await.unwrap();
                    }
                    if let Some(answer) = answer {
                        tokio::time::sleep(THINKING).await;
                        socket
                            .send(Message::text(answer.to_string()))
                            .await
                            .unwrap();
                    }
                }
            });
        }
    });
    format!("ws://{addr}")
}

fn limits() -> Limits {
    Limits {
        warmup: Duration::ZERO,
        duration: Duration::from_secs(30),
        max_per_probe: Some(3),
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn a_round_trip_ends_at_the_ai_reply_after_its_own_echo_not_at_a_late_one() {
    let ws = fake_gateway(Fake::LateRepliesFirst).await;
    let level = roundtrip::measure(&ws, "w1", 2, limits()).await.unwrap();
    assert_eq!(level.open_failures, 0);
    assert_eq!((level.sample.count(), level.sample.failures), (6, 0));
    let fastest = Duration::from_micros(level.sample.micros.min());
    assert!(
        fastest >= THINKING,
        "a round trip ended before the AI answered: {fastest:?}"
    );
}

#[tokio::test]
async fn error_frames_count_as_failed_round_trips() {
    let ws = fake_gateway(Fake::RateLimited).await;
    let level = roundtrip::measure(&ws, "w1", 1, limits()).await.unwrap();
    assert_eq!((level.sample.count(), level.sample.failures), (0, 3));
    assert!(level.sample.failure_examples[0].contains("rate_limited"));
}
