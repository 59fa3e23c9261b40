//! The timer service's settings, read once from an explicit variable source.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_contracts::streams::timer_keys;
use switchboard_runtime::config::{BusSettings, ConfigError, Vars};

/// Where `/healthz`, `/readyz` and `/metrics` are served unless told otherwise.
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:8093";

#[derive(Debug, Clone)]
pub struct TimerConfig {
    /// `NATS_URL`, `SWITCHBOARD_REPLICAS`, `SWITCHBOARD_NATS_PING_INTERVAL`.
    pub bus: BusSettings,
    /// `SWITCHBOARD_HEALTH_ADDR`.
    pub health_addr: SocketAddr,
    /// `SWITCHBOARD_TIMER_LEASE_TTL` (500ms–60s, default 5s): how long a
    /// partition lease outlives its last renewal, hence how soon a dead
    /// instance's timers are taken over.
    pub lease_ttl: Duration,
    /// `SWITCHBOARD_TIMER_INSTANCE_ID` (default: a fresh UUID). Must be unique
    /// among running instances; a stable id (a StatefulSet pod name) lets a
    /// restarted instance take its own leases back at once instead of
    /// waiting for them to expire.
    pub instance_id: String,
    /// `SWITCHBOARD_TIMER_MAX_IN_FLIGHT` (default 256): fires awaiting their ack at once.
    pub max_in_flight: usize,
    /// `SWITCHBOARD_STARTUP_TIMEOUT` (default 60s): how long start-up waits
    /// for NATS.
    pub startup_timeout: Duration,
}

impl TimerConfig {
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let lease_ttl = vars.duration("SWITCHBOARD_TIMER_LEASE_TTL", "5s")?;
        if !(Duration::from_millis(500)..=Duration::from_secs(60)).contains(&lease_ttl) {
            return Err(ConfigError::Invalid {
                key: "SWITCHBOARD_TIMER_LEASE_TTL".into(),
                reason: "must be between 500ms and 60s".into(),
            });
        }
        let instance_id = vars
            .get("SWITCHBOARD_TIMER_INSTANCE_ID")
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if !timer_keys::is_valid_id(&instance_id) || instance_id.len() > 64 {
            return Err(ConfigError::Invalid {
                key: "SWITCHBOARD_TIMER_INSTANCE_ID".into(),
                reason: "must be 1-64 characters of [A-Za-z0-9_=/.-]".into(),
            });
        }
        let max_in_flight = vars.number("SWITCHBOARD_TIMER_MAX_IN_FLIGHT", 256usize)?;
        if max_in_flight == 0 {
            return Err(ConfigError::Invalid {
                key: "SWITCHBOARD_TIMER_MAX_IN_FLIGHT".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            bus: BusSettings::load(vars)?,
            health_addr: vars.addr("SWITCHBOARD_HEALTH_ADDR", DEFAULT_HEALTH_ADDR)?,
            lease_ttl,
            instance_id,
            max_in_flight,
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
        })
    }

    /// For tests: the given bus, health on an ephemeral port, a 1 s lease.
    pub fn for_tests(nats_url: &str) -> Self {
        let mut vars = Vars::for_tests(nats_url);
        vars.set("SWITCHBOARD_TIMER_LEASE_TTL", "1s");
        Self::load(&vars).expect("test settings are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = TimerConfig::load(&Vars::default()).unwrap();
        assert_eq!(config.bus, BusSettings::single("nats://127.0.0.1:4222"));
        assert_eq!(config.health_addr.to_string(), DEFAULT_HEALTH_ADDR);
        assert_eq!(config.lease_ttl, Duration::from_secs(5));
        assert_eq!(config.max_in_flight, 256);
        assert!(uuid::Uuid::parse_str(&config.instance_id).is_ok());
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        for (key, value) in [
            ("SWITCHBOARD_TIMER_LEASE_TTL", "10ms"),
            ("SWITCHBOARD_TIMER_LEASE_TTL", "soon"),
            ("SWITCHBOARD_TIMER_INSTANCE_ID", "a b"),
            ("SWITCHBOARD_TIMER_MAX_IN_FLIGHT", "0"),
        ] {
            let error = TimerConfig::load(&Vars::from_pairs([(key, value)])).unwrap_err();
            assert!(error.to_string().starts_with(key), "{error}");
        }
    }
}
