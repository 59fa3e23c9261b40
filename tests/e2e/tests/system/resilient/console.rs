//! An agent console that behaves like the real one under faults
//! (reconnects, says hello again, accepts again what the gateway could not
//! pass on) and, beyond it, reconnects when an answer it waits for does
//! not come: a gateway whose NATS connection was replaced has lost the
//! events published meanwhile (core NATS), and only a new `hello` reads
//! them back. Also what tests do with a pair of consoles.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::customer::Customer;

use super::clients::Chatter;
use super::{SILENT, STEP};

/// An agent console that reconnects when its socket breaks, says hello
/// again and keeps every frame it ever got.
pub(crate) struct Console {
    pub(crate) gateway: String,
    pub(crate) token: String,
    pub(crate) socket: Option<Customer>,
    pub(crate) frames: Vec<Value>,
}

impl Console {
    pub(crate) async fn available(gateway: String, token: &str) -> Self {
        let mut console = Self {
            gateway,
            token: token.to_owned(),
            socket: None,
            frames: Vec::new(),
        };
        console.ensure_socket().await;
        console
            .socket
            .as_mut()
            .unwrap()
            .send(json!({"type": "set_status", "status": "available"}))
            .await;
        console
            .until("available", STEP, |f| {
                f["type"] == "status" && f["status"] == "available"
            })
            .await;
        console
    }

    pub(crate) async fn ensure_socket(&mut self) {
        let deadline = Instant::now() + STEP;
        while self.socket.is_none() {
            assert!(Instant::now() < deadline, "the agent cannot reconnect");
            if let Ok(mut socket) = Customer::open(&format!("{}/ws/agent", self.gateway)).await
                && socket
                    .try_send(json!({"type": "hello", "token": self.token}))
                    .await
                    .is_ok()
            {
                self.socket = Some(socket);
                continue;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reads one frame within `wait`; false when none came.
    pub(crate) async fn pump(&mut self, wait: Duration) -> bool {
        self.ensure_socket().await;
        let socket = self.socket.as_mut().unwrap();
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(frame)) => {
                self.frames.push(frame);
                true
            }
            Ok(None) => {
                self.socket = None;
                false
            }
            Err(_) => false,
        }
    }

    pub(crate) async fn until(
        &mut self,
        what: &str,
        within: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) {
        let deadline = Instant::now() + within;
        let mut from = 0;
        loop {
            if self.frames[from..].iter().any(&wanted) {
                return;
            }
            from = self.frames.len();
            assert!(
                Instant::now() < deadline,
                "the agent saw no {what}: {:?}",
                self.frames
            );
            self.pump(Duration::from_millis(500)).await;
        }
    }

    /// Whether the agent saw the message: as a `message` frame, or in a
    /// transcript (`welcome`'s live conversations, a `transcript` frame).
    pub(crate) fn has_message(&self, conversation: &str, client_id: &str) -> bool {
        let is_it = |m: &Value| m["conversation"] == conversation && m["client_id"] == client_id;
        self.frames.iter().any(|f| match f["type"].as_str() {
            Some("message") => is_it(&f["message"]),
            Some("welcome") => f["conversations"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["transcript"].as_array().into_iter().flatten())
                .any(is_it),
            Some("transcript") => f["messages"].as_array().into_iter().flatten().any(is_it),
            _ => false,
        })
    }

    /// Replaces the socket and reads up to the new `welcome` (the live
    /// conversations with their transcripts; the pending offers follow).
    pub(crate) async fn resync(&mut self) {
        self.socket = None;
        self.ensure_socket().await;
        let from = self.frames.len();
        let deadline = Instant::now() + STEP;
        while !self.frames[from..].iter().any(|f| f["type"] == "welcome") {
            assert!(Instant::now() < deadline, "no welcome after a reconnect");
            self.pump(Duration::from_millis(250)).await;
        }
    }

    /// Sends a message into a held conversation until its echo arrives (or
    /// a transcript read after a reconnect has it).
    pub(crate) async fn say(&mut self, conversation: &str, client_id: &str, text: &str) {
        let deadline = Instant::now() + STEP;
        loop {
            self.ensure_socket().await;
            let frame = json!({
                "type": "message", "conversation": conversation,
                "client_id": client_id, "text": text,
            });
            if self.socket.as_mut().unwrap().try_send(frame).await.is_err() {
                self.socket = None;
                continue;
            }
            let resend = Instant::now() + SILENT;
            while Instant::now() < resend && self.socket.is_some() {
                if self.has_message(conversation, client_id) {
                    return;
                }
                self.pump(Duration::from_millis(250)).await;
            }
            if self.has_message(conversation, client_id) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the agent's {client_id} was never echoed"
            );
            // Stored but its echo lost? The welcome's transcript tells.
            self.resync().await;
            if self.has_message(conversation, client_id) {
                return;
            }
        }
    }

