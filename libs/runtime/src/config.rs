//! Typed configuration. Library code never reads the environment: `main.rs`
//! hands a [`Vars`] source (the process environment) to the loaders, and tests
//! hand a map.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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

/// Settings shared by every service.
#[derive(Debug, Clone)]
pub struct CommonConfig {
    pub nats_url: String,
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Where `/healthz`, `/readyz` and `/metrics` are served.
    pub health_addr: SocketAddr,
}

impl CommonConfig {
    /// `health_default` differs per service so they can share a machine.
    pub fn load(vars: &Vars, health_default: &str) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(vars.string("SWITCHBOARD_DATA_DIR", "./.data"));
        let database_url = vars
            .get("DATABASE_URL")
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sqlite://{}/switchboard.db", data_dir.display()));
        Ok(Self {
            nats_url: vars.string("NATS_URL", "nats://127.0.0.1:4222"),
            data_dir,
            database_url,
            health_addr: vars.addr("SWITCHBOARD_HEALTH_ADDR", health_default)?,
        })
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
}
