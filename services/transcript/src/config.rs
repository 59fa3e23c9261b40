//! Transcript settings, read once from a [`Vars`] source.

use std::time::Duration;

use switchboard_runtime::config::{CommonConfig, CommonDefaults, ConfigError, Vars};

/// Where `/healthz`, `/readyz` and `/metrics` are served unless
/// `SWITCHBOARD_HEALTH_ADDR` says otherwise.
pub const HEALTH_DEFAULT: &str = "127.0.0.1:8091";

const DEFAULTS: CommonDefaults = CommonDefaults {
    health_addr: HEALTH_DEFAULT,
    prefix: "TRANSCRIPT",
    lanes: 16,
    rpc_concurrency: 64,
};

#[derive(Debug, Clone)]
pub struct TranscriptConfig {
    /// Bus, database, health, start deadline; command lanes and concurrent
    /// transcript reads.
    pub common: CommonConfig,
    /// Silence in `ai` or `live` before both sides are warned (SPEC §4).
    pub inactivity_warn: Duration,
    /// Further silence after the warning before the conversation ends.
    pub inactivity_end: Duration,
}

impl TranscriptConfig {
    /// The common settings (`SWITCHBOARD_TRANSCRIPT_LANES` [16],
    /// `SWITCHBOARD_TRANSCRIPT_RPC_CONCURRENCY` [64], health on 8091),
    /// `SWITCHBOARD_INACTIVITY_WARN` [20m], `SWITCHBOARD_INACTIVITY_END` [10m].
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::load(vars, &DEFAULTS)?,
            inactivity_warn: vars.duration("SWITCHBOARD_INACTIVITY_WARN", "20m")?,
            inactivity_end: vars.duration("SWITCHBOARD_INACTIVITY_END", "10m")?,
        })
    }

    /// For tests: the given bus and database, health on port 0.
    pub fn for_tests(nats_url: &str, database_url: &str) -> Self {
        let mut common = CommonConfig::for_tests(nats_url, database_url);
        common.rpc_concurrency = 16;
        Self {
            common,
            inactivity_warn: Duration::from_secs(20 * 60),
            inactivity_end: Duration::from_secs(10 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_sqlite_under_the_data_dir_and_health_on_8091() {
        let config =
            TranscriptConfig::load(&Vars::from_pairs([("SWITCHBOARD_DATA_DIR", "/tmp/sb")]))
                .unwrap();
        assert_eq!(
            config.common.database_url,
            "sqlite:///tmp/sb/switchboard.db"
        );
        assert_eq!(config.common.health_addr.to_string(), HEALTH_DEFAULT);
        assert_eq!(config.common.bus.url, "nats://127.0.0.1:4222");
        assert_eq!(config.inactivity_warn, Duration::from_secs(20 * 60));
        assert_eq!(config.inactivity_end, Duration::from_secs(10 * 60));
    }

    #[test]
    fn inactivity_durations_come_from_the_environment() {
        let vars = Vars::from_pairs([
            ("SWITCHBOARD_INACTIVITY_WARN", "300ms"),
            ("SWITCHBOARD_INACTIVITY_END", "2s"),
        ]);
        let config = TranscriptConfig::load(&vars).unwrap();
        assert_eq!(config.inactivity_warn, Duration::from_millis(300));
        assert_eq!(config.inactivity_end, Duration::from_secs(2));
    }

    #[test]
    fn the_database_password_never_reaches_debug_output() {
        let vars = Vars::from_pairs([("DATABASE_URL", "postgres://app:hunter2@db/sb")]);
        let shown = format!("{:?}", TranscriptConfig::load(&vars).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_bad_lane_count_names_its_variable() {
        let vars = Vars::from_pairs([("SWITCHBOARD_TRANSCRIPT_LANES", "many")]);
        let error = TranscriptConfig::load(&vars).unwrap_err().to_string();
        assert!(error.contains("SWITCHBOARD_TRANSCRIPT_LANES"), "{error}");
    }
}
