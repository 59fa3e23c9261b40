//! The pipeline in batches per lane: the same durable consumer, lanes and
//! settling as [`super::run`], but a lane hands its handler every message it holds at
//! once (up to a bound) instead of one at a time. Lanes are keyed by subject,
//! so a subject's messages that arrived while the previous batch was handled
//! come together, in order: a handler can decide them in one step and write
//! once where it would otherwise write per message.
//!
//! The handler returns one result per delivery, in order; each message is
//! then settled by its own result, exactly as in the one-at-a-time pipeline.

use std::future::Future;

use async_nats::jetstream::{self, AckKind};
use futures::future::join_all;
use switchboard_contracts::ids::ConversationId;
use switchboard_contracts::subjects;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{ConsumerSpec, Delivery, conclude, run_lanes};
use crate::Bus;
use crate::failure::Classify;
use crate::propagation;

/// Runs the consumer in batches of at most `max_batch` until `shutdown`.
pub async fn run_lane_batched<H, F, E>(
    bus: Bus,
    spec: ConsumerSpec,
    max_batch: usize,
    handler: H,
    shutdown: CancellationToken,
) where
    H: Fn(Vec<Delivery>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Vec<Result<(), E>>> + Send + 'static,
    E: Classify,
{
    let lanes = {
        let (bus, spec) = (bus.clone(), spec.clone());
        move |rx| {
            batch_lane(
                bus.clone(),
                spec.clone(),
                max_batch.max(1),
                rx,
                handler.clone(),
            )
        }
    };
    run_lanes(bus, spec, lanes, shutdown).await;
}

async fn batch_lane<H, F, E>(
    bus: Bus,
    spec: ConsumerSpec,
    max_batch: usize,
    mut rx: mpsc::UnboundedReceiver<jetstream::Message>,
    handler: H,
) where
    H: Fn(Vec<Delivery>) -> F,
    F: Future<Output = Vec<Result<(), E>>>,
    E: Classify,
{
    let span_name = format!(
        "consume {} ({}) batch",
        spec.filter_subjects.join(" "),
        spec.durable
    );
    while let Some(first) = rx.recv().await {
        let mut messages = vec![first];
        while messages.len() < max_batch {
            match rx.try_recv() {
                Ok(message) => messages.push(message),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "consume",
            otel.name = span_name.as_str(),
            otel.kind = "consumer",
            stream = spec.stream,
            consumer = %spec.durable,
            messages = messages.len(),
            conversation = tracing::field::Empty,
        );
        // A batch of one conversation's messages names it, as a single
        // message's span does; a mixed batch names none.
        if let Some(conversation) = common_conversation(&messages) {
            span.record("conversation", tracing::field::display(conversation));
        }
        // The batch joins the trace of its first message.
        propagation::set_parent_from(&span, messages[0].headers.as_ref());
        let deliveries: Vec<Delivery> = messages
            .iter()
            .map(|message| Delivery::of(&bus, &spec, message))
            .collect();
        let attempts: Vec<i64> = deliveries.iter().map(|d| d.attempt).collect();
        // Progress acks while the handler works, as in the single pipeline.
        let keep_alive = async {
            loop {
                tokio::time::sleep(spec.ack_wait / 3).await;
                join_all(messages.iter().map(|m| m.ack_with(AckKind::Progress))).await;
            }
        };
        let mut results = tokio::select! {
            results = handler(deliveries).instrument(span.clone()) => results,
            () = keep_alive => unreachable!("the keep-alive loop never ends"),
        }
        .into_iter();
        for (message, attempt) in messages.iter().zip(attempts) {
            match results.next() {
                Some(result) => {
                    conclude(&bus, &spec, message, result, attempt, started, &span).await;
                }
                None => {
                    // A handler that returned too few results: the rest come back.
                    tracing::error!(subject = %message.subject, "the batch handler gave no result; redelivering");
                    let delay = spec.backoff.delay(attempt);
                    let _ = message.ack_with(AckKind::Nak(Some(delay))).await;
                }
            }
        }
    }
}

/// The conversation every message's subject names, if they all name one.
fn common_conversation(messages: &[jetstream::Message]) -> Option<ConversationId> {
    let mut named = messages
        .iter()
        .map(|message| subjects::conversation_of(&message.subject));
    let first = named.next()??;
    named.all(|other| other == Some(first)).then_some(first)
}
