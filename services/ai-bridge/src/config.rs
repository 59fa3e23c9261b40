//! The ai-bridge's settings, read once from an explicit variable source.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_runtime::config::{BusSettings, ConfigError, Vars};

/// Where `/healthz`, `/readyz` and `/metrics` are served unless told otherwise.
pub const DEFAULT_HEALTH_ADDR: &str = "127.0.0.1:8092";

#[derive(Debug, Clone)]
pub struct AiBridgeConfig {
    /// `NATS_URL`, `SWITCHBOARD_REPLICAS`, `SWITCHBOARD_NATS_PING_INTERVAL`.
    pub bus: BusSettings,
    /// `SWITCHBOARD_HEALTH_ADDR`.
    pub health_addr: SocketAddr,
    /// `SWITCHBOARD_AI_RPC_TIMEOUT`: how long to wait for the transcript
    /// service to answer a read.
    pub rpc_timeout: Duration,
    /// `SWITCHBOARD_AI_INDEX_CACHE`: built knowledge indexes kept in memory.
    pub index_cache_capacity: usize,
    /// `SWITCHBOARD_AI_LANES`: messages handled concurrently per consumer.
    pub lanes: usize,
    /// `SWITCHBOARD_STARTUP_TIMEOUT` [60s]: how long start-up waits for NATS
    /// and the configuration.
    pub startup_timeout: Duration,
}

impl AiBridgeConfig {
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            bus: BusSettings::load(vars)?,
            health_addr: vars.addr("SWITCHBOARD_HEALTH_ADDR", DEFAULT_HEALTH_ADDR)?,
            rpc_timeout: vars.duration("SWITCHBOARD_AI_RPC_TIMEOUT", "5s")?,
            index_cache_capacity: vars.number("SWITCHBOARD_AI_INDEX_CACHE", 256)?,
            lanes: vars.number("SWITCHBOARD_AI_LANES", 16)?,
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
        })
    }

    /// For tests: the given bus, health on an ephemeral port.
    pub fn for_tests(nats_url: &str) -> Self {
        Self::load(&Vars::for_tests(nats_url)).expect("test settings are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = AiBridgeConfig::load(&Vars::default()).unwrap();
        assert_eq!(config.bus, BusSettings::single("nats://127.0.0.1:4222"));
        assert_eq!(config.health_addr.to_string(), DEFAULT_HEALTH_ADDR);
        assert_eq!(config.rpc_timeout, Duration::from_secs(5));
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        let vars = Vars::from_pairs([("SWITCHBOARD_AI_RPC_TIMEOUT", "soon")]);
        let error = AiBridgeConfig::load(&vars).unwrap_err();
        assert!(error.to_string().starts_with("SWITCHBOARD_AI_RPC_TIMEOUT"));
    }
}
