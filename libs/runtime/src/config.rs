//! Typed configuration. Library code never reads the environment: `main.rs`
//! hands a [`Vars`] source (the process environment) to the loaders, and tests
//! hand a map.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod bus;

pub use bus::{BusCredentials, BusSettings};

/// A source of configuration variables.
#[derive(Debug, Clone, Default)]
pub struct Vars(HashMap<String, String>);

impl Vars {
    /// The process environment. Only `main.rs` should call this.
    pub fn from_env() -> Self {
        Self(std::env::vars().collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The variables every service's test settings start from: the given
    /// NATS, health on an ephemeral port, a 20 s start deadline.
    pub fn for_tests(nats_url: &str) -> Self {
        Self::from_pairs([
            ("NATS_URL", nats_url),
            ("SWITCHBOARD_HEALTH_ADDR", "127.0.0.1:0"),
            ("SWITCHBOARD_STARTUP_TIMEOUT", "20s"),
        ])
    }

    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// The value, when set and not blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    pub fn string(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or(default).to_owned()
    }

    pub fn duration(&self, key: &str, default: &str) -> Result<Duration, ConfigError> {
        let raw = self.get(key).unwrap_or(default);
        parse_duration(raw).map_err(|reason| ConfigError::Invalid {
            key: key.to_owned(),
            reason,
        })
    }

    pub fn addr(&self, key: &str, default: &str) -> Result<SocketAddr, ConfigError> {
        let raw = self.get(key).unwrap_or(default);
        raw.parse().map_err(|_| ConfigError::Invalid {
            key: key.to_owned(),
            reason: format!("`{raw}` is not a host:port address"),
        })
    }

    pub fn number<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::Invalid {
                key: key.to_owned(),
                reason: format!("`{raw}` is not a number"),
            }),
        }
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "yes" | "on"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

