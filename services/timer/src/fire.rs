//! Firing: a loop that sleeps until the next timer is due (or an earlier one
//! arrives), takes every due timer from the table, and hands each to a
//! bounded pool of fire tasks.
//!
//! A fire task publishes the timer (awaiting the stream's ack, with the
//! timer's `Nats-Msg-Id`), then deletes its record *only at the revision it
//! fired*: a timer re-armed meanwhile keeps its newer revision and fires at
//! its new time. A failed attempt goes back on the wheel with backoff
//! instead of holding a slot, so a target that is down cannot starve the
//! others, and a due timer is never dropped. If the publish succeeded but
//! the delete did not, the retry publishes again and the stream's duplicate
//! window stores it once.

use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::kv::UpdateErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::publish::PublishAck;
use bytes::Bytes;
use prost::Message as _;
use switchboard_bus::propagation;
use switchboard_bus::timers::{self, TOMBSTONE_TTL};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::Timer;
use switchboard_runtime::clock::now_ms_unsigned as now_ms;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::domain::Due;
use crate::error::FireError;
use crate::shared::Shared;

/// How long one publish or delete may take before the attempt counts as failed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest wait between attempts: short, so that timers that came due
/// while NATS was away fire soon after it is back.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// The longest sleep; anything sooner that arrives wakes the loop anyway.
const IDLE: Duration = Duration::from_secs(3600);

/// Runs until `stop`. Fire tasks are spawned on `jobs`, at most
/// `max_in_flight` at a time, so a shutdown can wait for them.
pub async fn run(
    shared: Arc<Shared>,
    max_in_flight: usize,
    stop: CancellationToken,
    jobs: TaskTracker,
) {
    let permits = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let mut due = Vec::new();
    loop {
        let now = now_ms();
        let next = shared.update(|table| {
            table.advance(now, &mut due);
            (table.next_due(), false)
        });
        for item in due.drain(..) {
            let permit = tokio::select! {
                biased;
                () = stop.cancelled() => return,
                permit = permits.clone().acquire_owned() => permit,
            };
            let Ok(permit) = permit else { return };
            jobs.spawn(fire(shared.clone(), item, permit));
        }
        // The wheel's bound is never late; waking early only costs a loop.
        let sleep = next.map_or(IDLE, |at| {
            Duration::from_millis(at.saturating_sub(now_ms())).min(IDLE)
        });
        tokio::select! {
            () = stop.cancelled() => return,
            () = shared.wake.notified() => {}
            () = tokio::time::sleep(sleep) => {}
        }
    }
}

async fn fire(shared: Arc<Shared>, due: Due, _permit: OwnedSemaphorePermit) {
    let timer = match fireable(&due.record) {
        Ok(timer) => timer,
        Err(error) => {
            // Its head read when it was loaded, the rest cannot be fired:
            // not written by the client, which validates. Retrying cannot help.
            tracing::error!(key = %due.key, %error, "timer record left in the bucket, not fired");
            shared.update(|table| (table.complete(&due), false));
            return;
        }
    };
    // The wall clock may have stepped back since the wheel handed it out.
    if now_ms() < timer.due_ms {
        let attempts = due.attempts;
        shared.update(|table| ((), table.retry(due, timer.due_ms, attempts)));
        return;
    }
    if !shared.table().is_current(&due) {
        return; // re-armed, cancelled or handed over since it was taken
    }
    let span = tracing::info_span!(
        "timer.fire",
        otel.kind = "producer",
        key = %due.key,
        subject = %timer.subject,
        conversation = tracing::field::Empty,
    );
    if let Some(conversation) = subjects::conversation_of(&timer.subject) {
        span.record("conversation", tracing::field::display(conversation));
    }
    // The fire joins the scheduler's trace (before the span starts: a
    // started span keeps its parent), and the receiver joins the fire's.
    propagation::set_parent_from(&span, Some(&stored_headers(&timer)));
    let outcome = attempt(&shared, &due, &timer).instrument(span).await;
    match outcome {
        Ok(()) => shared.update(|table| (table.complete(&due), false)),
        Err(error) => {
            let attempts = due.attempts.saturating_add(1);
            if attempts == 1 || attempts.is_multiple_of(20) {
                tracing::warn!(key = %due.key, attempts, %error, "timer fire failed; retrying");
            }
            shared.counters.fire_retries.inc();
            let backoff = MAX_BACKOFF.min(Duration::from_millis(25 << attempts.min(5)));
            let retry_at = now_ms() + backoff.as_millis() as u64;
            shared.update(|table| ((), table.retry(due, retry_at, attempts)));
        }
    }
}

/// Publishes, then deletes the record at the revision fired.
async fn attempt(shared: &Shared, due: &Due, timer: &Timer) -> Result<(), FireError> {
    let ack = publish(shared, timer).await?;
    let counters = &shared.counters;
    if ack.duplicate {
        counters.duplicate_fires.inc();
    } else {
        counters.fired.inc();
        counters.record_lateness(now_ms().saturating_sub(timer.due_ms));
    }
    let deleted = tokio::time::timeout(
        ATTEMPT_TIMEOUT,
        shared
            .timers
            .purge_expect_revision_with_ttl(&*due.key, due.revision, TOMBSTONE_TTL),
    )
    .await
    .map_err(|_| FireError::DeleteTimedOut)?;
    match deleted {
        Ok(()) => Ok(()),
        // A newer revision (re-armed or cancelled): not ours to delete.
        Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Ok(()),
        Err(error) => Err(FireError::Delete(error)),
    }
}

/// The headers the timer was scheduled with (its trace context among them).
/// Why a due record can never be fired.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotFireable {
    #[error("it does not decode: {0}")]
    Undecodable(#[from] prost::DecodeError),
    /// A header name the client refuses would make the publish panic.
    #[error("it is not a timer the client would schedule: {0}")]
    Invalid(#[from] timers::InvalidTimer),
}

/// The record as a timer that can be published: it decodes and keeps the
/// rules the client checks when scheduling.
pub(crate) fn fireable(record: &[u8]) -> Result<Timer, NotFireable> {
    let timer = Timer::decode(record)?;
    timers::validate(&timer)?;
    Ok(timer)
}

fn stored_headers(timer: &Timer) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &timer.headers {
        headers.insert(name.as_str(), value.as_str());
    }
    headers
}

async fn publish(shared: &Shared, timer: &Timer) -> Result<PublishAck, FireError> {
    let mut headers = stored_headers(timer);
    propagation::inject_current(&mut headers);
    let message = PublishMessage::build()
        .payload(Bytes::from(timer.payload.clone()))
        .headers(headers)
        .message_id(timers::msg_id(timer));
    let failed = |source| FireError::Publish {
        subject: timer.subject.clone(),
        source,
    };
    shared.bus.meters.published(&timer.subject, "durable");
    let sent = async {
        let ack: PublishAckFuture = shared
            .bus
            .js
            .send_publish(timer.subject.clone(), message)
            .await
            .map_err(failed)?;
        ack.await.map_err(failed)
    };
    tokio::time::timeout(ATTEMPT_TIMEOUT, sent)
        .await
        .map_err(|_| FireError::PublishTimedOut {
            subject: timer.subject.clone(),
        })?
}

#[cfg(test)]
#[path = "fire_fuzz.rs"]
mod fuzz;
