//! Gateway settings.

use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use switchboard_natsauth::Authority;
use switchboard_runtime::config::{BusSettings, ConfigError, Vars};

use crate::secrets::Keyring;

mod secret_keys;

pub use secret_keys::{SECRET_KEY, SECRET_KEY_FILE, SECRET_KEY_PREVIOUS, secret_keys};

#[derive(Clone)]
pub struct GatewayConfig {
    pub http_addr: SocketAddr,
    /// `/healthz`, `/readyz` and `/metrics` (`SWITCHBOARD_HEALTH_ADDR`); the
    /// public port answers the first two as well, never `/metrics`.
    pub health_addr: SocketAddr,
    /// `NATS_URL`, `SWITCHBOARD_REPLICAS`, `SWITCHBOARD_NATS_PING_INTERVAL`.
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
    /// The listener's timeouts and connection cap.
    pub edge: EdgeSettings,
    /// API requests per second per caller (a tenant's admins together, each
    /// agent alone), bursts of twice that.
    pub api_requests_per_second: u32,
    /// Requests per second per client address on the unauthenticated routes
    /// (widget script, support page, socket upgrades), bursts of twice that.
    pub address_requests_per_second: u32,
    /// Proxies in front of the gateway that append the address they saw to
    /// `X-Forwarded-For`; 0 takes the client address from the connection.
    pub proxy_hops: usize,
    /// The keys that seal secrets at rest ([`secret_keys`]).
    pub secret_keys: Keyring,
    /// What AI platform credentials are issued with
    /// (`SWITCHBOARD_NATS_AUTHORITY`, a file `make run` writes); `None`
    /// turns `POST …/ai-platform-credentials` off.
    pub nats_authority: Option<Arc<Authority>>,
    /// The NATS URL handed to AI platforms
    /// (`SWITCHBOARD_AI_PLATFORM_NATS_URL`, default `NATS_URL`).
    pub ai_platform_nats_url: String,
    /// Webhook subscriptions may target loopback and private addresses,
    /// and plain http (`SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1`; local stacks
    /// and tests only). The webhook service reads the same variable.
    pub webhook_allow_private: bool,
}

/// The variable naming the gateway's [`Authority`] file.
pub const NATS_AUTHORITY: &str = "SWITCHBOARD_NATS_AUTHORITY";

/// What the HTTP listener allows a connection (docs/operations.md, "The
/// gateway's edges").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeSettings {
    /// A request's line and headers must be in within this, counted from
    /// the connection's accept or the request's first byte.
    pub header_timeout: Duration,
    /// A request's body must be in within this of its headers.
    pub body_timeout: Duration,
    /// A keep-alive connection with no request in flight closes after this.
    /// WebSockets are not HTTP connections once upgraded; they keep alive
    /// with their own pings.
    pub idle_timeout: Duration,
    /// Connections served at once, WebSockets included; further ones wait
    /// in the listen backlog until one closes.
    pub max_connections: usize,
}

impl EdgeSettings {
    pub const DEFAULT: EdgeSettings = EdgeSettings {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(120),
        max_connections: 10_000,
    };
}

/// The shortest operator token accepted: a guessable one would open every
/// tenant.
pub const OPERATOR_TOKEN_MIN_CHARS: usize = 32;

/// Refuses an operator token shorter than [`OPERATOR_TOKEN_MIN_CHARS`]; the
/// reason never repeats the token.
pub fn check_operator_token(token: &str) -> Result<(), String> {
    let length = token.chars().count();
    if length < OPERATOR_TOKEN_MIN_CHARS {
        return Err(format!(
            "the operator token is {length} characters long; it must be at least \
             {OPERATOR_TOKEN_MIN_CHARS} (make one with `openssl rand -hex 32`, or unset it \
             to turn the operator API off)"
        ));
    }
    Ok(())
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("http_addr", &self.http_addr)
            .field("health_addr", &self.health_addr)
            .field("bus", &self.bus)
            .field(
                "operator_token",
                &self.operator_token.as_ref().map(|_| "***"),
            )
            .field("public_url", &self.public_url)
            .field("edge", &self.edge)
            .field("secret_key_id", &self.secret_keys.current().id())
            .finish_non_exhaustive()
    }
}

