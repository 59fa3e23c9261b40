//! Renewal: the heartbeat and every held lease, by compare-and-set, each
//! round; suspending what could not be renewed in time and resuming it when a
//! renewal lands on the same revision.

use async_nats::jetstream::kv::{self, UpdateErrorKind};
use bytes::Bytes;
use futures::future::join_all;
use prost::Message;
use switchboard_contracts::streams::timer_keys;
use switchboard_contracts::v1::{TimerInstance, TimerLease};
use tokio::time::{Instant, timeout};

use super::{Coordinator, MAX_SUSPENSION};

impl Coordinator {
    /// Heartbeat and every held lease, at once; then drops what was lost.
    pub(super) async fn renew(&mut self) {
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
                (
                    p,
                    timeout(op_timeout, leases.update(key, value, held.revision)).await,
                )
            }
        });
        let beat = timeout(
            op_timeout,
            leases.put(&instance_key, heartbeat.encode_to_vec().into()),
        );
        // Only this instance writes its heartbeat: a later revision than the
        // last one it wrote means another running instance has the same id.
        // (`last_beat` is 0 after a write whose outcome is unknown.)
        let seen = self.view.revision(&instance_key).unwrap_or(0);
        if self.last_beat != 0 && seen > self.last_beat {
            tracing::error!(
                instance = %self.me,
                "another running instance has this SWITCHBOARD_TIMER_INSTANCE_ID; ids must be unique"
            );
        }
        let (beat, renewals) = tokio::join!(beat, join_all(renewals));
        self.last_beat = 0;
        if let Ok(Ok(revision)) = beat {
            self.last_beat = revision;
            self.view.observe(
                &instance_key,
                revision,
                Some(heartbeat.encode_to_vec().into()),
            );
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
                    tracing::warn!(
                        partition = p,
                        "lease renewals failing; suspending the partition"
                    );
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
        let Some(held) = self.held.get_mut(&p) else {
            return;
        };
        held.revision = revision;
        held.valid_until = valid_until;
        if held.suspended_at.take().is_some() {
            tracing::info!(partition = p, "lease renewed; resuming the partition");
            self.shared.update(|table| {
                (
                    (),
                    table.resume(p, switchboard_runtime::clock::now_ms_unsigned()),
                )
            });
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
}
