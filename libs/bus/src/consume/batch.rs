//! The batch form of the consumer pipeline, for a handler that does better
//! with many messages at once (one transaction, pipelined publishes).
//!
//! One task takes what the server delivered so far — at least one message,
//! at most `max_batch` — in stream order and hands it to the handler as one
//! batch; the next batch fills while it works, so batches grow with the load
//! and a lone message is handled at once. The handler works in two stages
//! ([`crate::service::StagedBatchConsumer`]): its first stage runs batch
//! after batch in stream order; its second (waiting for acks, say) runs in
//! a task of its own beside the next batches' first stage, at most
//! [`SETTLING_DEPTH`] batches at a time. The second stage gives one result
//! per message, and each message is settled exactly as in the lane pipeline
//! (ack, nak with backoff, park), only after that stage returned for the
//! whole batch. A handler that keeps a conversation's messages in the order
//! given keeps them in stream order.

use std::future::Future;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, AckKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{ConsumerSpec, Delivery, conclude, open};
use crate::Bus;
use crate::error::{BusError, ErrorKind};
use crate::failure::Classify;
use crate::service::Settling;

/// Runs the consumer in batches until `shutdown`, then finishes the batch in
/// hand. Reconnects (with backoff) when the stream or consumer goes away.
pub async fn run_batched<H, F, E>(
    bus: Bus,
    spec: ConsumerSpec,
    handler: H,
    shutdown: CancellationToken,
) where
    H: Fn(Vec<Delivery>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Settling<E>> + Send + 'static,
    E: Classify + Send + 'static,
{
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_cancelled() {
        match pump(&bus, &spec, handler.clone(), &shutdown).await {
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

async fn pump<H, F, E>(
    bus: &Bus,
    spec: &ConsumerSpec,
    handler: H,
    shutdown: &CancellationToken,
) -> Result<(), BusError>
where
    H: Fn(Vec<Delivery>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Settling<E>> + Send + 'static,
    E: Classify + Send + 'static,
{
    let mut messages = open(bus, spec).await?;
    // Unbounded: the server's `max_ack_pending` bounds what it holds.
    let (tx, rx) = mpsc::unbounded_channel::<jetstream::Message>();
    let worker = tokio::spawn(batches(bus.clone(), spec.clone(), rx, handler));
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
            Some(Err(error)) => tracing::debug!(%error, "consumer stream hiccup"),
            Some(Ok(message)) => {
                if tx.send(message).is_err() {
                    break Err(BusError::new(
                        ErrorKind::Unavailable,
                        "batch worker stopped",
                    ));
                }
            }
        }
    };
    drop(tx);
    let _ = worker.await;
    result
}

async fn batches<H, F, E>(
    bus: Bus,
    spec: ConsumerSpec,
    mut rx: mpsc::UnboundedReceiver<jetstream::Message>,
    handler: H,
) where
    H: Fn(Vec<Delivery>) -> F,
    F: Future<Output = Settling<E>>,
    E: Classify + Send + 'static,
{
    let mut settling = JoinSet::new();
    let mut batch = Vec::with_capacity(spec.max_batch);
    while rx.recv_many(&mut batch, spec.max_batch).await > 0 {
        while settling.try_join_next().is_some() {}
        while settling.len() >= SETTLING_DEPTH {
            settling.join_next().await;
        }
        let messages = std::mem::take(&mut batch);
        settling.spawn(handle(&bus, &spec, messages, &handler).await);
    }
    while settling.join_next().await.is_some() {}
}

/// Batches whose second stage may still be running while the next one's
/// first stage runs: enough to overlap the waits of one with the work of
/// the next, few enough to bound what the pipeline holds.
const SETTLING_DEPTH: usize = 4;

/// Runs the batch's first stage and returns its second stage, which ends by
/// settling each message.
async fn handle<H, F, E>(
    bus: &Bus,
    spec: &ConsumerSpec,
    messages: Vec<jetstream::Message>,
    handler: &H,
) -> impl Future<Output = ()> + Send + 'static
where
    H: Fn(Vec<Delivery>) -> F,
    F: Future<Output = Settling<E>>,
    E: Classify + Send + 'static,
{
    let started = Instant::now();
    let span = tracing::info_span!(
        "consume batch",
        otel.kind = "consumer",
        stream = spec.stream,
        consumer = %spec.durable,
        size = messages.len(),
    );
    let deliveries: Vec<Delivery> = messages
        .iter()
        .map(|message| Delivery::of(bus, spec, message))
        .collect();
    let attempts: Vec<i64> = deliveries.iter().map(|d| d.attempt).collect();
    let spans: Vec<tracing::Span> = deliveries.iter().map(|d| d.span.clone()).collect();
    let settling = tokio::select! {
        settling = handler(deliveries).instrument(span.clone()) => settling,
        () = keep_alive(spec, &messages) => unreachable!("the keep-alive loop never ends"),
    };
    let (bus, spec) = (bus.clone(), spec.clone());
    async move {
        let results = tokio::select! {
            results = settling.instrument(span) => results,
            () = keep_alive(&spec, &messages) => unreachable!("the keep-alive loop never ends"),
        };
        if results.len() != messages.len() {
            // A handler bug; retrying the whole batch is the safe answer.
            tracing::error!(
                got = results.len(),
                want = messages.len(),
                "batch handler miscounted"
            );
            for message in &messages {
                let _ = message
                    .ack_with(AckKind::Nak(Some(spec.backoff.first)))
                    .await;
            }
            return;
        }
        for (((message, result), attempt), span) in
            messages.iter().zip(results).zip(attempts).zip(&spans)
        {
            conclude(&bus, &spec, message, result, attempt, started, span).await;
        }
    }
}

/// While a batch is being handled, tells the server so now and then (see
/// the lane pipeline); never ends.
async fn keep_alive(spec: &ConsumerSpec, messages: &[jetstream::Message]) {
    loop {
        tokio::time::sleep(spec.ack_wait / 3).await;
        for message in messages {
            let _ = message.ack_with(AckKind::Progress).await;
        }
    }
}