    /// Accepts an offer (the gateway refuses nothing twice: a second
    /// accept of a won offer is a `conflict`).
    pub(crate) async fn accept(&mut self, offer_id: &Value) {
        self.ensure_socket().await;
        let frame = json!({"type": "accept", "offer_id": offer_id});
        if self.socket.as_mut().unwrap().try_send(frame).await.is_err() {
            self.socket = None;
        }
    }

    /// What the router told this agent, in short: offers, assignments,
    /// withdrawals, status changes and errors (for a failure's message).
    pub(crate) fn routing(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter(|f| f["type"] != "message" && f["type"] != "typing")
            .map(|f| {
                let about = [&f["offer_id"], &f["conversation"], &f["status"], &f["code"]];
                let about: Vec<String> = about
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                format!("{} {}", f["type"].as_str().unwrap_or("?"), about.join(" "))
            })
            .collect()
    }

    /// Conversations this agent was assigned, as `assigned` frames tell,
    /// or a `welcome` lists among its live ones.
    pub(crate) fn assigned(&self) -> Vec<String> {
        let mut held: Vec<String> = Vec::new();
        for frame in &self.frames {
            let ids = match frame["type"].as_str() {
                Some("assigned") => vec![&frame["conversation"]],
                Some("welcome") => frame["conversations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| &c["id"])
                    .collect(),
                _ => Vec::new(),
            };
            for id in ids.into_iter().filter_map(Value::as_str) {
                if !held.iter().any(|h| h == id) {
                    held.push(id.to_owned());
                }
            }
        }
        held
    }
}

/// The agents accept every offer they got (this call or earlier) for a
/// conversation they do not hold, each once per socket, and again when the
/// gateway answers `unavailable` for it, until they hold `total`
/// conversations between them. When no offer or assignment comes for
/// [`SILENT`], the consoles reconnect: the welcome lists what they hold and
/// the gateway offers again what is pending.
pub(crate) async fn accept_until(agents: &mut [Console], total: usize, within: Duration) {
    let deadline = Instant::now() + within;
    let mut read = vec![0; agents.len()];
    let mut accepted = BTreeSet::new();
    let mut quiet_since = Instant::now();
    while held_by_all(agents) < total {
        assert!(
            Instant::now() < deadline,
            "the agents hold {} of {total} conversations after {within:?}; they saw {:?}",
            held_by_all(agents),
            agents.iter().map(Console::routing).collect::<Vec<_>>()
        );
        if quiet_since.elapsed() > SILENT {
            for agent in agents.iter_mut() {
                agent.resync().await;
            }
            accepted.clear();
            quiet_since = Instant::now();
        }
        for (agent, read) in agents.iter_mut().zip(&mut read) {
            agent.pump(Duration::from_millis(200)).await;
            let new: Vec<Value> = agent.frames[*read..].to_vec();
            *read = agent.frames.len();
            let held = agent.assigned();
            for frame in new {
                if frame["type"] == "offer" || frame["type"] == "assigned" {
                    quiet_since = Instant::now();
                }
                let offer = &frame["offer_id"];
                // An offer id is `{conversation}:{n}`.
                let open = offer
                    .as_str()
                    .and_then(|o| o.rsplit_once(':'))
                    .is_none_or(|(c, _)| !held.iter().any(|h| h == c));
                let first = frame["type"] == "offer" && open && accepted.insert(offer.to_string());
                let refused = frame["type"] == "error" && frame["code"] == "unavailable";
                if first || (refused && open && offer.is_string()) {
                    agent.accept(offer).await;
                }
            }
        }
    }
}

fn held_by_all(agents: &[Console]) -> usize {
    agents.iter().map(|a| a.assigned().len()).sum()
}

/// A customer message and the holding agent's answer, each sent until it is
/// acknowledged, and the answer read by the customer.
pub(crate) async fn exchange(
    customer: &mut Chatter,
    agent: &mut Console,
    customer_says: &str,
    agent_says: &str,
) {
    customer.say(customer_says, "one more thing").await;
    let id = customer.conversation.clone().expect("a conversation");
    agent.say(&id, agent_says, "on it").await;
    let deadline = Instant::now() + STEP;
    while customer.stored(agent_says).is_none() {
        assert!(
            Instant::now() < deadline,
            "{agent_says} never reached the customer"
        );
        if customer.socket.is_none() {
            customer.ensure_socket(deadline, agent_says).await;
        } else {
            customer.pump(SILENT).await;
        }
    }
}

/// Which agent (by index) holds each conversation, as `assigned` frames
/// tell.
pub(crate) fn holders(agents: &[Console]) -> BTreeMap<String, usize> {
    agents
        .iter()
        .enumerate()
        .flat_map(|(i, a)| a.assigned().into_iter().map(move |c| (c, i)))
        .collect()
}
