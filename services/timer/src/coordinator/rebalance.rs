//! Rebalancing: following the plan from `domain::assignment` — handing over
//! what is no longer this instance's share, taking what is — and reporting
//! readiness.

use std::collections::BTreeSet;

use bytes::Bytes;
use futures::future::join_all;
use switchboard_contracts::streams::timer_keys::{self, PARTITIONS};
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;

use super::{Coordinator, Held};
use crate::domain::assignment::{self, Take};
use crate::partition;

impl Coordinator {
    /// Hands over what is no longer this instance's share, takes what is,
    /// and reports readiness.
    pub(super) async fn rebalance(&mut self, stop: &CancellationToken) {
        let (instances, leases) = self.view.snapshot(Instant::now());
        let held: BTreeSet<u16> = self.held.keys().copied().collect();
        let plan = assignment::plan(&self.me, PARTITIONS, &instances, &leases, &held);
        for &p in &plan.release {
            self.release(p).await;
        }
        let op_timeout = self.interval();
        let value = self.lease_value();
        let sent = Instant::now();
        let leases_store = &self.leases;
        let takes = plan.take.iter().map(|&(p, how)| {
            let value = value.clone();
            async move {
                let key = timer_keys::lease_key(p);
                let result = match how {
                    Take::Create => timeout(op_timeout, leases_store.create(&key, value))
                        .await
                        .map(|r| r.map_err(|e| e.to_string())),
                    Take::Update { revision } => {
                        timeout(op_timeout, leases_store.update(&key, value, revision))
                            .await
                            .map(|r| r.map_err(|e| e.to_string()))
                    }
                };
                (p, result)
            }
        });
        let results = join_all(takes).await;
        for (p, result) in results {
            match result {
                Ok(Ok(revision)) => self.own(p, revision, sent + self.ttl, &value, stop),
                Ok(Err(_)) => {
                    // Lost the race or the view was behind: read the truth.
                    let key = timer_keys::lease_key(p);
                    if let Ok(Ok(entry)) = timeout(op_timeout, self.leases.entry(&key)).await {
                        self.view.refresh(&key, entry);
                    }
                }
                Err(_) => {} // timed out; if it landed, the lease names us and is taken back
            }
        }
        let ready = plan.desired.iter().eq(self.held.keys())
            && self.held.values().all(|h| h.suspended_at.is_none())
            && {
                let table = self.shared.table();
                self.held.keys().all(|&p| table.is_loaded(p))
            };
        if ready != self.ready.is_ready() {
            tracing::info!(ready, partitions = ?self.held.keys().collect::<Vec<_>>(), "timer readiness");
        }
        self.ready.set(ready);
    }

    fn own(
        &mut self,
        p: u16,
        revision: u64,
        valid_until: Instant,
        value: &Bytes,
        stop: &CancellationToken,
    ) {
        tracing::info!(partition = p, "took a partition lease");
        self.view
            .observe(&timer_keys::lease_key(p), revision, Some(value.clone()));
        let generation = self.shared.update(|table| (table.own(p), false));
        let follower = stop.child_token();
        self.followers.spawn(partition::follow(
            self.shared.clone(),
            p,
            generation,
            follower.clone(),
        ));
        self.held.insert(
            p,
            Held {
                revision,
                valid_until,
                follower,
                suspended_at: None,
            },
        );
        self.count_owned();
    }

    /// Stops firing `p`, then deletes its lease so its next owner need not
    /// wait for the TTL.
    async fn release(&mut self, p: u16) {
        let Some(held) = self.held.remove(&p) else {
            return;
        };
        tracing::info!(partition = p, "handing a partition over");
        let revision = held.revision;
        self.forget(p, held);
        let key = timer_keys::lease_key(p);
        let _ = timeout(
            self.interval(),
            self.leases.delete_expect_revision(&key, Some(revision)),
        )
        .await;
    }

    pub(super) async fn release_all(&mut self) {
        self.ready.set(false);
        let held: Vec<u16> = self.held.keys().copied().collect();
        for p in held {
            self.release(p).await;
        }
        let key = timer_keys::instance_key(&self.me);
        let _ = timeout(self.interval(), self.leases.delete(&key)).await;
    }
}
