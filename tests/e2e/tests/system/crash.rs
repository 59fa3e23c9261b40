//! SIGKILL of any one part mid-conversation loses no message and duplicates
//! none (SPEC §9, TARGETS R1). The customer behaves like the widget: it
//! reconnects with its resume token and resends what was not echoed, with the
//! same client id.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_e2e::admin::{self, ai_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

const MESSAGES: usize = 10;
const KILL_AFTER: usize = 4;
const QUESTION: &str = "what is your refund policy?";

/// A customer that survives a gateway or bus outage the way the widget does:
/// it keeps what it has seen by `seq`, reconnects with its resume token (the
/// gateway answers with the stored thread), and resends a message that is
/// not in the thread yet, with the same client id.
struct Resilient {
    ws: String,
    widget: String,
    resume: Option<String>,
    conversation: Option<String>,
    socket: Option<Customer>,
    thread: BTreeMap<u64, Value>,
}

impl Resilient {
    fn new(ws: String, widget: String) -> Self {
        Self {
            ws,
            widget,
            resume: None,
            conversation: None,
            socket: None,
            thread: BTreeMap::new(),
        }
    }

    /// The seq of `client_id`'s message and whether an AI answer follows it.
    fn progress(&self, client_id: &str) -> (Option<u64>, bool) {
        let Some(seq) = self
            .thread
            .iter()
            .find(|(_, m)| m["client_id"] == client_id)
            .map(|(seq, _)| *seq)
        else {
            return (None, false);
        };
        let answered = self
            .thread
            .range(seq + 1..)
            .any(|(_, m)| m["author"]["role"] == "ai");
        (Some(seq), answered)
    }

    fn record(&mut self, frame: &Value) {
        match frame["type"].as_str() {
            Some("conversation") => {
                self.conversation = frame["id"].as_str().map(str::to_owned);
                self.resume = frame["resume_token"].as_str().map(str::to_owned);
            }
            Some("message") => {
                let message = frame["message"].clone();
                if let Some(seq) = message["seq"].as_u64() {
                    self.thread.insert(seq, message);
                }
            }
            Some("transcript") => {
                for message in frame["messages"].as_array().into_iter().flatten() {
                    if let Some(seq) = message["seq"].as_u64() {
                        self.thread.insert(seq, message.clone());
                    }
                }
            }
            _ => {}
        }
    }

    /// A socket that has said hello (and resumed, when there is a thread).
    async fn connect(&mut self) -> Option<Customer> {
        let mut customer = Customer::try_connect(&self.ws, &self.widget).await.ok()?;
        let mut hello = json!({"type": "hello"});
        if let Some(resume) = &self.resume {
            hello["resume"] = json!(resume);
        }
        customer.try_send(hello).await.ok()?;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(3), customer.next())
                .await
                .ok()??;
            self.record(&frame);
            match frame["type"].as_str() {
                Some("welcome") if self.resume.is_none() => return Some(customer),
                Some("transcript") => return Some(customer),
                Some("error") => return None,
                _ => {}
            }
        }
    }

    /// Sends `client_id` (again, when needed) until the AI's answer to it is seen.
    async fn exchange(&mut self, client_id: &str, text: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{client_id} was never answered; thread: {:?}",
                self.thread.values().collect::<Vec<_>>()
            );
            if self.socket.is_none() {
                self.socket = self.connect().await;
                if self.socket.is_none() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
            match self.progress(client_id) {
                (_, true) => return,
                (None, false) => {
                    let frame = json!({"type": "message", "client_id": client_id, "text": text});
                    let sent = self.socket.as_mut().unwrap().try_send(frame).await;
                    if sent.is_err() {
                        self.socket = None;
                        continue;
                    }
                }
                (Some(_), false) => {}
            }
            if !self.pump(client_id).await {
                // A broken or silent socket: start again on a fresh one.
                self.socket = None;
            }
        }
    }

    /// Reads frames until `client_id` is answered (true) or the socket breaks
    /// or stays silent for 5 s (false).
    async fn pump(&mut self, client_id: &str) -> bool {
        loop {
            let socket = self.socket.as_mut().unwrap();
            let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(5), socket.next()).await
            else {
                return false;
            };
            self.record(&frame);
            if frame["type"] == "error" {
                return false;
            }
            if self.progress(client_id).1 {
                return true;
            }
        }
    }
}

async fn kill_mid_conversation(victim: &str) {
    let mut system = System::start().await;
    let tenant = ai_tenant(&system, "standard").await;
    let mut customer = Resilient::new(system.ws_url(), tenant.widget.clone());
    for n in 0..MESSAGES {
        let client_id = format!("m-{n}");
        if n == KILL_AFTER {
            // Mid-conversation: a message is on its way when the victim dies.
            let frame = json!({"type": "message", "client_id": client_id, "text": QUESTION});
            if let Some(socket) = customer.socket.as_mut() {
                let _ = socket.try_send(frame).await;
            }
            system.kill(victim).await;
            system.restart(victim).await;
        }
        customer.exchange(&client_id, QUESTION).await;
    }

    let conversation = customer.conversation.clone().expect("a conversation");
    let stored: Vec<Value> = admin::transcript(&system, &tenant, &conversation).await;
    let seqs: Vec<u64> = stored.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "seq is gap-free"
    );
    let mut by_client: BTreeMap<String, usize> = BTreeMap::new();
    for message in &stored {
        if let Some(id) = message["client_id"].as_str() {
            *by_client.entry(id.to_owned()).or_default() += 1;
        }
    }
    for n in 0..MESSAGES {
        assert_eq!(
            by_client.get(&format!("m-{n}")),
            Some(&1),
            "m-{n} stored exactly once"
        );
    }
    let answers = stored
        .iter()
        .filter(|m| m["author"]["role"] == "ai")
        .count();
    assert_eq!(answers, MESSAGES, "every message answered exactly once");
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_transcript_service_loses_and_duplicates_nothing() {
    kill_mid_conversation("transcript").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_ai_bridge_loses_and_duplicates_nothing() {
    kill_mid_conversation("ai-bridge").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_gateway_loses_and_duplicates_nothing() {
    kill_mid_conversation("gateway").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_nats_loses_and_duplicates_nothing() {
    kill_mid_conversation("nats").await;
}
