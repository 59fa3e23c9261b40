//! Where spans go, as the OpenTelemetry environment variables say, read
//! through [`Vars`] like every other setting. Spans are exported over OTLP
//! only when an endpoint is set; without one nothing is exported.
//!
//! | variable | meaning |
//! |---|---|
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | the collector's base URL; `/v1/traces` is added for HTTP |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the full URL for spans, used as it is (wins over the above) |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` (`_TRACES_` too) | `http/protobuf` (the default) or `grpc` |
//! | `OTEL_SERVICE_NAME` | replaces the service's own name (`switchboard-{service}`) |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,...` added to every span's resource |
//! | `OTEL_BSP_SCHEDULE_DELAY` | milliseconds between two exports (default 5000) |
//! | `OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none` | no export even with an endpoint |
//!
//! The exporter reads `OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT` and
//! `_COMPRESSION` itself.

use std::time::Duration;

use crate::config::{ConfigError, Vars};

/// The protocols of the OTLP standard this build speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf`, the standard's default.
    HttpProtobuf,
    Grpc,
}

/// Where and how spans are exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The URL spans are sent to (for HTTP, including `/v1/traces`).
    pub endpoint: String,
    pub protocol: Protocol,
    /// How long finished spans wait to be sent together.
    pub schedule_delay: Option<Duration>,
}

/// What the process says about itself and where its spans go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `None`: spans are not exported.
    pub export: Option<Export>,
    /// `service.name`.
    pub service_name: String,
    /// From `OTEL_RESOURCE_ATTRIBUTES`, in order (`service.name` there is
    /// ignored: each process names itself, see [`Settings::service_name`]).
    pub resource: Vec<(String, String)>,
}

impl Settings {
    /// Reads the settings of the service `service` (`gateway`, ...).
    pub fn load(service: &str, vars: &Vars) -> Result<Self, ConfigError> {
        let service_name = vars.get("OTEL_SERVICE_NAME").map_or_else(
            || format!("switchboard-{service}"),
            |name| name.trim().to_owned(),
        );
        let resource = match vars.get("OTEL_RESOURCE_ATTRIBUTES") {
            None => Vec::new(),
            Some(raw) => {
                parse_pairs(raw).map_err(|reason| invalid("OTEL_RESOURCE_ATTRIBUTES", reason))?
            }
        };
        Ok(Self {
            export: export(vars)?,
            service_name,
            resource: resource
                .into_iter()
                .filter(|(key, _)| key != "service.name")
                .collect(),
        })
    }
}

fn export(vars: &Vars) -> Result<Option<Export>, ConfigError> {
    if vars
        .get("OTEL_SDK_DISABLED")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    match vars.get("OTEL_TRACES_EXPORTER").map(str::trim) {
        None | Some("otlp") => {}
        Some("none") => return Ok(None),
        Some(other) => {
            return Err(invalid(
                "OTEL_TRACES_EXPORTER",
                format!("`{other}` is not supported: use `otlp` or `none`"),
            ));
        }
    }
    let (protocol_key, protocol) = first(
        vars,
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    );
    let protocol = match protocol.map(str::trim) {
        None | Some("http/protobuf") => Protocol::HttpProtobuf,
        Some("grpc") => Protocol::Grpc,
        Some(other) => {
            return Err(invalid(
                protocol_key,
                format!("`{other}` is not supported: use `http/protobuf` or `grpc`"),
            ));
        }
    };
    let endpoint = if let Some(url) = vars.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        checked_url("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)?
    } else if let Some(base) = vars.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
        let base = checked_url("OTEL_EXPORTER_OTLP_ENDPOINT", base)?;
        match protocol {
            Protocol::HttpProtobuf => format!("{}/v1/traces", base.trim_end_matches('/')),
            Protocol::Grpc => base,
        }
    } else {
        return Ok(None);
    };
    let schedule_delay = match vars.get("OTEL_BSP_SCHEDULE_DELAY") {
        None => None,
        Some(raw) => Some(Duration::from_millis(raw.trim().parse().map_err(|_| {
            invalid(
                "OTEL_BSP_SCHEDULE_DELAY",
                format!("`{raw}` is not a number of milliseconds"),
            )
        })?)),
    };
    Ok(Some(Export {
        endpoint,
        protocol,
        schedule_delay,
    }))
}

