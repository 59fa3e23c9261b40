//! Router settings, read once from a [`Vars`] source.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_runtime::config::{BusSettings, ConfigError, Vars};

use crate::domain;
use crate::handlers::presence::PresenceTiming;

/// Where `/healthz`, `/readyz` and `/metrics` are served unless
/// `SWITCHBOARD_HEALTH_ADDR` says otherwise.
pub const HEALTH_DEFAULT: &str = "127.0.0.1:8095";

#[derive(Debug, Clone)]
pub struct RouterConfig {
    pub bus: BusSettings,
    pub health_addr: SocketAddr,
    /// How long an agent has to answer an offer (SPEC §5).
    pub offer_timeout: Duration,
    /// How long a queued conversation waits for an accept (SPEC §4).
    pub accept_window: Duration,
    /// How long an agent may have no console connected before it is set
    /// unavailable everywhere (SPEC §5).
    pub presence_grace: Duration,
    /// How often gateways refresh the presence of agents they hold: how
    /// stale a record claiming a console connected may be.
    pub presence_refresh: Duration,
    /// Routing inputs handled concurrently; one tenant always uses one lane.
    pub lanes: usize,
    /// Entries of a tenant's log between two snapshots.
    pub snapshot_every: usize,
    /// Agent views answered concurrently.
    pub rpc_concurrency: usize,
    /// How long start-up waits for NATS to answer.
    pub startup_timeout: Duration,
}

impl RouterConfig {
    /// The [`BusSettings`], `SWITCHBOARD_HEALTH_ADDR`, `SWITCHBOARD_OFFER_TIMEOUT` [120s],
    /// `SWITCHBOARD_ACCEPT_WINDOW` [20m], `SWITCHBOARD_PRESENCE_GRACE` [60s],
    /// `SWITCHBOARD_PRESENCE_REFRESH` [15s], `SWITCHBOARD_ROUTER_LANES` [16],
    /// `SWITCHBOARD_ROUTER_SNAPSHOT_EVERY` [128],
    /// `SWITCHBOARD_ROUTER_RPC_CONCURRENCY` [64],
    /// `SWITCHBOARD_STARTUP_TIMEOUT` [60s].
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let positive = |key: &str, value: Duration| {
            if value.is_zero() {
                Err(ConfigError::Invalid {
                    key: key.to_owned(),
                    reason: "must be longer than zero".into(),
                })
            } else {
                Ok(value)
            }
        };
        Ok(Self {
            bus: BusSettings::load(vars)?,
            health_addr: vars.addr("SWITCHBOARD_HEALTH_ADDR", HEALTH_DEFAULT)?,
            offer_timeout: positive(
                "SWITCHBOARD_OFFER_TIMEOUT",
                vars.duration("SWITCHBOARD_OFFER_TIMEOUT", "120s")?,
            )?,
            accept_window: positive(
                "SWITCHBOARD_ACCEPT_WINDOW",
                vars.duration("SWITCHBOARD_ACCEPT_WINDOW", "20m")?,
            )?,
            presence_grace: positive(
                "SWITCHBOARD_PRESENCE_GRACE",
                vars.duration("SWITCHBOARD_PRESENCE_GRACE", "60s")?,
            )?,
            presence_refresh: positive(
                "SWITCHBOARD_PRESENCE_REFRESH",
                vars.duration("SWITCHBOARD_PRESENCE_REFRESH", "15s")?,
            )?,
            lanes: vars.number("SWITCHBOARD_ROUTER_LANES", 16usize)?.max(1),
            snapshot_every: vars
                .number(
                    "SWITCHBOARD_ROUTER_SNAPSHOT_EVERY",
                    crate::log::SNAPSHOT_EVERY,
                )?
                .max(1),
            rpc_concurrency: vars
                .number("SWITCHBOARD_ROUTER_RPC_CONCURRENCY", 64usize)?
                .max(1),
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
        })
    }

    /// For tests: the given bus, health on port 0, the default durations.
    pub fn for_tests(nats_url: &str) -> Self {
        Self {
            bus: BusSettings::single(nats_url),
            health_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            offer_timeout: Duration::from_secs(120),
            accept_window: Duration::from_secs(20 * 60),
            presence_grace: Duration::from_secs(60),
            presence_refresh: Duration::from_secs(15),
            lanes: 4,
            snapshot_every: crate::log::SNAPSHOT_EVERY,
            rpc_concurrency: 16,
            startup_timeout: Duration::from_secs(20),
        }
    }

    /// The durations the routing core stamps onto its effects.
    pub fn timing(&self) -> domain::Config {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        domain::Config {
            offer_timeout_ms: ms(self.offer_timeout),
            accept_window_ms: ms(self.accept_window),
        }
    }

    /// The presence durations, for the presence timer.
    pub fn presence(&self) -> PresenceTiming {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        PresenceTiming {
            grace_ms: ms(self.presence_grace),
            refresh_ms: ms(self.presence_refresh),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract_and_serve_health_on_8095() {
        let config = RouterConfig::load(&Vars::default()).unwrap();
        assert_eq!(config.health_addr.to_string(), HEALTH_DEFAULT);
        assert_eq!(config.offer_timeout, Duration::from_secs(120));
        assert_eq!(config.accept_window, Duration::from_secs(20 * 60));
        assert_eq!(config.timing(), domain::Config::default());
        assert_eq!(
            config.presence(),
            PresenceTiming {
                grace_ms: 60_000,
                refresh_ms: 15_000
            }
        );
    }

    #[test]
    fn durations_come_from_the_environment() {
        let vars = Vars::from_pairs([
            ("SWITCHBOARD_OFFER_TIMEOUT", "300ms"),
            ("SWITCHBOARD_ACCEPT_WINDOW", "2s"),
            ("SWITCHBOARD_PRESENCE_GRACE", "2s"),
            ("SWITCHBOARD_PRESENCE_REFRESH", "500ms"),
        ]);
        let config = RouterConfig::load(&vars).unwrap();
        assert_eq!(
            (config.presence_grace, config.presence_refresh),
            (Duration::from_secs(2), Duration::from_millis(500))
        );
        let timing = config.timing();
        assert_eq!(
            (timing.offer_timeout_ms, timing.accept_window_ms),
            (300, 2000)
        );
    }

    #[test]
    fn a_zero_or_garbled_duration_names_its_variable() {
        for (key, value) in [
            ("SWITCHBOARD_OFFER_TIMEOUT", "0s"),
            ("SWITCHBOARD_ACCEPT_WINDOW", "soon"),
            ("SWITCHBOARD_PRESENCE_GRACE", "0ms"),
            ("SWITCHBOARD_PRESENCE_REFRESH", "often"),
        ] {
            let error = RouterConfig::load(&Vars::from_pairs([(key, value)]))
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(key), "{error}");
        }
    }
}
