//! Settling a message once its handler returned: ack, nak with the
//! spec's backoff, or park (and when parking fails, nak).

use std::time::Duration;

use async_nats::jetstream::{self, AckKind};
use switchboard_contracts::subjects;

use super::ConsumerSpec;
use crate::Bus;
use crate::error::{BusError, ErrorKind};
use crate::failure::{Classify, Disposition};
use crate::meters::Settled;

/// What the pipeline does with one message once its handler returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ack,
    Retry(Duration),
    Park(String),
}

/// What a handler's result means for its message on attempt `attempt`.
pub fn settle<E: Classify>(result: Result<(), E>, attempt: i64, spec: &ConsumerSpec) -> Outcome {
    let Err(error) = result else {
        return Outcome::Ack;
    };
    match error.disposition() {
        Disposition::Answered => Outcome::Ack,
        Disposition::Park => Outcome::Park(error.to_string()),
        Disposition::Retry if attempt >= spec.max_deliver => {
            Outcome::Park(format!("gave up after {attempt} attempts: {error}"))
        }
        Disposition::Retry => {
            tracing::debug!(%error, attempt, "will retry");
            Outcome::Retry(spec.backoff.delay(attempt))
        }
    }
}

/// Copies `message` to the parked stream and waits for the stream's ack.
async fn park(
    bus: &Bus,
    spec: &ConsumerSpec,
    message: &jetstream::Message,
    reason: &str,
) -> Result<(), BusError> {
    let mut headers = message.headers.clone().unwrap_or_default();
    headers.insert("Switchboard-Parked-Reason", reason);
    headers.insert("Switchboard-Original-Subject", message.subject.as_str());
    // `SB_PARKED` de-duplicates on `Nats-Msg-Id`: under the original id, a
    // second consumer parking the same message (the router and the work-item
    // service on one bad event) would be dropped. The copy gets an id of its
    // own per consumer (a retried park still lands once) and keeps the
    // original beside it for a replay.
    let original_id = headers
        .get(async_nats::header::NATS_MESSAGE_ID)
        .map(|id| id.as_str().to_owned());
    if let Some(id) = original_id {
        headers.insert("Switchboard-Original-Msg-Id", id.as_str());
        let parked_id = format!("{id}:parked:{}:{}", spec.stream, spec.durable);
        headers.insert(async_nats::header::NATS_MESSAGE_ID, parked_id.as_str());
    }
    let subject = subjects::parked(spec.stream, &spec.durable);
    let unavailable =
        |e: &dyn std::fmt::Display| BusError::new(ErrorKind::Unavailable, e.to_string());
    bus.js
        .publish_with_headers(subject, headers, message.payload.clone())
        .await
        .map_err(|e| unavailable(&e))?
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(())
}

/// Settles one message by its handler's result (see [`settle`]) and meters it.
pub(crate) async fn conclude<E: Classify>(
    bus: &Bus,
    spec: &ConsumerSpec,
    message: &jetstream::Message,
    result: Result<(), E>,
    attempt: i64,
    started: std::time::Instant,
    span: &tracing::Span,
) {
    let outcome = settle(result, attempt, spec);
    let settled = match outcome {
        Outcome::Ack => Settled::Ack,
        Outcome::Retry(_) => Settled::Retry,
        Outcome::Park(_) => Settled::Park,
    };
    let meters = &bus.meters;
    meters.handled(&spec.durable, &message.subject, started.elapsed(), settled);
    let acked = match outcome {
        Outcome::Ack => message.ack().await,
        Outcome::Retry(delay) => {
            let _enter = span.enter();
            tracing::warn!(attempt, ?delay, "handler failed; retrying");
            message.ack_with(AckKind::Nak(Some(delay))).await
        }
        Outcome::Park(reason) => {
            let _enter = span.enter();
            tracing::error!(%reason, "parking a message that cannot be handled");
            match park(bus, spec, message, &reason).await {
                Ok(()) => {
                    meters.parked(&spec.durable);
                    message.ack_with(AckKind::Term).await
                }
                Err(error) => {
                    tracing::error!(%error, "could not park the message; it comes back later");
                    let delay = spec.backoff.delay(attempt);
                    message.ack_with(AckKind::Nak(Some(delay))).await
                }
            }
        }
    };
    if let Err(error) = acked {
        // The server will redeliver after ack_wait; handlers are idempotent.
        tracing::warn!(%error, "ack failed");
    }
}
