//! The one consumer pipeline every service uses.
//!
//! A durable pull consumer with explicit acks feeds a fixed number of lanes.
//! Messages are spread over lanes by subject, so one conversation's messages
//! are handled in order while different conversations run concurrently. The
//! handler returns `Ok` or an error that [`Classify`]s itself; the pipeline
//! settles the message (see [`settle`]):
//!
//! - `Ok`, or a refusal already answered, acks.
//! - A retry naks with the spec's [`Backoff`] for this attempt; after
//!   `max_deliver` attempts the message is parked.
//! - A park is for poison (undecodable, impossible): the message is copied to
//!   `sb.parked.{stream}.{consumer}` with the reason, where an operator can
//!   inspect it, then terminated so it stops blocking. Should the copy fail,
//!   the message is nakked instead: it comes back and is parked later, never
//!   lost.
//!
//! A handler that never returns (crash) leaves the message unacked: the
//! server redelivers it after `ack_wait`. Handlers must be idempotent.

use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, AckKind, consumer::pull};
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use switchboard_contracts::subjects;

use crate::Bus;
use crate::error::{BusError, ErrorKind};
use crate::failure::{Backoff, Classify};
use crate::propagation;

mod batch;
mod lane_batch;
mod settle;

pub use batch::run_batched;
pub use lane_batch::run_lane_batched;
use settle::conclude;
pub use settle::{Outcome, settle};

/// Messages the pipeline holds per lane, on average: with the lane count it
/// sets `max_ack_pending`, the bound on messages delivered and not yet acked.
const LANE_DEPTH: usize = 4;

/// One delivered message, as a handler sees it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub subject: String,
    pub payload: Bytes,
    pub headers: Option<HeaderMap>,
    /// 1 on first delivery.
    pub attempt: i64,
    /// The message's sequence in its stream: the same on every redelivery, so
    /// it can serve as an idempotency key for a message that carries none.
    pub stream_sequence: u64,
    /// This message's `consume` span, a child of the sender's trace: a batch
    /// handler does each message's work (and publishes) inside it.
    pub span: tracing::Span,
}

impl Delivery {
    /// `message` as its handler sees it, counted as delivered, inside its
    /// own `consume` span.
    pub(crate) fn of(bus: &Bus, spec: &ConsumerSpec, message: &jetstream::Message) -> Self {
        let (attempt, stream_sequence, pending) = message
            .info()
            .map(|i| (i.delivered, i.stream_sequence, i.pending))
            .unwrap_or((1, 0, 0));
        bus.meters.delivered(&spec.durable, attempt, pending);
        Self {
            subject: message.subject.to_string(),
            payload: message.payload.clone(),
            headers: message.headers.clone(),
            attempt,
            stream_sequence,
            span: consume_span(spec, message, attempt),
        }
    }
}

/// A durable consumer and how to run it.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    pub stream: &'static str,
    pub durable: String,
    pub filter_subjects: Vec<String>,
    /// Redelivery delay when a handler neither acks nor naks (crash, hang).
    pub ack_wait: Duration,
    /// Attempts before a retried message is parked.
    pub max_deliver: i64,
    /// Messages handled concurrently; one conversation always uses one lane.
    pub lanes: usize,
    /// The delays between attempts of a message whose handler asked to retry.
    pub backoff: Backoff,
    /// The most messages one call of a batch handler gets ([`run_batched`]).
    pub max_batch: usize,
}

impl ConsumerSpec {
    pub fn new(
        stream: &'static str,
        durable: impl Into<String>,
        filter: impl Into<String>,
    ) -> Self {
        Self::filtered(stream, durable, vec![filter.into()])
    }

    /// A consumer with several filters (its `filter_subjects`): the server
    /// delivers what matches any of them and nothing else. An existing
    /// durable takes the filters it is given when the pipeline starts (its
    /// config is created or updated).
    pub fn filtered(
        stream: &'static str,
        durable: impl Into<String>,
        filter_subjects: Vec<String>,
    ) -> Self {
        Self {
            stream,
            durable: durable.into(),
            filter_subjects,
            ack_wait: Duration::from_secs(5),
            max_deliver: 20,
            lanes: 16,
            backoff: Backoff::default(),
            max_batch: 1,
        }
    }

    /// Batches of at most `max_batch` messages (for [`run_batched`]).
    pub fn max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch.max(1);
        self
    }

    pub fn max_deliver(mut self, max_deliver: i64) -> Self {
        self.max_deliver = max_deliver.max(1);
        self
    }

    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = Backoff { first, max };
        self
    }

    pub fn lanes(mut self, lanes: usize) -> Self {
        self.lanes = lanes.max(1);
        self
    }

    pub fn ack_wait(mut self, ack_wait: Duration) -> Self {
        self.ack_wait = ack_wait;
        self
    }

    fn pull_config(&self) -> pull::Config {
        pull::Config {
            durable_name: Some(self.durable.clone()),
            filter_subjects: self.filter_subjects.clone(),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: self.ack_wait,
            max_deliver: self.max_deliver + 1,
            // Bounds the messages waiting in lanes, so one rarely waits
            // longer than ack_wait (a redelivery would be handled again,
            // harmlessly: handlers are idempotent).
            // A batch consumer holds up to a batch being handled and the
            // next ones filling behind it.
            max_ack_pending: (self.lanes as i64 * (LANE_DEPTH as i64 + 1))
                .max(4 * self.max_batch as i64)
                .max(64),
            ..Default::default()
        }
    }
}