/// The signal's own variable when set, else the general one; with the name used.
fn first<'a>(
    vars: &'a Vars,
    signal: &'static str,
    general: &'static str,
) -> (&'static str, Option<&'a str>) {
    match vars.get(signal) {
        Some(value) => (signal, Some(value)),
        None => (general, vars.get(general)),
    }
}

/// A plain `http://` URL: this build sends spans without TLS, to a collector
/// beside the service.
fn checked_url(key: &str, raw: &str) -> Result<String, ConfigError> {
    let url = raw.trim();
    match url.split_once("://") {
        Some(("http", rest)) if !rest.is_empty() => Ok(url.to_owned()),
        Some(("https", _)) => Err(invalid(
            key,
            "https is not supported: send spans to a collector beside the service over http://",
        )),
        _ => Err(invalid(key, format!("`{url}` is not an http:// URL"))),
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// `key1=value1,key2=value2` with percent-encoded values (the W3C Baggage
/// format the standard uses for its lists); blank entries are skipped.
pub fn parse_pairs(raw: &str) -> Result<Vec<(String, String)>, String> {
    raw.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| {
            let (key, value) = entry
                .split_once('=')
                .ok_or_else(|| format!("`{}` is not key=value", entry.trim()))?;
            let key = key.trim();
            if key.is_empty() {
                return Err(format!("`{}` has no key", entry.trim()));
            }
            Ok((key.to_owned(), percent_decode(value.trim())?))
        })
        .collect()
}

fn percent_decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("`{raw}` has a bad percent escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{raw}` does not decode to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::load("gateway", &Vars::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn without_an_endpoint_nothing_is_exported() {
        let settings = load(&[]).unwrap();
        assert_eq!(settings.export, None);
        assert_eq!(settings.service_name, "switchboard-gateway");
        assert!(settings.resource.is_empty());
    }

    #[test]
    fn http_protobuf_is_the_default_and_its_endpoint_gets_the_traces_path() {
        let settings = load(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/")]).unwrap();
        let export = settings.export.unwrap();
        assert_eq!(export.protocol, Protocol::HttpProtobuf);
        assert_eq!(export.endpoint, "http://127.0.0.1:4318/v1/traces");
        assert_eq!(export.schedule_delay, None);
    }

    #[test]
    fn grpc_uses_the_endpoint_as_it_is_and_the_signal_variables_win() {
        let export = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
            ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ])
        .unwrap()
        .export
        .unwrap();
        assert_eq!(export.protocol, Protocol::Grpc);
        assert_eq!(export.endpoint, "http://collector:4318");
        assert_eq!(export.schedule_delay, Some(Duration::from_millis(200)));
        let export = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://other:9000/spans",
            ),
        ])
        .unwrap()
        .export
        .unwrap();
        assert_eq!(export.endpoint, "http://other:9000/spans");
    }

    #[test]
    fn disabling_wins_over_an_endpoint() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        assert_eq!(
            load(&[endpoint, ("OTEL_SDK_DISABLED", "TRUE")])
                .unwrap()
                .export,
            None
        );
        assert_eq!(
            load(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")])
                .unwrap()
                .export,
            None
        );
    }

    #[test]
    fn bad_settings_are_refused_naming_the_variable() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
                "OTEL_EXPORTER_OTLP_PROTOCOL",
            ),
            (
                &[endpoint, ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "udp")],
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            ),
            (
                &[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector")],
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (
                &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4317")],
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            ),
            (
                &[endpoint, ("OTEL_BSP_SCHEDULE_DELAY", "1s")],
                "OTEL_BSP_SCHEDULE_DELAY",
            ),
            (
                &[endpoint, ("OTEL_TRACES_EXPORTER", "zipkin")],
                "OTEL_TRACES_EXPORTER",
            ),
            (
                &[("OTEL_RESOURCE_ATTRIBUTES", "region")],
                "OTEL_RESOURCE_ATTRIBUTES",
            ),
        ];
        for (pairs, key) in cases {
            let error = load(pairs).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{key}: ")), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn resource_attributes_are_decoded_and_cannot_rename_the_service() {
        let settings = load(&[
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                " deployment.environment = prod ,service.name=x,team=a%2Cb%3D1,",
            ),
            ("OTEL_SERVICE_NAME", "edge-gateway"),
        ])
        .unwrap();
        assert_eq!(settings.service_name, "edge-gateway");
        assert_eq!(
            settings.resource,
            vec![
                ("deployment.environment".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "a,b=1".to_owned()),
            ]
        );
        assert!(parse_pairs("k=%zz").is_err());
        assert!(parse_pairs("=v").is_err());
    }
}
