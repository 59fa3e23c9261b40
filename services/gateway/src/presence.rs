//! Agent presence, the gateway's side (SPEC §5: a dropped connection keeps
//! an agent's availability, but an agent with no console connected for the
//! grace is set unavailable everywhere).
//!
//! The gateway counts the agent consoles it holds, per agent, and keeps each
//! such agent's record in KV `SB_PRESENCE` (`AgentPresence`) current: written
//! when a console says hello ([`Presence::join`]), rewritten by one task
//! every `SWITCHBOARD_PRESENCE_REFRESH` for all of them ([`Presence::run`]),
//! and marked not connected when this gateway's last console of the agent
//! closes (the [`Lease`] is dropped). The router, told of each hello, judges
//! the record when the agent's presence timer fires; a gateway killed
//! outright simply stops refreshing, and its agents' records go stale.
//!
//! One agent's writes are ordered by a lock of its own, so a console closing
//! while another says hello can never leave "not connected" written last.
//! [`Presence::connected`] is the reader for views that show whether an
//! agent has a console open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use switchboard_bus::BusError;
use switchboard_bus::presence::PresenceStore;
use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::v1::AgentPresence;
use switchboard_runtime::clock;
use switchboard_runtime::shutdown::Shutdown;
use tokio_util::sync::CancellationToken;

/// How many records one refresh writes at once.
const REFRESH_CONCURRENCY: usize = 32;
/// How many refresh periods a record claiming a console connected stays
/// believable to [`Presence::connected`]: a missed refresh or two is not a
/// closed console.
const BELIEVED_REFRESHES: u32 = 3;

type Key = (TenantId, AgentId);
/// The agent's consoles on this gateway; its lock orders the agent's writes.
type Consoles = Arc<tokio::sync::Mutex<u32>>;

/// This gateway's agent consoles and their presence records. Cheap to clone.
#[derive(Clone)]
pub struct Presence {
    inner: Arc<Inner>,
}

struct Inner {
    store: PresenceStore,
    refresh: Duration,
    agents: Mutex<HashMap<Key, Consoles>>,
    /// Where a dropped lease's last write runs: the drain waits for it.
    shutdown: Shutdown,
}

impl std::fmt::Debug for Presence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presence")
            .field("refresh", &self.inner.refresh)
            .finish_non_exhaustive()
    }
}

/// One console counted toward its agent's presence, until released or
/// dropped.
#[derive(Debug)]
pub struct Lease {
    /// `None` once released.
    presence: Option<Presence>,
    key: Key,
}

impl Presence {
    pub fn new(store: PresenceStore, refresh: Duration, shutdown: Shutdown) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                refresh,
                agents: Mutex::new(HashMap::new()),
                shutdown,
            }),
        }
    }

    /// A console of the agent said hello: counts it and writes the agent's
    /// record (connected, seen now). A failed write is logged; the next
    /// refresh writes it again.
    pub async fn join(&self, tenant: TenantId, agent: AgentId) -> Lease {
        let key = (tenant, agent);
        loop {
            let consoles = self.consoles(key);
            let mut count = consoles.lock().await;
            // The last console's leave may have dropped this entry while we
            // waited for its lock: count on the current one instead.
            if !self.is_current(key, &consoles) {
                continue;
            }
            *count += 1;
            self.write(key, true).await;
            break;
        }
        Lease {
            presence: Some(self.clone()),
            key,
        }
    }

    /// Whether the agent has a console connected, as far as any gateway
    /// can tell: its record says connected and was refreshed within the
    /// last few refresh periods.
    pub async fn connected(&self, tenant: TenantId, agent: AgentId) -> Result<bool, BusError> {
        let record = self.inner.store.get(tenant, agent).await?;
        Ok(is_connected(
            record.as_ref(),
            self.inner.refresh,
            clock::now_ms_unsigned(),
        ))
    }

    /// Rewrites the record of every agent with a console here (seen now).
    pub async fn refresh(&self) {
        let held: Vec<(Key, Consoles)> = self
            .agents()
            .iter()
            .map(|(key, consoles)| (*key, consoles.clone()))
            .collect();
        futures::stream::iter(held)
            .for_each_concurrent(REFRESH_CONCURRENCY, |(key, consoles)| async move {
                let count = consoles.lock().await;
                if *count > 0 && self.is_current(key, &consoles) {
                    self.write(key, true).await;
                }
            })
            .await;
    }

    /// Refreshes every `SWITCHBOARD_PRESENCE_REFRESH` until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        let period = self.inner.refresh;
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = tick.tick() => self.refresh().await,
            }
        }
    }

    /// A console of the agent closed: the last one marks the agent not
    /// connected (seen now) and forgets it.
    async fn leave(&self, key: Key) {
        let consoles = self.consoles(key);
        let mut count = consoles.lock().await;
        *count = count.saturating_sub(1);
        if *count > 0 {
            return;
        }
        self.write(key, false).await;
        let mut agents = self.agents();
        if agents
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(current, &consoles))
        {
            agents.remove(&key);
        }
    }

    async fn write(&self, (tenant, agent): Key, connected: bool) {
        let record = AgentPresence {
            last_seen_ms: clock::now_ms_unsigned(),
            connected,
        };
        if let Err(error) = self.inner.store.put(tenant, agent, &record).await {
            tracing::warn!(%error, %tenant, %agent, connected, "writing an agent's presence failed");
        }
    }

    fn consoles(&self, key: Key) -> Consoles {
        self.agents().entry(key).or_default().clone()
    }

    fn is_current(&self, key: Key, consoles: &Consoles) -> bool {
        self.agents()
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(current, consoles))
    }

    fn agents(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Consoles>> {
        self.inner.agents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Lease {
    /// The console closed: uncounts it, writing the agent's record when it
    /// was this gateway's last console of the agent.
    pub async fn release(mut self) {
        if let Some(presence) = self.presence.take() {
            presence.leave(self.key).await;
        }
    }
}

impl Drop for Lease {
    /// [`Lease::release`] in a task of its own (a drop cannot wait),
    /// tracked so that the gateway's drain waits for it.
    fn drop(&mut self) {
        let Some(presence) = self.presence.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let key = self.key;
        let tracker = presence.inner.shutdown.tracker().clone();
        runtime.spawn(tracker.track_future(async move { presence.leave(key).await }));
    }
}

/// Whether a record shows a console connected at `now` (ms since the
/// epoch): it says so, and it is no older than a few refresh periods.
pub fn is_connected(record: Option<&AgentPresence>, refresh: Duration, now: u64) -> bool {
    let believed = u64::try_from((refresh * BELIEVED_REFRESHES).as_millis()).unwrap_or(u64::MAX);
    record.is_some_and(|r| r.connected && now.saturating_sub(r.last_seen_ms) <= believed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_counts_as_connected_while_its_record_is_fresh() {
        let refresh = Duration::from_secs(15);
        let record = |last_seen_ms, connected| AgentPresence {
            last_seen_ms,
            connected,
        };
        let now = 1_000_000;
        assert!(is_connected(Some(&record(now, true)), refresh, now));
        assert!(is_connected(
            Some(&record(now - 45_000, true)),
            refresh,
            now
        ));
        assert!(!is_connected(
            Some(&record(now - 45_001, true)),
            refresh,
            now
        ));
        assert!(!is_connected(Some(&record(now, false)), refresh, now));
        assert!(!is_connected(None, refresh, now));
    }
}
