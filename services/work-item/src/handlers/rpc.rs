//! Work-item requests over core request/reply: `WorkItemRequest` on
//! `sb.rpc.workitem.{tenant}` (queue group `work-item`, so instances share
//! the load) → `WorkItemPage` (see [`super::answer`] for what each request
//! gets).
//!
//! Requests are answered concurrently, bounded by a semaphore. After a NATS
//! restart the client resubscribes by itself; on shutdown the subscription is
//! drained, so requests already delivered are still answered.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use switchboard_bus::{Bus, BusError, ErrorKind};
use switchboard_contracts::streams::queues;
use switchboard_contracts::subjects::filter;
use switchboard_runtime::shutdown::Shutdown;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::answer::Answerer;

/// Room left in a reply for the headers.
const REPLY_MARGIN: usize = 16 * 1024;
/// How long a shutdown waits for requests already delivered.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// Subscribes to every tenant's work-item subject in the shared queue
/// group, and waits until the server has the subscription.
pub async fn subscribe(bus: &Bus) -> Result<async_nats::Subscriber, BusError> {
    let subscriber = bus
        .client
        .queue_subscribe(filter::ALL_WORKITEM_RPC, queues::WORKITEM_RPC.to_owned())
        .await
        .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
    bus.client
        .flush()
        .await
        .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
    Ok(subscriber)
}

#[derive(Debug, Clone)]
pub struct RpcHandler {
    pub answerer: Answerer,
    pub bus: Bus,
    /// Requests answered at once.
    pub concurrency: usize,
}

impl RpcHandler {
    /// Answers requests from `subscriber` until shutdown, then drains it.
    pub async fn serve(self, mut subscriber: async_nats::Subscriber, shutdown: Shutdown) {
        let permits = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let token = shutdown.token();
        let mut drain_deadline = None;
        loop {
            let next = match drain_deadline {
                None => tokio::select! {
                    () = token.cancelled() => {
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
                tracing::warn!("work-item rpc subscription ended; subscribing again");
                match self.resubscribe(&shutdown).await {
                    Some(fresh) => subscriber = fresh,
                    None => break,
                }
                continue;
            };
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let handler = self.clone();
            shutdown.spawn(async move {
                handler.respond(request).await;
                drop(permit);
            });
        }
    }

    async fn resubscribe(&self, shutdown: &Shutdown) -> Option<async_nats::Subscriber> {
        let mut delay = Duration::from_millis(100);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return None,
                () = tokio::time::sleep(delay) => {}
            }
            match subscribe(&self.bus).await {
                Ok(subscriber) => return Some(subscriber),
                Err(error) => tracing::warn!(%error, "cannot subscribe to work-item rpc yet"),
            }
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    async fn respond(&self, request: async_nats::Message) {
        let Some(reply) = request.reply.clone() else {
            tracing::debug!(subject = %request.subject, "work-item request without a reply subject");
            return;
        };
        let span = tracing::info_span!("workitem.rpc", subject = %request.subject);
        switchboard_bus::propagation::set_parent_from(&span, request.headers.as_ref());
        self.answerer.counters.rpc_requests.inc();
        let budget = self.bus.client.max_payload().saturating_sub(REPLY_MARGIN);
        let page = self
            .answerer
            .answer(&request.subject, request.payload.clone(), budget)
            .instrument(span)
            .await;
        let payload = Bytes::from(page.encode_to_vec());
        if let Err(error) = self.bus.client.publish(reply, payload).await {
            tracing::warn!(%error, "could not send a work-item page");
        }
    }
}
