//! The fault test's clients: a customer and an agent console that behave
//! like the widget and the console do under faults (reconnect, resume,
//! resend unacknowledged frames with the same ids).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::customer::Customer;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{SILENT, STEP};

pub(super) fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

pub(super) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(super) fn at(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a timestamp"), &Rfc3339).expect("RFC 3339")
}

/// A customer that behaves like the widget under faults: it keeps the
/// thread by `seq`, and when its socket breaks or goes silent it reconnects
/// (to the next gateway when its own is down) with its resume token and
/// resends what was not acknowledged, with the same client id.
pub(super) struct Chatter {
    pub(super) gateways: Vec<String>,
    pub(super) gateway: usize,
    pub(super) widget: String,
    pub(super) token: Option<String>,
    pub(super) resume: Option<String>,
    pub(super) conversation: Option<String>,
    pub(super) socket: Option<Customer>,
    pub(super) thread: BTreeMap<u64, Value>,
    /// Every non-message frame with when it arrived.
    pub(super) events: Vec<(OffsetDateTime, Value)>,
    /// Client ids this customer saw acknowledged (echoed with a `seq`).
    pub(super) acked: Vec<String>,
}

impl Chatter {
    pub(super) fn new(
        gateways: Vec<String>,
        gateway: usize,
        widget: &str,
        token: Option<String>,
    ) -> Self {
        Self {
            gateways,
            gateway,
            widget: widget.to_owned(),
            token,
            resume: None,
            conversation: None,
            socket: None,
            thread: BTreeMap::new(),
            events: Vec::new(),
            acked: Vec::new(),
        }
    }

    pub(super) fn record(&mut self, frame: &Value) {
        match frame["type"].as_str() {
            Some("message") => {
                let message = frame["message"].clone();
                if let Some(seq) = message["seq"].as_u64() {
                    self.thread.insert(seq, message);
                }
                return;
            }
            Some("transcript") => {
                for message in frame["messages"].as_array().into_iter().flatten() {
                    if let Some(seq) = message["seq"].as_u64() {
                        self.thread.insert(seq, message.clone());
                    }
                }
            }
            Some("error") if frame["code"] == "resume_invalid" => {
                // Never stored: the next message starts a conversation.
                self.resume = None;
                self.conversation = None;
            }
            Some("conversation") => {
                self.conversation = frame["id"].as_str().map(str::to_owned);
                if let Some(resume) = frame["resume_token"].as_str() {
                    self.resume = Some(resume.to_owned());
                }
            }
            _ => {}
        }
        self.events.push((now(), frame.clone()));
    }

    pub(super) fn stored(&self, client_id: &str) -> Option<&Value> {
        self.thread.values().find(|m| m["client_id"] == client_id)
    }

    /// A socket that has said hello (and resumed, when there is a thread).
    pub(super) async fn connect(&mut self) -> Option<Customer> {
        let ws = &self.gateways[self.gateway];
        let Ok(mut socket) = Customer::try_connect(ws, &self.widget).await else {
            self.gateway = (self.gateway + 1) % self.gateways.len();
            return None;
        };
        let mut hello = json!({"type": "hello"});
        if let Some(token) = &self.token {
            hello["token"] = json!(token);
        }
        if let Some(resume) = &self.resume {
            hello["resume"] = json!(resume);
        }
        socket.try_send(hello).await.ok()?;
        loop {
            let frame = tokio::time::timeout(SILENT, socket.next()).await.ok()??;
            self.record(&frame);
            match frame["type"].as_str() {
                Some("welcome") if self.resume.is_none() => return Some(socket),
                Some("transcript") => return Some(socket),
                Some("error") if frame["code"] == "resume_invalid" => return Some(socket),
                Some("error") => return None,
                _ => {}
            }
        }
    }

