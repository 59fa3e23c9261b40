//! One simulated agent on the console's socket (`/ws/agent`): available in
//! its space, it accepts every offer at once, says one thing when assigned,
//! and ends the conversation after a short think time, freeing capacity.
//!
//! It notes each offer and assignment in the shared [`Ledger`] and keeps its
//! own [`Load`]: offers outstanding + assigned − ended, checked against the
//! limit on every offer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::json_socket::{JsonSocket, kind, text};
use crate::ledger::{Ledger, Load};

/// What the agent says when a conversation is assigned to it.
pub const GREETING: &str = "Hi, I am here to help.";

/// What one agent saw and did.
#[derive(Debug, Default, Clone)]
pub struct AgentReport {
    pub offers: u64,
    pub assigned: u64,
    pub ended: u64,
    pub withdrawn: u64,
    /// Accepts answered with an error frame (another agent won, say).
    pub refused: u64,
    /// `status unavailable` frames: the router's offer timeout.
    pub set_unavailable: u64,
    pub max_held: usize,
    pub violations: u64,
    /// Held when the run stopped: conversations never ended.
    pub held_at_stop: usize,
    pub errors: u64,
    pub error_examples: Vec<String>,
}

impl AgentReport {
    pub fn add(&mut self, other: &Self) {
        self.offers += other.offers;
        self.assigned += other.assigned;
        self.ended += other.ended;
        self.withdrawn += other.withdrawn;
        self.refused += other.refused;
        self.set_unavailable += other.set_unavailable;
        self.max_held = self.max_held.max(other.max_held);
        self.violations += other.violations;
        self.held_at_stop += other.held_at_stop;
        self.errors += other.errors;
        for example in &other.error_examples {
            if self.error_examples.len() < 5 {
                self.error_examples.push(example.clone());
            }
        }
    }
}

/// Connects with the agent's token and turns it available in every space.
pub async fn connect(ws_base: &str, token: &str) -> anyhow::Result<JsonSocket> {
    let mut socket = JsonSocket::connect(&format!("{ws_base}/ws/agent")).await?;
    socket
        .send(json!({"type": "hello", "token": token}))
        .await?;
    socket.expect("welcome").await?;
    socket
        .send(json!({"type": "set_status", "status": "available"}))
        .await?;
    let status = socket.expect("status").await?;
    if text(&status, "status") != "available" {
        bail!("set_status available answered {status}");
    }
    Ok(socket)
}

struct Agent {
    socket: JsonSocket,
    ledger: Arc<Ledger>,
    load: Load,
    handle: Duration,
    /// offer id → conversation, for withdrawals and refused accepts.
    offers: HashMap<String, String>,
    /// conversation → when this agent sent its accept.
    accepts: HashMap<String, Instant>,
    /// Conversations whose think time is over, to end.
    done_tx: mpsc::UnboundedSender<String>,
    report: AgentReport,
}

/// Runs the agent until `stop` turns true (or its socket fails).
pub async fn run(
    socket: JsonSocket,
    ledger: Arc<Ledger>,
    limit: usize,
    handle: Duration,
    mut stop: watch::Receiver<bool>,
) -> AgentReport {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut agent = Agent {
        socket,
        ledger,
        load: Load::new(limit),
        handle,
        offers: HashMap::new(),
        accepts: HashMap::new(),
        done_tx,
        report: AgentReport::default(),
    };
    loop {
        let step = tokio::select! {
            // The only change is to true: stop.
            _ = stop.changed() => break,
            Some(conversation) = done_rx.recv() => agent.end(conversation).await,
            frame = agent.socket.next() => match frame {
                Ok(frame) => agent.on_frame(frame).await,
                Err(e) => Err(e),
            },
        };
        // Only the socket fails a step: the agent cannot go on without it.
        if let Err(e) = step {
            agent.note_error(format!("{e:#}"));
            break;
        }
    }
    agent.report.max_held = agent.load.max_held;
    agent.report.violations = agent.load.violations;
    agent.report.held_at_stop = agent.load.held();
    agent.socket.close().await;
    agent.report
}

impl Agent {
    fn note_error(&mut self, why: String) {
        self.report.errors += 1;
        if self.report.error_examples.len() < 2 {
            self.report.error_examples.push(why);
        }
    }

    /// Fails only when the socket does.
    async fn on_frame(&mut self, frame: Value) -> anyhow::Result<()> {
        let at = Instant::now();
        let conversation = text(&frame, "conversation").to_owned();
        match kind(&frame) {
            "offer" => {
                self.report.offers += 1;
                self.ledger.offered(&conversation, at);
                self.load.take(&conversation);
                let offer_id = text(&frame, "offer_id").to_owned();
                self.offers.insert(offer_id.clone(), conversation.clone());
                self.accepts.insert(conversation, Instant::now());
                self.socket
                    .send(json!({"type": "accept", "offer_id": offer_id}))
                    .await?;
            }
            "assigned" => {
                self.report.assigned += 1;
                let accepted = self.accepts.remove(&conversation);
                if self.ledger.assigned(&conversation, accepted, at) {
                    self.note_error(format!("{conversation} was assigned twice"));
                }
                self.load.take(&conversation);
                self.socket
                    .send(json!({
                        "type": "message",
                        "conversation": conversation,
                        "client_id": uuid::Uuid::new_v4().to_string(),
                        "text": GREETING,
                    }))
                    .await?;
                let done = self.done_tx.clone();
                let handle = self.handle;
                tokio::spawn(async move {
                    tokio::time::sleep(handle).await;
                    let _ = done.send(conversation);
                });
            }
            "offer_withdrawn" => {
                self.report.withdrawn += 1;
                if let Some(conversation) = self.offers.remove(text(&frame, "offer_id")) {
                    self.load.release(&conversation);
                }
            }
            "ended" => {
                self.report.ended += 1;
                self.load.release(&conversation);
            }
            "status" if text(&frame, "status") == "unavailable" => {
                self.report.set_unavailable += 1;
            }
            "error" => {
                if let Some(conversation) = self.offers.remove(text(&frame, "offer_id")) {
                    self.report.refused += 1;
                    self.accepts.remove(&conversation);
                    self.load.release(&conversation);
                }
                self.note_error(format!("error frame: {frame}"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends `conversation`. It stops counting toward the limit as the end is
    /// sent: the router cannot free the capacity any earlier, and its next
    /// offer may overtake the `ended` frame on the way back.
    async fn end(&mut self, conversation: String) -> anyhow::Result<()> {
        self.load.release(&conversation);
        self.socket
            .send(json!({"type": "end", "conversation": conversation}))
            .await
    }
}
