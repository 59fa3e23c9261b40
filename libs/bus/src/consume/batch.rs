//! The batch form of the consumer pipeline, for a handler that does better
//! with many messages at once (one transaction, pipelined publishes).
//!
//! One task takes what the server delivered so far — at least one message,
//! at most `max_batch` — in stream order and hands it to the handler as one
//! batch; the next batch fills while it works, so batches grow with the load
//! and a lone message is handled at once. The handler returns one result
//! per message, and each message is settled exactly as in the lane pipeline
//! (ack, nak with backoff, park), only after the handler returned for the
//! whole batch. A handler that keeps a conversation's messages in the order
//! given keeps them in stream order.

use std::future::Future;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, AckKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{ConsumerSpec, Delivery, conclude, open};
use crate::Bus;
use crate::error::{BusError, ErrorKind};
use crate::failure::Classify;

/// Runs the consumer in batches until `shutdown`, then finishes the batch in
/// hand. Reconnects (with backoff) when the stream or consumer goes away.
pub async fn run_batched<H, F, E>(
    bus: Bus,
    spec: ConsumerSpec,
    handler: H,
    shutdown: CancellationToken,
) where
    H: Fn(Vec<Delivery>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Vec<Result<(), E>>> + Send + 'static,
    E: Classify,
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
    F: Future<Output = Vec<Result<(), E>>> + Send + 'static,
    E: Classify,
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
    F: Future<Output = Vec<Result<(), E>>>,
    E: Classify,
{
    let mut batch = Vec::with_capacity(spec.max_batch);
    while rx.recv_many(&mut batch, spec.max_batch).await > 0 {
        let messages = std::mem::take(&mut batch);
        handle(&bus, &spec, messages, &handler).await;
    }
}

async fn handle<H, F, E>(
    bus: &Bus,
    spec: &ConsumerSpec,
    messages: Vec<jetstream::Message>,
    handler: &H,
) where
    H: Fn(Vec<Delivery>) -> F,
    F: Future<Output = Vec<Result<(), E>>>,
    E: Classify,
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
    // While the handler works, tell the server so (see the lane pipeline).
    let keep_alive = async {
        loop {
            tokio::time::sleep(spec.ack_wait / 3).await;
            for message in &messages {
                let _ = message.ack_with(AckKind::Progress).await;
            }
        }
    };
    let spans: Vec<tracing::Span> = deliveries.iter().map(|d| d.span.clone()).collect();
    let results = tokio::select! {
        results = handler(deliveries).instrument(span.clone()) => results,
        () = keep_alive => unreachable!("the keep-alive loop never ends"),
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
        conclude(bus, spec, message, result, attempt, started, span).await;
    }
}
