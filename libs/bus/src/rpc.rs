//! The responder side of core request/reply, written once: a queue
//! subscription on a wildcard subject (instances in the group share the
//! load), requests answered concurrently up to a bound, the subscription
//! taken again if the client closes it under us, and on shutdown a drain, so
//! requests already delivered are still answered.
//!
//! Each service keeps its own decode / decide / answer logic in the handler
//! it passes to [`Responder::serve`]; this module moves messages, opens the
//! request's span under the caller's trace, and encodes the reply. A handler
//! that fails returns an error that knows the reply its caller gets
//! ([`Refuse`]); an error that asks to retry is logged as the service being
//! unavailable.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::failure::{Classify, Disposition};
use crate::{Bus, BusError, ErrorKind, propagation};

/// How long a shutdown waits for requests already delivered.
const DRAIN_GRACE: Duration = Duration::from_secs(5);
/// The longest wait between two attempts to subscribe again.
const RESUBSCRIBE_MAX_DELAY: Duration = Duration::from_secs(5);

/// Where a responder listens.
#[derive(Debug, Clone, Copy)]
pub struct Responder {
    /// The wildcard subject, e.g. every tenant's `sb.rpc.transcript.*`.
    pub subject_filter: &'static str,
    /// The queue group instances share.
    pub queue_group: &'static str,
    /// Requests answered at once (at least one).
    pub concurrency: usize,
}

/// An RPC handler's error: classified like any handler failure, and turned
/// into the reply its caller gets (an error code in the reply message).
pub trait Refuse<M>: Classify {
    fn reply(&self) -> M;
}

/// How the responder's tasks are stopped and awaited: `stop` ends the loop
/// (and starts the drain), `tasks` tracks each answer so the caller's
/// shutdown waits for them.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub stop: CancellationToken,
    pub tasks: TaskTracker,
}

impl Responder {
    /// Subscribes in the queue group and waits until the server has the
    /// subscription (so a request sent right after is not lost).
    pub async fn subscribe(&self, bus: &Bus) -> Result<async_nats::Subscriber, BusError> {
        let subscriber = bus
            .client
            .queue_subscribe(self.subject_filter, self.queue_group.to_owned())
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        bus.client
            .flush()
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        Ok(subscriber)
    }

    /// Answers requests from `subscriber` (made by [`Responder::subscribe`])
    /// with `handler` until `lifecycle.stop`, then drains the subscription.
    /// A request without a reply subject is dropped unanswered.
    pub async fn serve<F, Fut, M, E>(
        self,
        bus: Bus,
        mut subscriber: async_nats::Subscriber,
        handler: F,
        lifecycle: Lifecycle,
    ) where
        F: Fn(async_nats::Message) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<M, E>> + Send + 'static,
        M: prost::Message,
        E: Refuse<M>,
    {
        let permits = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let span_name = format!("rpc {} ({})", self.subject_filter, self.queue_group);
        let mut drain_deadline = None;
        loop {
            let next = match drain_deadline {
                None => tokio::select! {
                    () = lifecycle.stop.cancelled() => {
                        if subscriber.drain().await.is_err() {
                            break;
                        }
                        drain_deadline = Some(tokio::time::Instant::now() + DRAIN_GRACE);
                        continue;
                    }
                    next = subscriber.next() => next,
                },
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, subscriber.next()).await {
                        Ok(next) => next,
                        Err(_) => break,
                    }
                }
            };
            let Some(request) = next else {
                if drain_deadline.is_some() {
                    break;
                }
                // The client was closed under us: subscribe again rather
                // than silently stop answering.
                tracing::warn!(
                    subject = self.subject_filter,
                    "rpc subscription ended; subscribing again"
                );
                match self.resubscribe(&bus, &lifecycle.stop).await {
                    Some(fresh) => subscriber = fresh,
                    None => break,
                }
                continue;
            };
            let Some(reply) = request.reply.clone() else {
                tracing::debug!(subject = %request.subject, "rpc request without a reply subject");
                continue;
            };
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let (handler, client) = (handler.clone(), bus.client.clone());
            // The handler records the conversation a request is about.
            let span = tracing::info_span!(
                "rpc",
                otel.name = span_name.as_str(),
                otel.kind = "server",
                subject = %request.subject,
                queue_group = self.queue_group,
                conversation = tracing::field::Empty,
            );
            propagation::set_parent_from(&span, request.headers.as_ref());
            lifecycle.tasks.spawn(async move {
                let answer = answer(handler(request).instrument(span.clone()).await);
                let payload = Bytes::from(answer.encode_to_vec());
                if let Err(error) = client.publish(reply.clone(), payload).await {
                    tracing::warn!(%error, %reply, "could not send an rpc reply");
                }
                drop(permit);
            });
        }
    }

    /// Subscribes, retrying until `deadline` (the server may still be
    /// starting).
    pub(crate) async fn subscribe_by(
        &self,
        bus: &Bus,
        deadline: tokio::time::Instant,
    ) -> Result<async_nats::Subscriber, switchboard_runtime::startup::RetryError<BusError>> {
        switchboard_runtime::startup::retry_until(
            self.subject_filter,
            deadline,
            || self.subscribe(bus),
            |_| true,
        )
        .await
    }

    async fn resubscribe(
        &self,
        bus: &Bus,
        stop: &CancellationToken,
    ) -> Option<async_nats::Subscriber> {
        let mut delay = Duration::from_millis(100);
        loop {
            tokio::select! {
                () = stop.cancelled() => return None,
                () = tokio::time::sleep(delay) => {}
            }
            match self.subscribe(bus).await {
                Ok(subscriber) => return Some(subscriber),
                Err(error) => {
                    tracing::warn!(%error, subject = self.subject_filter, "cannot subscribe to rpc yet");
                }
            }
            delay = (delay * 2).min(RESUBSCRIBE_MAX_DELAY);
        }
    }
}

/// The reply for a handler's result; a failure is logged by its kind.
fn answer<M, E: Refuse<M>>(result: Result<M, E>) -> M {
    match result {
        Ok(reply) => reply,
        Err(error) => {
            match error.disposition() {
                Disposition::Retry => tracing::warn!(%error, "answered unavailable"),
                Disposition::Park | Disposition::Answered => {
                    tracing::debug!(%error, "request refused");
                }
            }
            error.reply()
        }
    }
}
