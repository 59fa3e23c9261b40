//! One simulated signed-in customer on the widget's socket: says hello with
//! its identity token, asks the AI one question and waits for the answer
//! ([`prepare`]), then asks for a person and stays until the agent has
//! answered and ended the chat ([`Waiting::hand_off`]).
//!
//! t0 of the handoff is noted in the shared [`Ledger`] just before
//! `request_human` is sent, and so is the arrival of the agent's message.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::json_socket::{JsonSocket, kind, text};
use crate::ledger::Ledger;
use crate::tenant::QUESTION;

/// How a customer's handoff ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An agent joined, answered and ended the chat.
    Served,
    /// The customer got the fallback message instead of a person.
    Fallback,
    /// The conversation ended before an agent answered (`reason`).
    EndedWithoutAgent(String),
    /// An error frame, a broken socket, or no agent in time.
    Failed(String),
}

/// A customer whose conversation with the AI is under way, ready to ask
/// for a person.
pub struct Waiting {
    socket: JsonSocket,
    conversation: String,
}

/// Connects to `widget_url`, signs in with `token`, asks [`QUESTION`] and
/// waits for both the conversation's id and the AI's answer.
pub async fn prepare(widget_url: &str, token: &str) -> anyhow::Result<Waiting> {
    let mut socket = JsonSocket::connect(widget_url).await?;
    socket
        .send(json!({"type": "hello", "token": token}))
        .await?;
    let welcome = socket.expect("welcome").await?;
    if welcome["signed_in"] != true {
        bail!("the customer token was not accepted: {welcome}");
    }
    let client_id = uuid::Uuid::new_v4().to_string();
    socket
        .send(json!({"type": "message", "client_id": client_id, "text": QUESTION}))
        .await?;
    let mut conversation = None;
    let mut answered = false;
    while conversation.is_none() || !answered {
        let frame = socket.next().await?;
        match kind(&frame) {
            "conversation" => conversation = Some(text(&frame, "id").to_owned()),
            "message" if frame["message"]["author"]["role"] == "ai" => answered = true,
            "error" | "ended" | "fallback" => bail!("before the handoff: {frame}"),
            _ => {}
        }
    }
    Ok(Waiting {
        socket,
        conversation: conversation.context("no conversation frame")?,
    })
}

impl Waiting {
    /// Asks for a person and waits, at most `within`, for the agent's
    /// message and the end of the chat.
    pub async fn hand_off(mut self, ledger: &Ledger, within: Duration) -> Outcome {
        let outcome = match tokio::time::timeout(within, self.until_ended(ledger)).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => Outcome::Failed(format!("{e:#}")),
            Err(_) => Outcome::Failed(format!(
                "the chat had not ended {within:?} after the handoff"
            )),
        };
        self.socket.close().await;
        outcome
    }

    async fn until_ended(&mut self, ledger: &Ledger) -> anyhow::Result<Outcome> {
        ledger.handoff(&self.conversation, Instant::now());
        self.socket.send(json!({"type": "request_human"})).await?;
        let mut answered = false;
        loop {
            let frame = self.socket.next().await?;
            match kind(&frame) {
                "message" if !answered && frame["message"]["author"]["role"] == "agent" => {
                    ledger.agent_message(&self.conversation, Instant::now());
                    answered = true;
                }
                "fallback" => return Ok(Outcome::Fallback),
                "ended" if answered => return Ok(Outcome::Served),
                "ended" => {
                    return Ok(Outcome::EndedWithoutAgent(
                        text(&frame, "reason").to_owned(),
                    ));
                }
                "error" => bail!("after the handoff: {frame}"),
                _ => {}
            }
        }
    }
}