/// Parses `20m`, `120s`, `1500ms`, `1h`, `2h30m`; a bare number is seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "`{raw}` is not a duration like 20m, 120s or 1500ms"
            ));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{raw}` is out of range"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value * 60),
            "h" => Duration::from_secs(value * 3600),
            _ => {
                return Err(format!(
                    "`{raw}` has an unknown unit `{unit}` (use ms, s, m or h)"
                ));
            }
        };
        total += part;
    }
    Ok(total)
}

/// What differs between services in [`CommonConfig`]: their defaults, and
/// the word in their own variable names (`SWITCHBOARD_{PREFIX}_LANES`).
#[derive(Debug, Clone, Copy)]
pub struct CommonDefaults {
    /// Differs per service so they can share a machine.
    pub health_addr: &'static str,
    /// `TRANSCRIPT` reads `SWITCHBOARD_TRANSCRIPT_LANES` and
    /// `SWITCHBOARD_TRANSCRIPT_RPC_CONCURRENCY`.
    pub prefix: &'static str,
    pub lanes: usize,
    pub rpc_concurrency: usize,
}

/// Settings shared by the services that keep a database, consume a stream
/// and answer requests; each service's config embeds it.
#[derive(Clone)]
pub struct CommonConfig {
    pub bus: BusSettings,
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; may hold a password, so never logged.
    pub database_url: String,
    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub health_addr: SocketAddr,
    /// How long start-up waits for NATS and the database to answer.
    pub startup_timeout: Duration,
    /// Messages handled concurrently (one conversation always uses one lane).
    pub lanes: usize,
    /// Requests answered concurrently.
    pub rpc_concurrency: usize,
}

impl std::fmt::Debug for CommonConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommonConfig")
            .field("bus", &self.bus)
            .field("database_url", &without_password(&self.database_url))
            .field("health_addr", &self.health_addr)
            .field("startup_timeout", &self.startup_timeout)
            .field("lanes", &self.lanes)
            .field("rpc_concurrency", &self.rpc_concurrency)
            .finish_non_exhaustive()
    }
}

impl CommonConfig {
    /// The [`BusSettings`], `DATABASE_URL` (default: SQLite under
    /// `SWITCHBOARD_DATA_DIR`, shared by the services), `SWITCHBOARD_HEALTH_ADDR`,
    /// `SWITCHBOARD_STARTUP_TIMEOUT` [60s], `SWITCHBOARD_{PREFIX}_LANES`,
    /// `SWITCHBOARD_{PREFIX}_RPC_CONCURRENCY`.
    pub fn load(vars: &Vars, defaults: &CommonDefaults) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(vars.string("SWITCHBOARD_DATA_DIR", "./.data"));
        let database_url = vars
            .get("DATABASE_URL")
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sqlite://{}/switchboard.db", data_dir.display()));
        let prefix = defaults.prefix;
        Ok(Self {
            bus: BusSettings::load(vars)?,
            data_dir,
            database_url,
            health_addr: vars.addr("SWITCHBOARD_HEALTH_ADDR", defaults.health_addr)?,
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
            lanes: vars
                .number(&format!("SWITCHBOARD_{prefix}_LANES"), defaults.lanes)?
                .max(1),
            rpc_concurrency: vars
                .number(
                    &format!("SWITCHBOARD_{prefix}_RPC_CONCURRENCY"),
                    defaults.rpc_concurrency,
                )?
                .max(1),
        })
    }

    /// For tests: the given bus and database, health on port 0, small pools.
    pub fn for_tests(nats_url: &str, database_url: &str) -> Self {
        Self {
            bus: BusSettings::single(nats_url),
            data_dir: PathBuf::from("./.data"),
            database_url: database_url.to_owned(),
            health_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            startup_timeout: Duration::from_secs(20),
            lanes: 4,
            rpc_concurrency: 8,
        }
    }
}

/// A URL with the password of its credentials starred out, for logs.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_contract_writes_them() {
        assert_eq!(parse_duration("20m"), Ok(Duration::from_secs(1200)));
        assert_eq!(parse_duration("120s"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
    }

    #[test]
    fn a_bad_duration_names_the_problem() {
        assert!(parse_duration("soon").unwrap_err().contains("soon"));
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn a_bad_variable_names_its_key() {
        let vars = Vars::from_pairs([("SWITCHBOARD_OFFER_TIMEOUT", "later")]);
        let err = vars
            .duration("SWITCHBOARD_OFFER_TIMEOUT", "120s")
            .unwrap_err();
        assert!(err.to_string().starts_with("SWITCHBOARD_OFFER_TIMEOUT"));
    }

    #[test]
    fn the_bus_takes_a_server_list_and_a_replica_count() {
        let bus = BusSettings::load(&Vars::default()).unwrap();
        assert_eq!(bus, BusSettings::single("nats://127.0.0.1:4222"));
        let vars = Vars::from_pairs([
            ("NATS_URL", "nats://a:4222, nats://b:4222,nats://c:4222"),
            ("SWITCHBOARD_REPLICAS", "3"),
            ("SWITCHBOARD_NATS_PING_INTERVAL", "2s"),
        ]);
        let bus = BusSettings::load(&vars).unwrap();
        assert_eq!(bus.replicas, 3);
        assert_eq!(bus.ping_interval, Duration::from_secs(2));
        assert_eq!(bus.url, "nats://a:4222, nats://b:4222,nats://c:4222");
    }

    #[test]
    fn a_bad_bus_setting_names_its_variable() {
        for (key, value) in [
            ("SWITCHBOARD_REPLICAS", "0"),
            ("SWITCHBOARD_REPLICAS", "7"),
            ("SWITCHBOARD_REPLICAS", "three"),
            ("NATS_URL", "nats://a:4222,,nats://b:4222"),
            ("SWITCHBOARD_NATS_PING_INTERVAL", "100ms"),
            ("SWITCHBOARD_NATS_PING_INTERVAL", "1h"),
            ("SWITCHBOARD_NATS_PING_INTERVAL", "often"),
        ] {
            let error = BusSettings::load(&Vars::from_pairs([(key, value)])).unwrap_err();
            assert!(error.to_string().starts_with(key), "{error}");
        }
    }

    #[test]
    fn common_settings_read_the_services_own_variables() {
        let defaults = CommonDefaults {
            health_addr: "127.0.0.1:8099",
            prefix: "THING",
            lanes: 8,
            rpc_concurrency: 32,
        };
        let vars = Vars::from_pairs([
            ("SWITCHBOARD_THING_LANES", "3"),
            ("DATABASE_URL", "postgres://app:hunter2@db/sb"),
        ]);
        let common = CommonConfig::load(&vars, &defaults).unwrap();
        assert_eq!((common.lanes, common.rpc_concurrency), (3, 32));
        assert_eq!(common.health_addr.to_string(), "127.0.0.1:8099");
        let shown = format!("{common:?}");
        assert!(shown.contains("postgres://app:***@db/sb"), "{shown}");
    }
}
