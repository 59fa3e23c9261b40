//! Webhook service settings, read once from a [`Vars`] source.

use std::time::Duration;

use switchboard_runtime::config::{CommonConfig, CommonDefaults, ConfigError, Vars};
use switchboard_secrets::Keyring;

/// Where `/healthz`, `/readyz` and `/metrics` are served unless
/// `SWITCHBOARD_HEALTH_ADDR` says otherwise.
pub const HEALTH_DEFAULT: &str = "127.0.0.1:8097";

const DEFAULTS: CommonDefaults = CommonDefaults {
    health_addr: HEALTH_DEFAULT,
    prefix: "WEBHOOK",
    lanes: 8,
    rpc_concurrency: 16,
};

/// How deliveries are attempted.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Refuse nothing by address (`SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=1`):
    /// for local stacks and tests only.
    pub allow_private: bool,
    /// One attempt's limit: connect, send, and read the answer.
    pub timeout: Duration,
    /// The wait after the first failure; it doubles up to `retry_max`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// Consecutive failures after which a subscription is paused.
    pub pause_after: u32,
    /// How often the worker looks for due deliveries when nothing woke it.
    pub poll_interval: Duration,
    /// Deliveries attempted at once (each to a different conversation or
    /// subscription: one queue is always one at a time).
    pub concurrency: usize,
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Bus, database, health, start deadline; event lanes and concurrent
    /// delivery-log requests.
    pub common: CommonConfig,
    /// Opens the subscriptions' sealed secrets (the gateway's keys).
    pub secret_keys: Keyring,
    pub delivery: DeliverySettings,
}

impl WebhookConfig {
    /// The common settings (`SWITCHBOARD_WEBHOOK_LANES` [8],
    /// `SWITCHBOARD_WEBHOOK_RPC_CONCURRENCY` [16], health on 8097),
    /// `SWITCHBOARD_SECRET_KEY` (required), and the delivery settings:
    /// `SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE` [0], `_TIMEOUT` [10s],
    /// `_RETRY_FIRST` [5s], `_RETRY_MAX` [10m], `_PAUSE_AFTER` [10],
    /// `_POLL_INTERVAL` [1s], `_CONCURRENCY` [16].
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let pause_after: u32 = vars.number("SWITCHBOARD_WEBHOOK_PAUSE_AFTER", 10)?;
        if pause_after == 0 {
            return Err(ConfigError::Invalid {
                key: "SWITCHBOARD_WEBHOOK_PAUSE_AFTER".into(),
                reason: "must be at least 1".into(),
            });
        }
        let concurrency: usize = vars.number("SWITCHBOARD_WEBHOOK_CONCURRENCY", 16)?;
        Ok(Self {
            common: CommonConfig::load(vars, &DEFAULTS)?,
            secret_keys: switchboard_secrets::vars::secret_keys(vars)?,
            delivery: DeliverySettings {
                allow_private: vars.flag("SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE"),
                timeout: vars.duration("SWITCHBOARD_WEBHOOK_TIMEOUT", "10s")?,
                retry_first: vars.duration("SWITCHBOARD_WEBHOOK_RETRY_FIRST", "5s")?,
                retry_max: vars.duration("SWITCHBOARD_WEBHOOK_RETRY_MAX", "10m")?,
                pause_after,
                poll_interval: vars.duration("SWITCHBOARD_WEBHOOK_POLL_INTERVAL", "1s")?,
                concurrency: concurrency.max(1),
            },
        })
    }

    /// For tests: the given bus, database and keys, health on port 0,
    /// private targets allowed and short waits.
    pub fn for_tests(nats_url: &str, database_url: &str, secret_keys: Keyring) -> Self {
        Self {
            common: CommonConfig::for_tests(nats_url, database_url),
            secret_keys,
            delivery: DeliverySettings {
                allow_private: true,
                timeout: Duration::from_secs(2),
                retry_first: Duration::from_millis(100),
                retry_max: Duration::from_millis(400),
                pause_after: 3,
                poll_interval: Duration::from_millis(100),
                concurrency: 8,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn defaults_refuse_private_targets_and_serve_health_on_8097() {
        let config =
            WebhookConfig::load(&Vars::from_pairs([("SWITCHBOARD_SECRET_KEY", KEY)])).unwrap();
        assert_eq!(config.common.health_addr.to_string(), HEALTH_DEFAULT);
        assert!(!config.delivery.allow_private);
        assert_eq!(config.delivery.pause_after, 10);
        assert_eq!(config.delivery.retry_first, Duration::from_secs(5));
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        for (key, value) in [
            ("SWITCHBOARD_WEBHOOK_TIMEOUT", "soon"),
            ("SWITCHBOARD_WEBHOOK_PAUSE_AFTER", "0"),
        ] {
            let vars = Vars::from_pairs([("SWITCHBOARD_SECRET_KEY", KEY), (key, value)]);
            let error = WebhookConfig::load(&vars).unwrap_err().to_string();
            assert!(error.contains(key), "{error}");
        }
        let error = WebhookConfig::load(&Vars::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("SWITCHBOARD_SECRET_KEY"), "{error}");
    }
}
