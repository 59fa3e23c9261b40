//! Live chats held open for the message benchmarks (P1, P2, P7): a
//! `support_team` tenant whose agents accept every offer, and signed-in
//! customers each in a live conversation with one of them.
//!
//! A benchmark message's text is its [`tag`](open_loop::tag). The agent who
//! receives it notes its arrival as kind [`TO_AGENT`] (P1), the customer who
//! sent it notes its echo — sent once the transcript has committed it — as
//! kind [`ECHO`] (persisted). In a pump (P2) each customer keeps a window of
//! messages outstanding, sending the next one on each echo.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::closed_loop::histogram;
use crate::json_socket::{JsonSocket, kind, text};
use crate::open_loop::{Step, parse_tag, tag};
use crate::team::{self, Team};

/// Arrival kinds of an open-loop step in the pool.
pub const TO_AGENT: usize = 0;
pub const ECHO: usize = 1;

/// Connecting and going live, per customer.
const LIVE_WITHIN: Duration = Duration::from_secs(60);
const CONNECT_BATCH: usize = 50;
/// Conversations per agent (the product allows 1–20).
const PER_AGENT: usize = 10;

/// A pump: customers sending as fast as their echoes come back.
pub struct Pump {
    pub id: u32,
    measure_from: Instant,
    until: Instant,
    running: AtomicBool,
    pub echoed: AtomicU64,
    pub micros: Mutex<Histogram<u64>>,
}

impl Pump {
    pub fn new(id: u32, measure_from: Instant, until: Instant) -> Self {
        Self {
            id,
            measure_from,
            until,
            running: AtomicBool::new(true),
            echoed: AtomicU64::new(0),
            micros: Mutex::new(histogram()),
        }
    }

    pub fn stop(&self) {
        self.running.store(false, Ordering::Relaxed);
    }
}

/// What the pool's tasks look at: the step or pump under way, if any.
#[derive(Default)]
struct Current {
    step: RwLock<Option<Arc<Step>>>,
    pump: RwLock<Option<Arc<Pump>>>,
    errors: Mutex<Vec<String>>,
    /// Customer messages an agent received, of any step.
    agent_messages: AtomicUsize,
}

impl Current {
    fn step(&self, id: u32) -> Option<Arc<Step>> {
        let step = self.step.read().ok()?.clone()?;
        (step.id == id).then_some(step)
    }

    fn pump(&self, id: u32) -> Option<Arc<Pump>> {
        let pump = self.pump.read().ok()?.clone()?;
        (pump.id == id).then_some(pump)
    }

    fn note(&self, error: String) {
        if let Ok(mut errors) = self.errors.lock()
            && errors.len() < 10
        {
            errors.push(error);
        }
    }
}

enum Out {
    Tagged(u32, usize),
    Pump(Arc<Pump>, usize),
}

pub struct Pool {
    senders: Vec<mpsc::UnboundedSender<Out>>,
    current: Arc<Current>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    pub tenant: String,
    pub admin_token: String,
    /// A conversation of `read_messages` customer messages, never written
    /// to again: what P7 reads.
    pub read_conversation: String,
    pub read_messages: usize,
}

