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
        }
    }
}
