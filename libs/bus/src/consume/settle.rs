//! Settling a message once its handler returned: ack, nak with the
//! spec's backoff, or park (and when parking fails, nak).

use std::time::Duration;

use async_nats::jetstream;
use switchboard_contracts::subjects;

use super::ConsumerSpec;
use crate::Bus;
use crate::error::{BusError, ErrorKind};
use crate::failure::{Classify, Disposition};

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
pub(crate) async fn park(
    bus: &Bus,
    spec: &ConsumerSpec,
    message: &jetstream::Message,
    reason: &str,
) -> Result<(), BusError> {
    let mut headers = message.headers.clone().unwrap_or_default();
    headers.insert("Switchboard-Parked-Reason", reason);
    headers.insert("Switchboard-Original-Subject", message.subject.as_str());
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