impl Pool {
    /// `conversations` live chats under load plus one to read.
    pub async fn open(
        gateway_url: &str,
        ws_base: &str,
        operator_token: &str,
        conversations: usize,
        read_messages: usize,
    ) -> anyhow::Result<Self> {
        let total = conversations + 1;
        let agents = total.div_ceil(PER_AGENT);
        let team = team::create(
            gateway_url,
            operator_token,
            agents,
            PER_AGENT as u32,
            "support_team",
        )
        .await
        .context("the live-chat tenant")?;
        let current = Arc::new(Current::default());
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        for token in &team.agent_tokens {
            let socket = crate::routing_agent::connect(ws_base, token).await?;
            tasks.push(tokio::spawn(agent(
                socket,
                Arc::clone(&current),
                stop_rx.clone(),
            )));
        }
        let url = format!("{ws_base}/ws/customer?widget={}", team.widget);
        let team = Arc::new(team);
        let opened: Vec<anyhow::Result<(JsonSocket, String)>> = futures::stream::iter(0..total)
            .map(|n| {
                let (url, team) = (url.clone(), Arc::clone(&team));
                async move {
                    tokio::time::timeout(LIVE_WITHIN, go_live(&url, &team, n))
                        .await
                        .unwrap_or_else(|_| bail!("not live within {LIVE_WITHIN:?}"))
                }
            })
            .buffer_unordered(CONNECT_BATCH)
            .collect()
            .await;
        let mut customers = Vec::with_capacity(total);
        for result in opened {
            customers.push(result.context("open a live chat")?);
        }
        let (mut reader, read_conversation) = customers.pop().expect("at least one");
        for n in 0..read_messages {
            let tag = format!("history {n}");
            reader
                .send(json!({"type": "message", "client_id": tag, "text": tag}))
                .await?;
            wait_echo(&mut reader, &tag).await?;
        }
        reader.close().await;
        let mut senders = Vec::with_capacity(conversations);
        for (socket, _) in customers {
            let (tx, rx) = mpsc::unbounded_channel();
            senders.push(tx);
            tasks.push(tokio::spawn(customer(
                socket,
                rx,
                Arc::clone(&current),
                stop_rx.clone(),
            )));
        }
        Ok(Self {
            senders,
            current,
            stop,
            tasks,
            tenant: team.tenant.clone(),
            admin_token: team.admin_token.clone(),
            read_conversation,
            read_messages,
        })
    }

    pub fn conversations(&self) -> usize {
        self.senders.len()
    }

    /// Makes `step` the one arrivals are noted against.
    pub fn begin_step(&self, step: &Arc<Step>) {
        if let Ok(mut current) = self.current.step.write() {
            *current = Some(Arc::clone(step));
        }
    }

    /// Queues message `index` of the current step, round-robin over the chats.
    pub fn send(&self, step: u32, index: usize) {
        let _ = self.senders[index % self.senders.len()].send(Out::Tagged(step, index));
    }

    /// Starts `pump` with `window` messages outstanding per chat.
    pub fn begin_pump(&self, pump: &Arc<Pump>, window: usize) {
        if let Ok(mut current) = self.current.pump.write() {
            *current = Some(Arc::clone(pump));
        }
        for tx in &self.senders {
            let _ = tx.send(Out::Pump(Arc::clone(pump), window));
        }
    }

