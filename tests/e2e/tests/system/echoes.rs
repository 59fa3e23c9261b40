//! A customer's own messages come back on their socket (CONTRACT.md §3):
//! one customer sends messages one after another on one socket, each as
//! soon as the last one is echoed, and every frame is kept with when it
//! arrived. Within the frame rate limit every message is echoed; beyond it
//! the dropped one is answered `error rate_limited`, never with silence.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::admin::ai_tenant;
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

/// How long a message's echo (or the error refusing it) may take.
const ECHO_WITHIN: Duration = Duration::from_secs(3);

/// How one message was answered on the socket.
#[derive(Debug)]
enum Answer {
    Echoed,
    /// An `error` frame (it is in the log).
    Refused,
    Silent,
}

/// A customer's socket after `hello`, with the frames it got, each with the
/// milliseconds since it opened.
struct Sender {
    socket: Customer,
    opened: Instant,
    log: Vec<(u128, Value)>,
}

impl Sender {
    async fn open(system: &System) -> Self {
        let tenant = ai_tenant(system, "standard").await;
        let mut socket = Customer::connect(&system.ws_url(), &tenant.widget).await;
        socket.send(json!({"type": "hello"})).await;
        socket.expect("welcome").await;
        Self {
            socket,
            opened: Instant::now(),
            log: Vec::new(),
        }
    }

    /// Sends `client_id` and reads until its echo or an `error` frame.
    async fn say(&mut self, client_id: &str) -> Answer {
        self.socket
            .say(client_id, "how long does shipping take?")
            .await;
        let deadline = tokio::time::Instant::now() + ECHO_WITHIN;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                return Answer::Silent;
            };
            let frame = frame.expect("the socket stays open");
            self.log
                .push((self.opened.elapsed().as_millis(), frame.clone()));
            if frame["type"] == "error" {
                return Answer::Refused;
            }
            if frame["type"] == "message" && frame["message"]["client_id"] == client_id {
                return Answer::Echoed;
            }
        }
    }

    fn log(&self) -> String {
        self.log
            .iter()
            .map(|(ms, frame)| format!("+{ms}ms {frame}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_sees_the_echo_of_every_message_sent_back_to_back_within_the_rate_limit() {
    const SENDS: usize = 300;
    let system = System::start_with(
        None,
        vec![(
            "SWITCHBOARD_WS_FRAMES_PER_SECOND".to_owned(),
            "1000".to_owned(),
        )],
    )
    .await;
    let mut sender = Sender::open(&system).await;
    for n in 0..SENDS {
        let client_id = format!("m-{n}");
        let answer = sender.say(&client_id).await;
        assert!(
            matches!(answer, Answer::Echoed),
            "{client_id}: {answer:?}; frames:\n{}",
            sender.log()
        );
    }
    let echoes = sender
        .socket
        .messages()
        .iter()
        .filter(|m| m["author"]["role"] == "customer")
        .count();
    assert_eq!(echoes, SENDS, "every message echoed once");
    sender.socket.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_sending_faster_than_the_rate_limit_is_told_which_frame_was_dropped() {
    // The default limit: 10 frames a second, bursts of 20. The frames go
    // out back to back without waiting for echoes, so the burst runs out
    // whatever the machine's load (waiting for each echo on a slow machine
    // would let the bucket refill between frames).
    let system = System::start().await;
    let mut sender = Sender::open(&system).await;
    const BURST: usize = 30;
    for n in 0..BURST {
        sender
            .socket
            .say(&format!("m-{n}"), "how long does shipping take?")
            .await;
    }
    let (mut echoed, mut refusals) = (0, Vec::new());
    let deadline = tokio::time::Instant::now() + ECHO_WITHIN;
    while echoed + refusals.len() < BURST {
        let Ok(frame) = tokio::time::timeout_at(deadline, sender.socket.next()).await else {
            panic!(
                "{} of {BURST} frames got no echo and no error; frames:\n{}",
                BURST - echoed - refusals.len(),
                sender.log()
            );
        };
        let frame = frame.expect("the socket stays open");
        sender
            .log
            .push((sender.opened.elapsed().as_millis(), frame.clone()));
        if frame["type"] == "error" {
            refusals.push(frame);
        } else if frame["type"] == "message"
            && frame["message"]["client_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("m-"))
        {
            echoed += 1;
        }
    }
    let refused = refusals
        .first()
        .unwrap_or_else(|| panic!("never rate limited; frames:\n{}", sender.log()));
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    // `hello` took one token of the burst of 20.
    assert!(
        echoed >= 19,
        "{echoed} echoed before the limit:\n{}",
        sender.log()
    );
    sender.socket.close().await;
}
