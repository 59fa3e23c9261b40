//! Transcript settings, read once from a [`Vars`] source.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_runtime::config::{CommonConfig, ConfigError, Vars};

/// Where `/healthz`, `/readyz` and `/metrics` are served unless
/// `SWITCHBOARD_HEALTH_ADDR` says otherwise.
pub const HEALTH_DEFAULT: &str = "127.0.0.1:8091";

#[derive(Clone)]
pub struct TranscriptConfig {
    pub nats_url: String,
    /// `sqlite://…` or `postgres://…`; may hold a password, so never logged.
    pub database_url: String,
    pub health_addr: SocketAddr,
    /// Commands handled concurrently (one conversation always uses one lane).
    pub lanes: usize,
    /// Transcript reads answered concurrently.
    pub rpc_concurrency: usize,
    /// How long start-up waits for NATS and the database to answer.
    pub startup_timeout: Duration,
    /// Silence in `ai` or `live` before both sides are warned (SPEC §4).
    pub inactivity_warn: Duration,
    /// Further silence after the warning before the conversation ends.
    pub inactivity_end: Duration,
}

impl std::fmt::Debug for TranscriptConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TranscriptConfig")
            .field("nats_url", &self.nats_url)
            .field("database_url", &switchboard_db::redact(&self.database_url))
            .field("health_addr", &self.health_addr)
            .field("lanes", &self.lanes)
            .field("rpc_concurrency", &self.rpc_concurrency)
            .field("startup_timeout", &self.startup_timeout)
            .field("inactivity_warn", &self.inactivity_warn)
            .field("inactivity_end", &self.inactivity_end)
            .finish()
    }
}

impl TranscriptConfig {
    /// `NATS_URL`, `DATABASE_URL` (default: SQLite under
    /// `SWITCHBOARD_DATA_DIR`), `SWITCHBOARD_HEALTH_ADDR`,
    /// `SWITCHBOARD_TRANSCRIPT_LANES` [16], `SWITCHBOARD_TRANSCRIPT_RPC_CONCURRENCY` [64],
    /// `SWITCHBOARD_STARTUP_TIMEOUT` [60s], `SWITCHBOARD_INACTIVITY_WARN` [20m],
    /// `SWITCHBOARD_INACTIVITY_END` [10m].
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let common = CommonConfig::load(vars, HEALTH_DEFAULT)?;
        Ok(Self {
            nats_url: common.nats_url,
            database_url: common.database_url,
            health_addr: common.health_addr,
            lanes: vars.number("SWITCHBOARD_TRANSCRIPT_LANES", 16usize)?.max(1),
            rpc_concurrency: vars
                .number("SWITCHBOARD_TRANSCRIPT_RPC_CONCURRENCY", 64usize)?
                .max(1),
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
            inactivity_warn: vars.duration("SWITCHBOARD_INACTIVITY_WARN", "20m")?,
            inactivity_end: vars.duration("SWITCHBOARD_INACTIVITY_END", "10m")?,
        })
    }

    /// For tests: the given bus and database, health on port 0.
    pub fn for_tests(nats_url: &str, database_url: &str) -> Self {
        Self {
            nats_url: nats_url.to_owned(),
            database_url: database_url.to_owned(),
            health_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lanes: 4,
            rpc_concurrency: 16,
            startup_timeout: Duration::from_secs(20),
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
        assert_eq!(config.database_url, "sqlite:///tmp/sb/switchboard.db");
        assert_eq!(config.health_addr.to_string(), HEALTH_DEFAULT);
        assert_eq!(config.nats_url, "nats://127.0.0.1:4222");
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