    pub(super) async fn ensure_socket(&mut self, deadline: Instant, what: &str) {
        while self.socket.is_none() {
            assert!(Instant::now() < deadline, "no socket for {what}");
            self.socket = self.connect().await;
            if self.socket.is_none() {
                // Retry pace while a gateway restarts.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// Reads one frame; false when the socket broke or stayed silent for
    /// `silence` (the socket is then dropped).
    pub(super) async fn pump(&mut self, silence: Duration) -> bool {
        self.pump_frame(silence).await.is_some()
    }

    /// As [`Self::pump`], returning the frame read.
    pub(super) async fn pump_frame(&mut self, silence: Duration) -> Option<Value> {
        let socket = self.socket.as_mut().expect("a socket");
        match tokio::time::timeout(silence, socket.next()).await {
            Ok(Some(frame)) => {
                self.record(&frame);
                Some(frame)
            }
            _ => {
                self.socket = None;
                None
            }
        }
    }

    /// Sends `client_id` (again after a reconnect) until its echo is seen;
    /// returns the stored message.
    pub(super) async fn say(&mut self, client_id: &str, text: &str) -> Value {
        self.say_within(client_id, text, STEP, SILENT).await
    }

    /// An `error` frame fails the test at once (a dropped frame, e.g.
    /// `rate_limited`, would otherwise look like a silent socket), except
    /// `unavailable`, which asks for the same frame again shortly.
    pub(super) async fn say_within(
        &mut self,
        client_id: &str,
        text: &str,
        within: Duration,
        silence: Duration,
    ) -> Value {
        let deadline = Instant::now() + within;
        let mut sent_on_this_socket = false;
        loop {
            if let Some(message) = self.stored(client_id) {
                let message = message.clone();
                self.acked.push(client_id.to_owned());
                return message;
            }
            assert!(
                Instant::now() < deadline,
                "{client_id} was never acknowledged; thread: {:?}",
                self.thread.values().collect::<Vec<_>>()
            );
            if self.socket.is_none() {
                self.ensure_socket(deadline, client_id).await;
                sent_on_this_socket = false;
                continue;
            }
            if !sent_on_this_socket {
                let frame = json!({"type": "message", "client_id": client_id, "text": text});
                if self.socket.as_mut().unwrap().try_send(frame).await.is_err() {
                    self.socket = None;
                    continue;
                }
                sent_on_this_socket = true;
            }
            let Some(frame) = self.pump_frame(silence).await else {
                continue;
            };
            if frame["type"] == "error" {
                assert_eq!(
                    frame["code"], "unavailable",
                    "{client_id}: the gateway refused a frame: {frame}"
                );
                // Retry pace while a service recovers.
                tokio::time::sleep(Duration::from_millis(100)).await;
                sent_on_this_socket = false;
            }
        }
    }

    /// Sends a frame that is not a message, once, on the current socket.
    pub(super) async fn send(&mut self, frame: Value) {
        self.ensure_socket(Instant::now() + STEP, "a frame").await;
        self.socket.as_mut().unwrap().send(frame).await;
    }

    /// Reads until an event matches `wanted` (reconnecting when the socket
    /// breaks; a silent socket is fine here).
    pub(super) async fn await_event(
        &mut self,
        what: &str,
        within: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) {
        let deadline = Instant::now() + within;
        let mut from = 0;
        loop {
            if self.events[from..].iter().any(|(_, e)| wanted(e)) {
                return;
            }
            from = self.events.len();
            assert!(
                Instant::now() < deadline,
                "no {what}; events: {:?}",
                self.events
            );
            if self.socket.is_none() {
                self.ensure_socket(deadline, what).await;
                continue;
            }
            let socket = self.socket.as_mut().unwrap();
            match tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
                Ok(Some(frame)) => self.record(&frame),
                Ok(None) => self.socket = None,
                Err(_) => {}
            }
        }
    }
}

/// An agent console that reconnects when its socket breaks, says hello
/// again and keeps every frame it ever got.
pub(super) struct Console {
    pub(super) gateway: String,
    pub(super) token: String,
    pub(super) socket: Option<Customer>,
    pub(super) frames: Vec<Value>,
}

impl Console {
    pub(super) async fn available(gateway: String, token: &str) -> Self {
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

    pub(super) async fn ensure_socket(&mut self) {
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
    pub(super) async fn pump(&mut self, wait: Duration) -> bool {
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

    pub(super) async fn until(
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

    pub(super) fn has_message(&self, conversation: &str, client_id: &str) -> bool {
        self.frames.iter().any(|f| {
            f["type"] == "message"
                && f["message"]["conversation"] == conversation
                && f["message"]["client_id"] == client_id
        })
    }

    /// Sends a message into a held conversation until its echo arrives.
    pub(super) async fn say(&mut self, conversation: &str, client_id: &str, text: &str) {
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
        }
    }

    /// Conversations this agent was assigned, as `assigned` frames tell.
    pub(super) fn assigned(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter(|f| f["type"] == "assigned")
            .filter_map(|f| f["conversation"].as_str().map(str::to_owned))
            .collect()
    }
}