    pub fn errors(&self) -> Vec<String> {
        self.current
            .errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    pub async fn close(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Connects customer `n`, signs in, starts a chat and waits until an agent
/// has it; the socket and the conversation's id.
async fn go_live(url: &str, team: &Team, n: usize) -> anyhow::Result<(JsonSocket, String)> {
    let mut socket = JsonSocket::connect(url).await?;
    let token = team.customer_token(&format!("bench-{n}"))?;
    socket
        .send(json!({"type": "hello", "token": token}))
        .await?;
    socket.expect("welcome").await?;
    socket
        .send(json!({"type": "message", "client_id": format!("start-{n}"), "text": "I need help"}))
        .await?;
    loop {
        let frame = socket.next().await?;
        match (kind(&frame), text(&frame, "state")) {
            ("conversation", "live") => return Ok((socket, text(&frame, "id").to_owned())),
            ("ended" | "fallback" | "error", _) => bail!("before an agent joined: {frame}"),
            _ => {}
        }
    }
}

async fn wait_echo(socket: &mut JsonSocket, client_id: &str) -> anyhow::Result<()> {
    loop {
        let frame = socket.next().await?;
        match kind(&frame) {
            "message" if frame["message"]["client_id"] == client_id => return Ok(()),
            "error" | "ended" => bail!("while writing the history: {frame}"),
            _ => {}
        }
    }
}

fn message_frame(text: &str) -> serde_json::Value {
    json!({"type": "message", "client_id": text, "text": text})
}

async fn customer(
    mut socket: JsonSocket,
    mut outbox: mpsc::UnboundedReceiver<Out>,
    current: Arc<Current>,
    mut stop: watch::Receiver<bool>,
) {
    // Pump messages in flight: index → when sent.
    let mut in_flight: HashMap<usize, Instant> = HashMap::new();
    let mut pumped = 0usize;
    let me = uuid::Uuid::new_v4().as_u128() as usize & 0xFFFF_FFFF;
    loop {
        let result: anyhow::Result<()> = tokio::select! {
            _ = stop.changed() => break,
            Some(out) = outbox.recv() => match out {
                Out::Tagged(step, index) => socket.send(message_frame(&tag(step, index))).await,
                Out::Pump(pump, window) => {
                    let mut sent = Ok(());
                    for _ in 0..window {
                        pumped += 1;
                        let index = me * 1_000_000 + pumped;
                        in_flight.insert(index, Instant::now());
                        sent = socket.send(message_frame(&tag(pump.id, index))).await;
                        if sent.is_err() { break; }
                    }
                    sent
                }
            },
            frame = socket.next() => match frame {
                Ok(frame) => {
                    let at = Instant::now();
                    let message = &frame["message"];
                    let echo = kind(&frame) == "message" && message["author"]["role"] == "customer";
                    match parse_tag(message["text"].as_str().unwrap_or_default()) {
                        Some((id, index)) if echo => {
                            if let Some(step) = current.step(id) {
                                step.arrived(ECHO, index, at);
                                Ok(())
                            } else if let Some(pump) = current.pump(id) {
                                on_pump_echo(&mut socket, &pump, &mut in_flight, index, at, &mut pumped, me).await
                            } else {
                                Ok(())
                            }
                        }
                        _ if kind(&frame) == "error" || kind(&frame) == "ended" => {
                            current.note(format!("customer: {frame}"));
                            Ok(())
                        }
                        _ => Ok(()),
                    }
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            current.note(format!("customer socket: {e:#}"));
            break;
        }
    }
    socket.close().await;
}

async fn on_pump_echo(
    socket: &mut JsonSocket,
    pump: &Pump,
    in_flight: &mut HashMap<usize, Instant>,
    index: usize,
    at: Instant,
    pumped: &mut usize,
    me: usize,
) -> anyhow::Result<()> {
    let Some(sent) = in_flight.remove(&index) else {
        return Ok(());
    };
    if at >= pump.measure_from && at < pump.until {
        pump.echoed.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut micros) = pump.micros.lock() {
            micros.saturating_record((at - sent).as_micros().max(1) as u64);
        }
    }
    if !pump.running.load(Ordering::Relaxed) || at >= pump.until {
        return Ok(());
    }
    *pumped += 1;
    let next = me * 1_000_000 + *pumped;
    in_flight.insert(next, Instant::now());
    socket.send(message_frame(&tag(pump.id, next))).await
}

/// Accepts every offer; notes every benchmark message from a customer.
async fn agent(mut socket: JsonSocket, current: Arc<Current>, mut stop: watch::Receiver<bool>) {
    loop {
        let result: anyhow::Result<()> = tokio::select! {
            _ = stop.changed() => break,
            frame = socket.next() => match frame {
                Ok(frame) => {
                    let at = Instant::now();
                    match kind(&frame) {
                        "offer" => {
                            socket.send(json!({"type": "accept", "offer_id": text(&frame, "offer_id")})).await
                        }
                        "message" if frame["message"]["author"]["role"] == "customer" => {
                            current.agent_messages.fetch_add(1, Ordering::Relaxed);
                            if let Some((id, index)) = parse_tag(frame["message"]["text"].as_str().unwrap_or_default())
                                && let Some(step) = current.step(id)
                            {
                                step.arrived(TO_AGENT, index, at);
                            }
                            Ok(())
                        }
                        "error" | "ended" => {
                            current.note(format!("agent: {frame}"));
                            Ok(())
                        }
                        _ => Ok(()),
                    }
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            current.note(format!("agent socket: {e:#}"));
            break;
        }
    }
    socket.close().await;
}