impl GatewayConfig {
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        const OPERATOR_TOKEN: &str = "SWITCHBOARD_OPERATOR_TOKEN";
        let operator_token = vars.get(OPERATOR_TOKEN).map(str::to_owned);
        if let Some(token) = &operator_token {
            check_operator_token(token).map_err(|reason| ConfigError::Invalid {
                key: OPERATOR_TOKEN.to_owned(),
                reason,
            })?;
        }
        let defaults = EdgeSettings::DEFAULT;
        let edge = EdgeSettings {
            header_timeout: positive(
                vars,
                "SWITCHBOARD_HTTP_HEADER_TIMEOUT",
                defaults.header_timeout,
            )?,
            body_timeout: positive(vars, "SWITCHBOARD_HTTP_BODY_TIMEOUT", defaults.body_timeout)?,
            idle_timeout: positive(vars, "SWITCHBOARD_HTTP_IDLE_TIMEOUT", defaults.idle_timeout)?,
            max_connections: at_least_one(
                vars,
                "SWITCHBOARD_HTTP_MAX_CONNECTIONS",
                defaults.max_connections,
            )?,
        };
        let nats_authority = match vars.get(NATS_AUTHORITY).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(path) => Some(Arc::new(
                Authority::load(std::path::Path::new(path)).map_err(|e| ConfigError::Invalid {
                    key: NATS_AUTHORITY.to_owned(),
                    reason: format!("cannot read the authority file: {e}"),
                })?,
            )),
        };
        let bus = BusSettings::load(vars)?;
        Ok(Self {
            secret_keys: secret_keys(vars)?,
            http_addr: vars.addr("SWITCHBOARD_HTTP_ADDR", "127.0.0.1:8080")?,
            health_addr: vars.addr("SWITCHBOARD_HEALTH_ADDR", "127.0.0.1:8096")?,
            ai_platform_nats_url: vars.string("SWITCHBOARD_AI_PLATFORM_NATS_URL", &bus.url),
            nats_authority,
            bus,
            operator_token,
            public_url: vars.get("SWITCHBOARD_PUBLIC_URL").map(str::to_owned),
            frames_per_second: vars.number("SWITCHBOARD_WS_FRAMES_PER_SECOND", 10)?,
            startup_timeout: vars.duration("SWITCHBOARD_STARTUP_TIMEOUT", "60s")?,
            edge,
            api_requests_per_second: at_least_one(vars, "SWITCHBOARD_API_REQUESTS_PER_SECOND", 50)?,
            address_requests_per_second: at_least_one(
                vars,
                "SWITCHBOARD_IP_REQUESTS_PER_SECOND",
                20,
            )?,
            proxy_hops: vars.number("SWITCHBOARD_PROXY_HOPS", 0)?,
            webhook_allow_private: vars.flag("SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE"),
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

    /// For tests: port 0, the given bus, and an address rate high enough
    /// for suites that open many sockets from one address at once.
    pub fn for_tests(nats_url: &str, operator_token: &str) -> Self {
        Self {
            http_addr: "127.0.0.1:0".parse().expect("literal address"),
            health_addr: "127.0.0.1:0".parse().expect("literal address"),
            bus: BusSettings::single(nats_url),
            operator_token: Some(operator_token.to_owned()),
            public_url: None,
            frames_per_second: 50,
            startup_timeout: Duration::from_secs(20),
            presence_refresh: Duration::from_secs(15),
            edge: EdgeSettings::DEFAULT,
            api_requests_per_second: 50,
            address_requests_per_second: 1_000,
            proxy_hops: 0,
            secret_keys: Keyring::generate(),
            nats_authority: None,
            ai_platform_nats_url: nats_url.to_owned(),
            webhook_allow_private: false,
        }
    }
}

fn positive(vars: &Vars, key: &str, default: Duration) -> Result<Duration, ConfigError> {
    let duration = vars.duration(key, &format!("{}ms", default.as_millis()))?;
    if duration.is_zero() {
        return Err(ConfigError::Invalid {
            key: key.to_owned(),
            reason: "must be longer than 0".into(),
        });
    }
    Ok(duration)
}

fn at_least_one<T>(vars: &Vars, key: &str, default: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    let value = vars.number(key, default)?;
    if value < T::from(1) {
        return Err(ConfigError::Invalid {
            key: key.to_owned(),
            reason: "must be at least 1".into(),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    /// The variables every start needs (a secret key), plus `pairs`.
    fn with_key<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vars {
        let mut vars = Vars::from_pairs([(SECRET_KEY, KEY)]);
        for (key, value) in pairs {
            vars.set(key, value);
        }
        vars
    }

    #[test]
    fn the_presence_refresh_is_15_seconds_unless_the_environment_says_otherwise() {
        let config = GatewayConfig::load(&with_key([])).unwrap();
        assert_eq!(config.presence_refresh, Duration::from_secs(15));
        let vars = with_key([("SWITCHBOARD_PRESENCE_REFRESH", "500ms")]);
        let config = GatewayConfig::load(&vars).unwrap();
        assert_eq!(config.presence_refresh, Duration::from_millis(500));
    }

    #[test]
    fn a_zero_or_garbled_presence_refresh_names_its_variable() {
        for value in ["0s", "often"] {
            let vars = with_key([("SWITCHBOARD_PRESENCE_REFRESH", value)]);
            let error = GatewayConfig::load(&vars).err().unwrap().to_string();
            assert!(error.starts_with("SWITCHBOARD_PRESENCE_REFRESH"), "{error}");
        }
    }

    #[test]
    fn the_edges_default_to_sane_limits() {
        let config = GatewayConfig::load(&with_key([])).unwrap();
        assert_eq!(config.edge, EdgeSettings::DEFAULT);
        assert_eq!(config.edge.header_timeout, Duration::from_secs(10));
        assert_eq!(config.edge.body_timeout, Duration::from_secs(30));
        assert_eq!(config.edge.idle_timeout, Duration::from_secs(120));
        assert_eq!(config.edge.max_connections, 10_000);
        assert_eq!(
            (
                config.api_requests_per_second,
                config.address_requests_per_second,
                config.proxy_hops
            ),
            (50, 20, 0)
        );
    }

    #[test]
    fn the_edges_are_set_by_the_environment() {
        let vars = with_key([
            ("SWITCHBOARD_HTTP_HEADER_TIMEOUT", "2s"),
            ("SWITCHBOARD_HTTP_BODY_TIMEOUT", "1500ms"),
            ("SWITCHBOARD_HTTP_IDLE_TIMEOUT", "1m"),
            ("SWITCHBOARD_HTTP_MAX_CONNECTIONS", "7"),
            ("SWITCHBOARD_API_REQUESTS_PER_SECOND", "5"),
            ("SWITCHBOARD_IP_REQUESTS_PER_SECOND", "3"),
            ("SWITCHBOARD_PROXY_HOPS", "1"),
        ]);
        let config = GatewayConfig::load(&vars).unwrap();
        assert_eq!(
            config.edge,
            EdgeSettings {
                header_timeout: Duration::from_secs(2),
                body_timeout: Duration::from_millis(1500),
                idle_timeout: Duration::from_secs(60),
                max_connections: 7,
            }
        );
        assert_eq!(
            (
                config.api_requests_per_second,
                config.address_requests_per_second,
                config.proxy_hops
            ),
            (5, 3, 1)
        );
    }

    #[test]
    fn zero_limits_are_refused_naming_the_variable() {
        for key in [
            "SWITCHBOARD_HTTP_HEADER_TIMEOUT",
            "SWITCHBOARD_HTTP_MAX_CONNECTIONS",
            "SWITCHBOARD_IP_REQUESTS_PER_SECOND",
        ] {
            let error = GatewayConfig::load(&with_key([(key, "0")])).unwrap_err();
            assert!(error.to_string().starts_with(key), "{error}");
        }
    }

    #[test]
    fn a_short_operator_token_stops_the_start_without_repeating_it() {
        let short = "s3cret-but-short";
        let vars = with_key([("SWITCHBOARD_OPERATOR_TOKEN", short)]);
        let error = GatewayConfig::load(&vars).unwrap_err().to_string();
        assert!(
            error.starts_with("SWITCHBOARD_OPERATOR_TOKEN: the operator token is 16 characters"),
            "{error}"
        );
        assert!(error.contains("at least 32"), "{error}");
        assert!(!error.contains(short), "{error}");

        let long = "x".repeat(OPERATOR_TOKEN_MIN_CHARS);
        let vars = with_key([("SWITCHBOARD_OPERATOR_TOKEN", long.as_str())]);
        let config = GatewayConfig::load(&vars).unwrap();
        assert_eq!(config.operator_token.as_deref(), Some(long.as_str()));
        // Unset (or blank) turns the operator API off instead.
        let vars = with_key([("SWITCHBOARD_OPERATOR_TOKEN", " ")]);
        assert_eq!(GatewayConfig::load(&vars).unwrap().operator_token, None);
    }
}
