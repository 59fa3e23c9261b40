//! Agent presence, the router's side (SPEC §5: an agent with no console
//! connected for the grace is set unavailable everywhere, and its offers
//! move on).
//!
//! A console's hello reaches the router as `agent_connected`: the agent's
//! presence timer (`presence.{agent}`, one per agent) is armed for the grace
//! from now, replacing the pending one. When it fires (`presence_check`),
//! the router reads the agent's record in KV `SB_PRESENCE` and asks
//! [`judge`]: seen recently enough, the timer is armed again for the moment
//! the grace would run out; gone, the core is fed `AgentDisconnected`, and no
//! timer is armed until a console connects again. The inputs and the timer
//! are durable, so a router crash only delays a check, and a gateway killed
//! outright just stops refreshing its agents' records, which then go stale.
//!
//! Neither step writes the routing state unless the agent is gone: a
//! connected agent costs one timer and one read per grace, not a snapshot.

use switchboard_bus::presence::PresenceStore;
use switchboard_contracts::ids::{AgentId, TenantId};
use switchboard_contracts::v1::AgentPresence;

use super::inputs::{InputHandler, RouteError};
use super::messages;
use super::step::Parsed;
use crate::domain::Input;

/// The presence durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceTiming {
    /// How long an agent may have no console (`SWITCHBOARD_PRESENCE_GRACE`).
    pub grace_ms: u64,
    /// How often gateways refresh a connected agent's record
    /// (`SWITCHBOARD_PRESENCE_REFRESH`).
    pub refresh_ms: u64,
}

/// What a presence check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Seen within the grace: check again at `until`.
    Present { until: u64 },
    /// No console for the whole grace.
    Gone,
}

/// Judges an agent's record at `now` (ms since the epoch). The grace runs
/// from the last moment a console was seen: the close of the last one, or,
/// while a gateway says one is connected, the end of that gateway's next
/// refresh period (it may have died just after its last write, and the
/// grace must not start before the console really went). No record means
/// nobody has seen the agent within the bucket's max age.
pub fn judge(record: Option<&AgentPresence>, timing: PresenceTiming, now: u64) -> Found {
    let Some(record) = record else {
        return Found::Gone;
    };
    let seen_until = if record.connected {
        record.last_seen_ms.saturating_add(timing.refresh_ms)
    } else {
        record.last_seen_ms
    };
    let until = seen_until.saturating_add(timing.grace_ms);
    if until > now {
        Found::Present { until }
    } else {
        Found::Gone
    }
}

/// The router's handle on presence: the records and the durations.
#[derive(Debug, Clone)]
pub struct Presence {
    pub store: PresenceStore,
    pub timing: PresenceTiming,
}

impl InputHandler {
    /// A console of the agent said hello: check on the agent one grace from
    /// now (a redelivery only moves the check later).
    pub(super) async fn watch_presence(
        &self,
        tenant: TenantId,
        agent: AgentId,
        now: u64,
    ) -> Result<(), RouteError> {
        let due = now.saturating_add(self.presence.timing.grace_ms);
        self.arm(tenant, agent, due).await
    }

    /// The agent's presence timer fired: `None` when the agent is still
    /// around (the timer is armed again), else the core input to decide.
    ///
    /// An input applied already is decided again whatever the record says
    /// now, so that its recorded effects are re-performed (a crash may have
    /// cut them short; the offers it moved must still reach their agents).
    pub(super) async fn check_presence(
        &self,
        tenant: TenantId,
        agent: AgentId,
        input_id: &str,
        now: u64,
    ) -> Result<Option<Parsed>, RouteError> {
        let disconnected = Parsed::Core(Input::AgentDisconnected { agent });
        let held = self.store.take(tenant).await.map_err(RouteError::Read)?;
        let applied = held.snapshot.applied(input_id).is_some();
        self.store.keep(tenant, held);
        if applied {
            return Ok(Some(disconnected));
        }
        let record = self
            .presence
            .store
            .get(tenant, agent)
            .await
            .map_err(RouteError::Presence)?;
        match judge(record.as_ref(), self.presence.timing, now) {
            Found::Present { until } => {
                self.arm(tenant, agent, until).await?;
                Ok(None)
            }
            Found::Gone => Ok(Some(disconnected)),
        }
    }

    async fn arm(&self, tenant: TenantId, agent: AgentId, due: u64) -> Result<(), RouteError> {
        let fire = messages::presence_check(tenant, agent, due);
        self.performer
            .schedule(messages::presence_timer(agent), due, tenant, fire)
            .await
            .map_err(RouteError::Perform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMING: PresenceTiming = PresenceTiming {
        grace_ms: 60_000,
        refresh_ms: 15_000,
    };

    fn record(last_seen_ms: u64, connected: bool) -> AgentPresence {
        AgentPresence {
            last_seen_ms,
            connected,
        }
    }

    #[test]
    fn an_agent_whose_last_console_closed_is_gone_a_grace_after_the_close() {
        let closed = record(1_000_000, false);
        assert_eq!(
            judge(Some(&closed), TIMING, 1_059_999),
            Found::Present { until: 1_060_000 }
        );
        assert_eq!(judge(Some(&closed), TIMING, 1_060_000), Found::Gone);
    }

    #[test]
    fn a_record_claiming_a_console_connected_counts_one_refresh_more() {
        let connected = record(1_000_000, true);
        assert_eq!(
            judge(Some(&connected), TIMING, 1_060_000),
            Found::Present { until: 1_075_000 },
            "its gateway may have died right after writing"
        );
        assert_eq!(judge(Some(&connected), TIMING, 1_075_000), Found::Gone);
    }

    #[test]
    fn an_agent_refreshed_on_time_is_never_gone() {
        for late in [0, 1, TIMING.refresh_ms, TIMING.refresh_ms + 2_000] {
            let now = 5_000_000;
            let found = judge(Some(&record(now - late, true)), TIMING, now);
            assert!(matches!(found, Found::Present { until } if until > now));
        }
    }

    #[test]
    fn an_agent_with_no_record_is_gone() {
        assert_eq!(judge(None, TIMING, 1), Found::Gone);
    }
}
