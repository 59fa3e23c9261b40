//! The delivery worker: takes the due deliveries from the store, signs and
//! POSTs each, and records what happened. [`Worker::step`] is one pass
//! (tests drive it, or watch the log); [`Worker::run`] repeats it whenever
//! the event consumer records something or the poll interval passes.
//!
//! | outcome | then |
//! |---|---|
//! | 2xx | `delivered`; the subscription's run of failures ends |
//! | any other status, no answer, refused target | `failed`, tried again after the backoff; the run grows, and at `pause_after` the subscription pauses |
//! | subscription switched off by an admin | waits |
//! | subscription deleted | its deliveries are forgotten |
//!
//! A paused subscription's deliveries wait until an admin resumes it (the
//! gateway raises the record's generation, which this worker notices).

pub mod http;

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use switchboard_bus::config::{ConfigCache, keys};
use switchboard_contracts::v1::Webhook;
use switchboard_contracts::webhooks::{
    HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, secret_context,
};
use switchboard_runtime::clock::now_ms;
use switchboard_secrets::Keyring;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::DeliverySettings;
use crate::domain::retry::RetryPolicy;
use crate::domain::sign;
use crate::error::StoreError;
use crate::handlers::Counters;
use crate::store::{Due, Store};
use http::{Post, Sender};

/// Deliveries taken per pass.
const BATCH: u32 = 64;

/// The delivery worker. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Worker {
    pub store: Store,
    pub config: ConfigCache,
    pub keys: Keyring,
    pub sender: Sender,
    pub settings: DeliverySettings,
    pub counters: Counters,
    /// Rung by the event consumer after it records deliveries.
    pub wake: Arc<Notify>,
}

impl Worker {
    fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            first: self.settings.retry_first,
            max: self.settings.retry_max,
            pause_after: self.settings.pause_after,
        }
    }

    /// Passes until `stop`: at once after a pass that did something, else
    /// when woken or after the poll interval.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            let worked = match self.step().await {
                Ok(attempted) => attempted > 0,
                Err(error) => {
                    tracing::warn!(%error, "webhook delivery pass failed; trying again");
                    false
                }
            };
            if worked {
                if stop.is_cancelled() {
                    return;
                }
                continue;
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
    }

    /// One pass: resumes what admins resumed, then attempts every due
    /// delivery (one per queue, `concurrency` at once). How many were
    /// attempted.
    pub async fn step(&self) -> Result<usize, StoreError> {
        self.resume_resumed().await?;
        let now = now_ms();
        let due = self.store.due(now, BATCH).await?;
        let lease = i64::try_from(self.settings.timeout.as_millis())
            .unwrap_or(i64::MAX)
            .saturating_mul(2)
            .saturating_add(now);
        let mut claimed = Vec::new();
        for delivery in due {
            if self.store.claim(&delivery.id, now, lease).await? {
                claimed.push(delivery);
            }
        }
        let attempted = claimed.len();
        let results: Vec<Result<(), StoreError>> = futures::stream::iter(claimed)
            .map(|delivery| self.attempt(delivery))
            .buffer_unordered(self.settings.concurrency)
            .collect()
            .await;
        results.into_iter().collect::<Result<(), _>>()?;
        Ok(attempted)
    }

    /// Paused subscriptions whose generation an admin raised go again;
    /// deleted ones are forgotten.
    async fn resume_resumed(&self) -> Result<(), StoreError> {
        for (tenant, state) in self.store.paused().await? {
            let key = keys::webhook(&tenant, &state.subscription);
            match self.config.get::<Webhook>(&key) {
                None if self.config.is_deleted(&key) => {
                    self.store.forget(&state.subscription).await?;
                }
                Some(hook) if hook.generation > state.generation => {
                    self.store.resume(&state.subscription).await?;
                    tracing::info!(subscription = %state.subscription, "webhook subscription resumed");
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn attempt(&self, due: Due) -> Result<(), StoreError> {
        let key = keys::webhook(&due.tenant, &due.subscription);
        let now = now_ms();
        let Some(hook) = self.config.get::<Webhook>(&key) else {
            if self.config.is_deleted(&key) {
                return self.store.forget(&due.subscription).await;
            }
            // Not heard of here yet (a lagging cache): look again later.
            return self.store.postpone(&due.id, now + self.poll_ms()).await;
        };
        if hook.disabled {
            return self.store.postpone(&due.id, now + self.poll_ms()).await;
        }
        self.counters.attempts.inc();
        let outcome = match self.open_secret(&hook) {
            Ok(secret) => {
                let timestamp = now / 1000;
                let body = Bytes::from(due.payload.clone());
                let post = Post {
                    url: &hook.url,
                    headers: vec![
                        (HEADER_ID, due.id.clone()),
                        (HEADER_TIMESTAMP, timestamp.to_string()),
                        (
                            HEADER_SIGNATURE,
                            sign::signature(&secret, &due.id, timestamp, &body),
                        ),
                    ],
                    body,
                };
                self.sender.post(post).await.map_err(|e| e.to_string())
            }
            Err(why) => Err(why),
        };
        let done = now_ms();
        match outcome {
            Ok(answer) if (200..300).contains(&answer.status) => {
                self.counters.delivered.inc();
                self.store
                    .delivered(&due.id, answer.status, &answer.excerpt, done)
                    .await?;
                self.store.reset_failures(&due.subscription).await
            }
            Ok(answer) => {
                let error = format!("the endpoint answered {}", answer.status);
                self.failure(&due, &hook, answer.status, &answer.excerpt, &error, done)
                    .await
            }
            Err(error) => self.failure(&due, &hook, 0, "", &error, done).await,
        }
    }

    async fn failure(
        &self,
        due: &Due,
        hook: &Webhook,
        status: u16,
        excerpt: &str,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.counters.failures.inc();
        let run = self
            .store
            .add_failure(&due.tenant, &due.subscription)
            .await?;
        let after = self.policy().after_failure(due.attempts + 1, run - 1, now);
        let logged = if after.pause {
            format!("{error}; the subscription is paused after {run} consecutive failures")
        } else {
            error.to_owned()
        };
        tracing::info!(
            delivery = %due.id, subscription = %due.subscription, event = %due.event_type,
            error = %logged, "webhook delivery failed"
        );
        self.store
            .failed(
                &due.id,
                status,
                excerpt,
                &logged,
                after.next_attempt_ms,
                now,
            )
            .await?;
        if after.pause {
            self.counters.paused.inc();
            let reason = format!("{run} consecutive failed deliveries; the last: {error}");
            self.store
                .pause(&due.subscription, &reason, now, hook.generation)
                .await?;
            tracing::warn!(subscription = %due.subscription, "webhook subscription paused");
        }
        Ok(())
    }

    /// The signing key: the secret's bytes, opened with the gateway's keys.
    fn open_secret(&self, hook: &Webhook) -> Result<Vec<u8>, String> {
        let sealed = hook
            .secret
            .as_ref()
            .ok_or_else(|| "the subscription has no signing secret".to_owned())?;
        let text = self
            .keys
            .open(sealed, &secret_context(&hook.id))
            .map_err(|e| format!("the signing secret does not open: {e}"))?;
        switchboard_contracts::webhooks::parse_secret(&text)
            .map_err(|e| format!("the stored signing secret {e}"))
    }

    fn poll_ms(&self) -> i64 {
        i64::try_from(self.settings.poll_interval.as_millis()).unwrap_or(1000)
    }
}