/// Runs the consumer until `shutdown`, then lets the lanes finish what they
/// hold. Reconnects (with backoff) when the stream or consumer goes away.
pub async fn run<H, F, E>(bus: Bus, spec: ConsumerSpec, handler: H, shutdown: CancellationToken)
where
    H: Fn(Delivery) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: Classify,
{
    let lanes = {
        let (bus, spec) = (bus.clone(), spec.clone());
        move |rx| lane(bus.clone(), spec.clone(), rx, handler.clone())
    };
    run_lanes(bus, spec, lanes, shutdown).await;
}

/// The pump and its restarts, with `spawn_lane` making each lane's task.
pub(crate) async fn run_lanes<L, Fut>(
    bus: Bus,
    spec: ConsumerSpec,
    spawn_lane: L,
    shutdown: CancellationToken,
) where
    L: Fn(mpsc::UnboundedReceiver<jetstream::Message>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_cancelled() {
        match pump(&bus, &spec, &spawn_lane, &shutdown).await {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(%error, durable = %spec.durable, "consumer interrupted; restarting");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn pump<L, Fut>(
    bus: &Bus,
    spec: &ConsumerSpec,
    spawn_lane: &L,
    shutdown: &CancellationToken,
) -> Result<(), BusError>
where
    L: Fn(mpsc::UnboundedReceiver<jetstream::Message>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut messages = open(bus, spec).await?;

    let mut lanes = Vec::with_capacity(spec.lanes);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..spec.lanes {
        // Unbounded per lane: the server's `max_ack_pending` already bounds
        // what the whole pipeline holds. A bounded lane would block the pump
        // whenever one lane filled up, idling every other lane behind it
        // (head-of-line blocking): under load the pipeline then ran at the
        // speed of a single lane.
        let (tx, rx) = mpsc::unbounded_channel::<jetstream::Message>();
        lanes.push(tx);
        workers.spawn(spawn_lane(rx));
    }

    let result = loop {
        let next = tokio::select! {
            () = shutdown.cancelled() => break Ok(()),
            next = messages.next() => next,
        };
        match next {
            None => {
                break Err(BusError::new(
                    ErrorKind::Unavailable,
                    "message stream ended",
                ));
            }
            Some(Err(error)) => {
                tracing::debug!(%error, "consumer stream hiccup");
            }
            Some(Ok(message)) => {
                let lane = lane_of(&message.subject, lanes.len());
                if lanes[lane].send(message).is_err() {
                    break Err(BusError::new(ErrorKind::Unavailable, "lane stopped"));
                }
            }
        }
    };
    drop(lanes);
    while workers.join_next().await.is_some() {}
    result
}

/// The consumer's message stream: creates (or updates) the durable consumer
/// and starts pulling.
async fn open(bus: &Bus, spec: &ConsumerSpec) -> Result<pull::Stream, BusError> {
    let unavailable =
        |e: &dyn std::fmt::Display| BusError::new(ErrorKind::Unavailable, e.to_string());
    let stream = bus
        .js
        .get_stream(spec.stream)
        .await
        .map_err(|e| unavailable(&e))?;
    let consumer: jetstream::consumer::Consumer<pull::Config> = stream
        .create_consumer(spec.pull_config())
        .await
        .map_err(|e| unavailable(&e))?;
    consumer
        .stream()
        .heartbeat(Duration::from_secs(5))
        .messages()
        .await
        .map_err(|e| unavailable(&e))
}

/// The `consume` span of one message, continuing the trace its headers carry.
pub(crate) fn consume_span(
    spec: &ConsumerSpec,
    message: &jetstream::Message,
    attempt: i64,
) -> tracing::Span {
    let name = format!(
        "consume {} ({})",
        spec.filter_subjects.join(" "),
        spec.durable
    );
    // A handler whose subject does not name the conversation records
    // it (`telemetry::record_conversation`) once it has decoded it.
    let span = tracing::info_span!(
        "consume",
        otel.name = name.as_str(),
        otel.kind = "consumer",
        subject = %message.subject,
        stream = spec.stream,
        consumer = %spec.durable,
        attempt,
        conversation = tracing::field::Empty,
    );
    if let Some(conversation) = subjects::conversation_of(&message.subject) {
        span.record("conversation", tracing::field::display(conversation));
    }
    propagation::set_parent_from(&span, message.headers.as_ref());
    span
}

pub(crate) fn lane_of(subject: &str, lanes: usize) -> usize {
    // An event's kind is not part of its conversation: one conversation's
    // messages and state changes share a lane, in order.
    let key = match subjects::event_kind_of(subject) {
        Some(kind) => &subject[..subject.len() - kind.token().len() - 1],
        None => subject,
    };
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % lanes as u64) as usize
}

async fn lane<H, F, E>(
    bus: Bus,
    spec: ConsumerSpec,
    mut rx: mpsc::UnboundedReceiver<jetstream::Message>,
    handler: H,
) where
    H: Fn(Delivery) -> F,
    F: Future<Output = Result<(), E>>,
    E: Classify,
{
    while let Some(message) = rx.recv().await {
        let started = std::time::Instant::now();
        let delivery = Delivery::of(&bus, &spec, &message);
        let (attempt, span) = (delivery.attempt, delivery.span.clone());
        // While the handler works, tell the server so (a progress ack every
        // third of ack_wait): a short ack_wait then only ever means "the
        // handler's process died", and its messages come back within seconds.
        let keep_alive = async {
            loop {
                tokio::time::sleep(spec.ack_wait / 3).await;
                let _ = message.ack_with(AckKind::Progress).await;
            }
        };
        let result = tokio::select! {
            result = handler(delivery).instrument(span.clone()) => result,
            () = keep_alive => unreachable!("the keep-alive loop never ends"),
        };
        conclude(&bus, &spec, &message, result, attempt, started, &span).await;
    }
}
