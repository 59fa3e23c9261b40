//! A customer that behaves like the widget does under faults (reconnect,
//! resume, resend unacknowledged frames with the same ids), and the time
//! helpers the scenarios share.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::customer::Customer;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{SILENT, STEP};

pub(crate) fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub(crate) fn at(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a timestamp"), &Rfc3339).expect("RFC 3339")
}

/// A customer that behaves like the widget under faults: it keeps the
/// thread by `seq`, and when its socket breaks or goes silent it reconnects
/// (to the next gateway when its own is down) with its resume token and
/// resends what was not acknowledged, with the same client id.
pub(crate) struct Chatter {
    pub(crate) gateways: Vec<String>,
    pub(crate) gateway: usize,
    pub(crate) widget: String,
    pub(crate) token: Option<String>,
    pub(crate) resume: Option<String>,
    pub(crate) conversation: Option<String>,
    pub(crate) socket: Option<Customer>,
    pub(crate) thread: BTreeMap<u64, Value>,
    /// Every non-message frame with when it arrived.
    pub(crate) events: Vec<(OffsetDateTime, Value)>,
    /// Client ids this customer saw acknowledged (echoed with a `seq`).
    pub(crate) acked: Vec<String>,
}

impl Chatter {
    pub(crate) fn new(
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

    pub(crate) fn record(&mut self, frame: &Value) {
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

    pub(crate) fn stored(&self, client_id: &str) -> Option<&Value> {
        self.thread.values().find(|m| m["client_id"] == client_id)
    }

    /// A socket that has said hello (and resumed, when there is a thread).
    pub(crate) async fn connect(&mut self) -> Option<Customer> {
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

    pub(crate) async fn ensure_socket(&mut self, deadline: Instant, what: &str) {
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
    pub(crate) async fn pump(&mut self, silence: Duration) -> bool {
        self.pump_frame(silence).await.is_some()
    }

    /// As [`Self::pump`], returning the frame read.
    pub(crate) async fn pump_frame(&mut self, silence: Duration) -> Option<Value> {
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
    pub(crate) async fn say(&mut self, client_id: &str, text: &str) -> Value {
        self.say_within(client_id, text, STEP, SILENT).await
    }

    /// An `error` frame fails the test at once (a dropped frame, e.g.
    /// `rate_limited`, would otherwise look like a silent socket), except
    /// `unavailable`, which asks for the same frame again shortly.
    pub(crate) async fn say_within(
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
            if frame["type"] == "error" && !repeat_of_request_human(&frame) {
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

    /// Sends messages `{tag}-1`, `{tag}-2`, ... (a new one whenever the last
    /// is not stored within a second or the socket breaks) until one is
    /// stored; returns the time from `since` to then.
    pub(crate) async fn first_round_trip(
        &mut self,
        tag: &str,
        since: Instant,
        within: Duration,
    ) -> Duration {
        let mut attempt = 0;
        loop {
            assert!(
                since.elapsed() < within,
                "{tag}: no round trip within {within:?}; saw {:?} and {:?}",
                self.events,
                self.thread
            );
            attempt += 1;
            if self.socket.is_none() {
                self.socket = self.connect().await;
                if self.socket.is_none() {
                    continue;
                }
            }
            let client_id = format!("{tag}-{attempt}");
            let frame = json!({"type": "message", "client_id": client_id, "text": "hello?"});
            let _ = self.socket.as_mut().unwrap().try_send(frame).await;
            let sent = Instant::now();
            while self.stored(&client_id).is_none()
                && sent.elapsed() < Duration::from_secs(1)
                && self.socket.is_some()
            {
                self.pump(Duration::from_secs(1)).await;
            }
            if self.stored(&client_id).is_some() {
                self.acked.push(client_id);
                return since.elapsed();
            }
        }
    }

    /// Asks for a person (unless `sent`: the frame is already on its way)
    /// and waits until the conversation is queued (or already live). Asks
    /// again after `unavailable`, and after a socket that broke or stayed
    /// silent for [`SILENT`] was replaced and the resumed conversation is
    /// still with the AI (the gateway answers a repeat that was not needed
    /// with `invalid` "already with the support team": handed over too;
    /// [`Self::say`] ignores that answer when it comes later).
    pub(crate) async fn request_human(&mut self, mut sent: bool) {
        let deadline = Instant::now() + STEP;
        let handed = |e: &Value| {
            e["type"] == "queued"
                || (e["type"] == "conversation" && (e["state"] == "queued" || e["state"] == "live"))
        };
        let from = self.events.len();
        loop {
            if self.events[from..].iter().any(|(_, e)| handed(e)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "request_human never queued: {:?}",
                self.events
            );
            if self.socket.is_none() {
                // The resume's `conversation` frame says where it is.
                self.ensure_socket(deadline, "request_human").await;
                sent = false;
                continue;
            }
            if !sent {
                let frame = json!({"type": "request_human"});
                if self.socket.as_mut().unwrap().try_send(frame).await.is_err() {
                    self.socket = None;
                    continue;
                }
                sent = true;
            }
            let Some(frame) = self.pump_frame(SILENT).await else {
                continue;
            };
            if repeat_of_request_human(&frame) {
                return;
            }
            if frame["type"] == "error" {
                assert_eq!(frame["code"], "unavailable", "request_human: {frame}");
                // Retry pace while a service recovers.
                tokio::time::sleep(Duration::from_millis(100)).await;
                sent = false;
            }
        }
    }

    /// Sends a frame that is not a message, once, on the current socket.
    pub(crate) async fn send(&mut self, frame: Value) {
        self.ensure_socket(Instant::now() + STEP, "a frame").await;
        self.socket.as_mut().unwrap().send(frame).await;
    }

    /// Reads until an event matches `wanted` (reconnecting when the socket
    /// breaks; a silent socket is fine here).
    pub(crate) async fn await_event(
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

/// The gateway's answer to a `request_human` sent again (after a
/// reconnect) for a conversation the first one already handed over.
fn repeat_of_request_human(frame: &Value) -> bool {
    frame["code"] == "invalid"
        && frame["message"]
            .as_str()
            .is_some_and(|m| m.contains("already with the support team"))
}
