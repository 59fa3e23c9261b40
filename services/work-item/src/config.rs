//! Work-item settings, read once from a [`Vars`] source.

use std::time::Duration;

use switchboard_runtime::config::{CommonConfig, CommonDefaults, ConfigError, Vars};

/// Where `/healthz`, `/readyz` and `/metrics` are served unless
/// `SWITCHBOARD_HEALTH_ADDR` says otherwise.
pub const HEALTH_DEFAULT: &str = "127.0.0.1:8094";

const DEFAULTS: CommonDefaults = CommonDefaults {
    health_addr: HEALTH_DEFAULT,
    prefix: "WORK_ITEM",
    lanes: 8,
    rpc_concurrency: 32,
};

#[derive(Debug, Clone)]
pub struct WorkItemConfig {
    /// Bus, database, health, start deadline; event lanes and concurrent
    /// work-item requests.
    pub common: CommonConfig,
    /// How long one transcript read may take.
    pub transcript_timeout: Duration,
}

impl WorkItemConfig {
    /// The common settings (`SWITCHBOARD_WORK_ITEM_LANES` [8],
    /// `SWITCHBOARD_WORK_ITEM_RPC_CONCURRENCY` [32], health on 8094),
    /// `SWITCHBOARD_WORK_ITEM_TRANSCRIPT_TIMEOUT` [5s].
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::load(vars, &DEFAULTS)?,
            transcript_timeout: vars.duration("SWITCHBOARD_WORK_ITEM_TRANSCRIPT_TIMEOUT", "5s")?,
        })
    }

    /// For tests: the given bus and database, health on port 0.
    pub fn for_tests(nats_url: &str, database_url: &str) -> Self {
        Self {
            common: CommonConfig::for_tests(nats_url, database_url),
            transcript_timeout: Duration::from_secs(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_share_the_sqlite_file_and_serve_health_on_8094() {
        let config =
            WorkItemConfig::load(&Vars::from_pairs([("SWITCHBOARD_DATA_DIR", "/tmp/sb")])).unwrap();
        assert_eq!(
            config.common.database_url,
            "sqlite:///tmp/sb/switchboard.db"
        );
        assert_eq!(config.common.health_addr.to_string(), HEALTH_DEFAULT);
        assert_eq!(config.transcript_timeout, Duration::from_secs(5));
    }

    #[test]
    fn the_database_password_never_reaches_debug_output() {
        let vars = Vars::from_pairs([("DATABASE_URL", "postgres://app:hunter2@db/sb")]);
        let shown = format!("{:?}", WorkItemConfig::load(&vars).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        let vars = Vars::from_pairs([("SWITCHBOARD_WORK_ITEM_TRANSCRIPT_TIMEOUT", "soon")]);
        let error = WorkItemConfig::load(&vars).unwrap_err().to_string();
        assert!(
            error.contains("SWITCHBOARD_WORK_ITEM_TRANSCRIPT_TIMEOUT"),
            "{error}"
        );
    }
}
