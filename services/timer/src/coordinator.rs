//! The lease coordinator: every round it renews this instance's heartbeat and
//! leases, drops partitions whose lease it lost, then follows the plan from
//! `domain::assignment` — hands over partitions that are no longer its share
//! and takes the ones that are. Owning a partition means following its
//! records into the timer table; losing it means forgetting them.
//!
//! A lease is renewed by compare-and-set on its revision every `interval`
//! (a third of the TTL, at most a second). If renewals keep failing (NATS is
//! away) the partition is *suspended* one interval before the TTL runs out:
//! it stops firing before anyone else may take the lease, but keeps its
//! timers. A later renewal that still succeeds on the same revision proves
//! nobody took the lease meanwhile, and the partition resumes without a
//! reload; a lease found in another's name is lost and its timers dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv::{self, UpdateErrorKind};
use bytes::Bytes;
use futures::future::join_all;
use prost::Message;
use switchboard_contracts::streams::timer_keys::{self, PARTITIONS};
use switchboard_contracts::v1::{TimerInstance, TimerLease};
use switchboard_runtime::health::Readiness;
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::domain::assignment::{self, Take};
use crate::leases::LeaseView;
use crate::partition;
use crate::shared::Shared;

/// How long a partition may stay suspended before it is dropped. Its watch
/// must not miss a delete marker, which expire after `TOMBSTONE_TTL`.
const MAX_SUSPENSION: Duration = Duration::from_secs(5 * 60);

struct Held {
    revision: u64,
    /// The lease is ours until then, counted from when the renewal was sent.
    valid_until: Instant,
    follower: CancellationToken,
    /// Set while renewals have failed for (almost) the whole TTL.
    suspended_at: Option<Instant>,
}

pub struct Coordinator {
    pub shared: Arc<Shared>,
    pub leases: kv::Store,
    pub view: LeaseView,
    pub me: String,
    pub ttl: Duration,
    pub ready: Readiness,
    /// Where the partition followers run.
    pub followers: TaskTracker,
    held: BTreeMap<u16, Held>,
}

impl Coordinator {
    pub fn new(
        shared: Arc<Shared>,
        leases: kv::Store,
        view: LeaseView,
        me: String,
        ttl: Duration,
        ready: Readiness,
    ) -> Self {
        Self {
            shared,
            leases,
            view,
            me,
            ttl,
            ready,
            followers: TaskTracker::new(),
            held: BTreeMap::new(),
        }
    }

    fn interval(&self) -> Duration {
        (self.ttl / 3).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    /// Runs rounds until `stop`, then hands every lease over and says goodbye.
    pub async fn run(mut self, stop: CancellationToken) {
        tokio::select! {
            () = stop.cancelled() => return,
            () = self.view.loaded() => {}
        }
        let mut next_renewal = Instant::now();
        loop {
            let suspended = self.held.values().any(|h| h.suspended_at.is_some());
            let renew = suspended || Instant::now() >= next_renewal;
            if renew {
                next_renewal = Instant::now() + self.interval();
                self.renew().await;
            }
            self.rebalance(&stop).await;
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep_until(next_renewal) => {}
                () = self.shared.changed.notified() => {}
            }
        }
        self.release_all().await;
    }

    fn lease_value(&self) -> Bytes {
        let ttl_ms = self.ttl.as_millis() as u64;
        let lease = TimerLease {
            owner: self.me.clone(),
            ttl_ms,
        };
        Bytes::from(lease.encode_to_vec())
    }

