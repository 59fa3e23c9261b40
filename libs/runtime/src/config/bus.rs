//! The bus settings every service reads the same way: where NATS is, how
//! many replicas its streams keep, how often an idle connection is pinged,
//! and the credentials and TLS files a service proves itself with.

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, Vars};

/// Where the bus is and how its streams are kept: read the same way by every
/// service, so one setting covers the whole deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusSettings {
    /// `NATS_URL`: one server, or a cluster's servers separated by commas
    /// (the client picks one and fails over to the others).
    pub url: String,
    /// `SWITCHBOARD_REPLICAS` (default 1): replicas of every stream and bucket
    /// (1–5; 3 on a three-node cluster). A stream that already has more keeps them.
    pub replicas: usize,
    /// `SWITCHBOARD_NATS_PING_INTERVAL` (default 5 s): how often the client
    /// pings a server that has sent nothing. Three intervals without an
    /// answer drop the connection and the client moves to another server:
    /// a node cut off by a partition stalls its connections without closing
    /// them, and only this notices.
    pub ping_interval: Duration,
    /// How this process proves who it is, and checks the servers.
    pub credentials: BusCredentials,
}

/// A service's NATS credentials and TLS files (a user and password may
/// also ride in `NATS_URL`: `nats://user:password@host:4222`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusCredentials {
    /// `NATS_CREDS`: a credentials file (user JWT and nkey seed).
    pub creds_file: Option<PathBuf>,
    /// `NATS_NKEY`: a file holding a user's nkey seed (`SU…`).
    pub nkey_file: Option<PathBuf>,
    /// `NATS_CA`: the certificate authority the servers' certificates are
    /// checked against; setting it requires TLS.
    pub ca_file: Option<PathBuf>,
    /// `NATS_CERT` and `NATS_KEY`: a client certificate and its key.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

impl BusCredentials {
    pub const CREDS: &str = "NATS_CREDS";
    pub const NKEY: &str = "NATS_NKEY";
    pub const CA: &str = "NATS_CA";
    pub const CERT: &str = "NATS_CERT";
    pub const KEY: &str = "NATS_KEY";

    /// Reads the variables; every file named must exist, and a certificate
    /// comes with its key.
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let file = |key: &str| -> Result<Option<PathBuf>, ConfigError> {
            match vars.get(key).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(path) if std::path::Path::new(path).is_file() => Ok(Some(PathBuf::from(path))),
                Some(path) => Err(ConfigError::Invalid {
                    key: key.to_owned(),
                    reason: format!("`{path}` is not a readable file"),
                }),
            }
        };
        let creds_file = file(Self::CREDS)?;
        let nkey_file = file(Self::NKEY)?;
        if creds_file.is_some() && nkey_file.is_some() {
            return Err(ConfigError::Invalid {
                key: Self::NKEY.to_owned(),
                reason: format!("set {} or {}, not both", Self::CREDS, Self::NKEY),
            });
        }
        let client_cert = match (file(Self::CERT)?, file(Self::KEY)?) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::Invalid {
                    key: Self::KEY.to_owned(),
                    reason: format!("{} needs its key in {}", Self::CERT, Self::KEY),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Invalid {
                    key: Self::CERT.to_owned(),
                    reason: format!(
                        "{} is the key of a certificate in {}",
                        Self::KEY,
                        Self::CERT
                    ),
                });
            }
        };
        Ok(Self {
            creds_file,
            nkey_file,
            ca_file: file(Self::CA)?,
            client_cert,
        })
    }
}

impl BusSettings {
    pub const URL: &str = "NATS_URL";
    pub const REPLICAS: &str = "SWITCHBOARD_REPLICAS";
    pub const MAX_REPLICAS: usize = 5;
    pub const PING_INTERVAL: &str = "SWITCHBOARD_NATS_PING_INTERVAL";
    pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(5);
    const PING_INTERVALS: std::ops::RangeInclusive<Duration> =
        Duration::from_millis(500)..=Duration::from_secs(600);

    /// `NATS_URL` (default `nats://127.0.0.1:4222`), `SWITCHBOARD_REPLICAS`
    /// (default 1), `SWITCHBOARD_NATS_PING_INTERVAL` (default 5 s, 500 ms–10 m).
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        let url = vars.string(Self::URL, "nats://127.0.0.1:4222");
        if url.split(',').any(|server| server.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                key: Self::URL.to_owned(),
                reason: format!(
                    "`{url}` has an empty entry; list servers like nats://a:4222,nats://b:4222"
                ),
            });
        }
        let replicas = vars.number(Self::REPLICAS, 1usize)?;
        if !(1..=Self::MAX_REPLICAS).contains(&replicas) {
            return Err(ConfigError::Invalid {
                key: Self::REPLICAS.to_owned(),
                reason: format!("must be from 1 to {} (got {replicas})", Self::MAX_REPLICAS),
            });
        }
        let ping_interval = vars.duration(Self::PING_INTERVAL, "5s")?;
        if !Self::PING_INTERVALS.contains(&ping_interval) {
            return Err(ConfigError::Invalid {
                key: Self::PING_INTERVAL.to_owned(),
                reason: format!("must be from 500ms to 10m (got {ping_interval:?})"),
            });
        }
        Ok(Self {
            url,
            replicas,
            ping_interval,
            credentials: BusCredentials::load(vars)?,
        })
    }

    /// One server, one replica, no credentials.
    pub fn single(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            replicas: 1,
            credentials: BusCredentials::default(),
            ping_interval: Self::DEFAULT_PING_INTERVAL,
        }
    }
}
