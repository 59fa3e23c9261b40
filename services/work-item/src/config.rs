//! Work-item settings, read once from a [`Vars`] source.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_runtime::config::{CommonConfig, ConfigError, Vars};

/// Where `/healthz`, `/readyz` and `/metrics` are served unless
/// `SWITCHBOARD_HEALTH_ADDR` says otherwise.
pub const HEALTH_DEFAULT: &str = "127.0.0.1:8094";

#[derive(Clone)]
pub struct WorkItemConfig {
    pub nats_url: String,
    /// `sqlite://…` or `postgres://…`; may hold a password, so never logged.
    pub database_url: String,
    pub health_addr: SocketAddr,
    /// Events handled concurrently (one conversation always uses one lane).
    pub lanes: usize,
    /// Work-item requests answered concurrently.
    pub rpc_concurrency: usize,
    /// How long one transcript read may take.
    pub transcript_timeout: Duration,
    /// How long start-up waits for NATS and the database to answer.
    pub startup_timeout: Duration,
}

impl std::fmt::Debug for WorkItemConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkItemConfig")
            .field("nats_url", &self.nats_url)
            .field("database_url", &switchboard_db::redact(&self.database_url))
            .field("health_addr", &self.health_addr)
            .field("lanes", &self.lanes)
            .field("rpc_concurrency", &self.rpc_concurrency)
            .field("transcript_timeout", &self.transcript_timeout)
            .field("startup_timeout", &self.startup_timeout)
            .finish()
    }
}

impl WorkItemConfig {
    /// `NATS_URL`, `DATABASE_URL` (default: SQLite under
    /// `SWITCHBOARD_DATA_DIR`, shared with the other services),
    /// `SWITCHBOARD_HEALTH_ADDR` [127.0.0.1:8094],
    /// `SWITCHBOARD_WORK_ITEM_LANES` [8], `SWITCHBOARD_WORK_ITEM_RPC_CONCURRENCY` [32],
    /// `SWITCHBOARD_WORK_ITEM_TRANSCRIPT_TIMEOUT` [5s], `SWITCHBOARD_STARTUP_TIMEOUT` [60s].
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let common = CommonConfig::load(vars, HEALTH_DEFAULT)?;
        Ok(Self {
            nats_url: common.nats_url,
            database_url: common.database_url,
            health_addr: common.health_addr,
            lanes: vars.number("SWITCHBOARD_WORK_ITEM_LANES", 8usize)?.max(1),
            rpc_concurrency: vars
                .number("SWITCHBOARD_WORK_ITEM_RPC_CONCURRENCY", 32usize)?
                .max(1),
            transcript_timeout: vars.duration("SWITCHBOARD_WORK_ITEM_TRANSCRIPT_TIMEOUT", "5s")?,
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
        })
    }

    /// For tests: the given bus and database, health on port 0.
    pub fn for_tests(nats_url: &str, database_url: &str) -> Self {
        Self {
            nats_url: nats_url.to_owned(),
            database_url: database_url.to_owned(),
            health_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lanes: 4,
            rpc_concurrency: 8,
            transcript_timeout: Duration::from_secs(2),
            startup_timeout: Duration::from_secs(20),
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
        assert_eq!(config.database_url, "sqlite:///tmp/sb/switchboard.db");
        assert_eq!(config.health_addr.to_string(), HEALTH_DEFAULT);
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
