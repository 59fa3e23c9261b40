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

mod rebalance;
mod renewal;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv;
use bytes::Bytes;
use prost::Message;
use switchboard_contracts::v1::TimerLease;
use switchboard_runtime::health::Readiness;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::leases::LeaseView;
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
    /// The revision of the latest heartbeat this instance wrote.
    last_beat: u64,
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
            last_beat: 0,
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

    fn count_owned(&self) {
        let active = self
            .held
            .values()
            .filter(|h| h.suspended_at.is_none())
            .count();
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
}
