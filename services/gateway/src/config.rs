//! Gateway settings.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_runtime::config::{BusSettings, ConfigError, Vars};

#[derive(Clone)]
pub struct GatewayConfig {
    pub http_addr: SocketAddr,
    /// `NATS_URL`, `SWITCHBOARD_REPLICAS`.
    pub bus: BusSettings,
    /// Bearer token of the operator API; `None` disables the operator API.
    pub operator_token: Option<String>,
    /// Public origin of this gateway for snippets and links, e.g.
    /// `http://127.0.0.1:8080`; defaults to `http://{http_addr}`.
    pub public_url: Option<String>,
    /// Customer frames per second allowed per connection (burst twice that).
    pub frames_per_second: u32,
    /// How long start-up waits for NATS and the configuration.
    pub startup_timeout: Duration,
    /// How often the presence of agents with a console here is written
    /// again (`SWITCHBOARD_PRESENCE_REFRESH`).
    pub presence_refresh: Duration,
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("http_addr", &self.http_addr)
            .field("bus", &self.bus)
            .field(
                "operator_token",
                &self.operator_token.as_ref().map(|_| "***"),
            )
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl GatewayConfig {
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            http_addr: vars.addr("SWITCHBOARD_HTTP_ADDR", "127.0.0.1:8080")?,
            bus: BusSettings::load(vars)?,
            operator_token: vars.get("SWITCHBOARD_OPERATOR_TOKEN").map(str::to_owned),
            public_url: vars.get("SWITCHBOARD_PUBLIC_URL").map(str::to_owned),
            frames_per_second: vars.number("SWITCHBOARD_WS_FRAMES_PER_SECOND", 10)?,
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
            presence_refresh: match vars.duration("SWITCHBOARD_PRESENCE_REFRESH", "15s")? {
                zero if zero.is_zero() => {
                    return Err(ConfigError::Invalid {
                        key: "SWITCHBOARD_PRESENCE_REFRESH".into(),
                        reason: "must be longer than zero".into(),
                    });
                }
                refresh => refresh,
            },
        })
    }

    /// For tests: port 0 and the given bus.
    pub fn for_tests(nats_url: &str, operator_token: &str) -> Self {
        Self {
            http_addr: "127.0.0.1:0".parse().expect("literal address"),
            bus: BusSettings::single(nats_url),
            operator_token: Some(operator_token.to_owned()),
            public_url: None,
            frames_per_second: 50,
            startup_timeout: Duration::from_secs(20),
            presence_refresh: Duration::from_secs(15),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presence_refresh_is_15_seconds_unless_the_environment_says_otherwise() {
        let config = GatewayConfig::load(&Vars::default()).unwrap();
        assert_eq!(config.presence_refresh, Duration::from_secs(15));
        let vars = Vars::from_pairs([("SWITCHBOARD_PRESENCE_REFRESH", "500ms")]);
        let config = GatewayConfig::load(&vars).unwrap();
        assert_eq!(config.presence_refresh, Duration::from_millis(500));
    }

    #[test]
    fn a_zero_or_garbled_presence_refresh_names_its_variable() {
        for value in ["0s", "often"] {
            let vars = Vars::from_pairs([("SWITCHBOARD_PRESENCE_REFRESH", value)]);
            let error = GatewayConfig::load(&vars).err().unwrap().to_string();
            assert!(error.starts_with("SWITCHBOARD_PRESENCE_REFRESH"), "{error}");
        }
    }
}