    /// Heartbeat and every held lease, at once; then drops what was lost.
    async fn renew(&mut self) {
        let op_timeout = self.interval();
        let heartbeat = TimerInstance {
            id: self.me.clone(),
            ttl_ms: self.ttl.as_millis() as u64,
        };
        let instance_key = timer_keys::instance_key(&self.me);
        let value = self.lease_value();
        let sent = Instant::now();
        let leases = &self.leases;
        let renewals = self.held.iter().map(|(&p, held)| {
            let value = value.clone();
            async move {
                let key = timer_keys::lease_key(p);
                (p, timeout(op_timeout, leases.update(key, value, held.revision)).await)
            }
        });
        let beat = timeout(op_timeout, leases.put(&instance_key, heartbeat.encode_to_vec().into()));
        let (beat, renewals) = tokio::join!(beat, join_all(renewals));
        if let Ok(Ok(revision)) = beat {
            self.view
                .observe(&instance_key, revision, Some(heartbeat.encode_to_vec().into()));
        }
        for (p, result) in renewals {
            match result {
                Ok(Ok(revision)) => self.renewed(p, revision, sent + self.ttl, &value),
                Ok(Err(error)) if error.kind() == UpdateErrorKind::WrongLastRevision => {
                    self.reconcile(p).await;
                }
                // NATS is away or slow: the TTL decides.
                Ok(Err(_)) | Err(_) => {}
            }
        }
        let now = Instant::now();
        let deadline = now + self.interval();
        let mut lost = Vec::new();
        for (&p, held) in &mut self.held {
            match held.suspended_at {
                None if held.valid_until <= deadline => {
                    tracing::warn!(partition = p, "lease renewals failing; suspending the partition");
                    held.suspended_at = Some(now);
                    self.shared.update(|table| (table.suspend(p), false));
                }
                Some(since) if now.duration_since(since) >= MAX_SUSPENSION => lost.push(p),
                _ => {}
            }
        }
        for p in lost {
            self.lose(p, "suspended too long");
        }
        self.count_owned();
    }

    fn renewed(&mut self, p: u16, revision: u64, valid_until: Instant, value: &Bytes) {
        let Some(held) = self.held.get_mut(&p) else { return };
        held.revision = revision;
        held.valid_until = valid_until;
        if held.suspended_at.take().is_some() {
            tracing::info!(partition = p, "lease renewed; resuming the partition");
            self.shared
                .update(|table| ((), table.resume(p, switchboard_bus::timers::now_ms())));
        }
        self.view
            .observe(&timer_keys::lease_key(p), revision, Some(value.clone()));
    }

    /// A renewal lost its compare-and-set. The lease still in this
    /// instance's name means an earlier renewal landed unacknowledged: adopt
    /// its revision. In anyone else's name (or gone), the lease is lost.
    async fn reconcile(&mut self, p: u16) {
        let key = timer_keys::lease_key(p);
        let Ok(Ok(entry)) = timeout(self.interval(), self.leases.entry(&key)).await else {
            return;
        };
        self.view.refresh(&key, entry.clone());
        let ours = entry.as_ref().and_then(|e| {
            let lease = TimerLease::decode(e.value.clone()).ok()?;
            (e.operation == kv::Operation::Put && lease.owner == self.me).then_some(e.revision)
        });
        match (ours, self.held.get_mut(&p)) {
            (Some(revision), Some(held)) => held.revision = revision,
            _ => self.lose(p, "taken over"),
        }
    }

    fn count_owned(&self) {
        let active = self.held.values().filter(|h| h.suspended_at.is_none()).count();
        self.shared.counters.partitions_owned.set(active as i64);
    }

    fn lose(&mut self, p: u16, why: &str) {
        if let Some(held) = self.held.remove(&p) {
            tracing::warn!(partition = p, why, "lost a partition lease");
            self.shared.counters.leases_lost.inc();
            self.forget(p, held);
        }
    }

    fn forget(&self, p: u16, held: Held) {
        held.follower.cancel();
        self.shared.update(|table| (table.disown(p), false));
        self.count_owned();
    }

    /// Hands over what is no longer this instance's share, takes what is,
    /// and reports readiness.
    async fn rebalance(&mut self, stop: &CancellationToken) {
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

    fn own(&mut self, p: u16, revision: u64, valid_until: Instant, value: &Bytes, stop: &CancellationToken) {
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
        let Some(held) = self.held.remove(&p) else { return };
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

    async fn release_all(&mut self) {
        self.ready.set(false);
        let held: Vec<u16> = self.held.keys().copied().collect();
        for p in held {
            self.release(p).await;
        }
        let key = timer_keys::instance_key(&self.me);
        let _ = timeout(self.interval(), self.leases.delete(&key)).await;
    }
}
