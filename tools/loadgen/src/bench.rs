//! The `roundtrip` benchmark from start to finish: the system under test (its
//! own, or the one at `--gateway`), the tenant, the bare baselines on the same
//! nats-server, then each concurrency level, then the summary.

use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::baselines::Baselines;
use crate::closed_loop::Limits;
use crate::report::{self, LevelReport, Stats};
use crate::system::System;
use crate::{roundtrip, tenant};

/// What a run measures and against which system.
#[derive(Debug, Clone)]
pub struct Settings {
    pub conversations: Vec<usize>,
    pub messages_per_conversation: Option<u64>,
    pub duration: Duration,
    /// Before every measurement, not recorded.
    pub warmup: Duration,
    pub baseline_duration: Duration,
    /// `None`: start a system of our own.
    pub external: Option<External>,
}

#[derive(Debug, Clone)]
pub struct External {
    pub gateway_url: String,
    pub operator_token: String,
    pub nats_url: String,
}

/// A round trip slower than this counts as failed.
const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(30);

/// `http://host` → `ws://host`.
pub fn ws_base(gateway_url: &str) -> anyhow::Result<String> {
    let url = gateway_url.trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("http://") {
        Ok(format!("ws://{rest}"))
    } else if url.starts_with("https://") {
        bail!(
            "--gateway {url}: TLS is not supported by the loadgen; point it at the plain HTTP address"
        )
    } else {
        bail!("--gateway {url}: expected http://host:port")
    }
}

/// The system to measure: the one at `external`, or one of our own (held in
/// the first half of the answer: dropping it stops it).
pub async fn system_under_test(
    external: Option<External>,
) -> anyhow::Result<(Option<System>, External)> {
    if let Some(external) = external {
        println!(
            "against {} (its SWITCHBOARD_WS_FRAMES_PER_SECOND, SWITCHBOARD_IP_REQUESTS_PER_SECOND \
             and SWITCHBOARD_HTTP_MAX_CONNECTIONS must allow the load)",
            external.gateway_url
        );
        return Ok((None, external));
    }
    println!("starting nats-server and the services (SQLite, RUST_LOG=warn)...");
    let system = System::start().await?;
    let target = External {
        gateway_url: system.gateway_url.clone(),
        operator_token: system.operator_token.clone(),
        nats_url: system.nats.url(),
    };
    Ok((Some(system), target))
}

/// Runs the benchmark and returns every number as JSON (also printed).
pub async fn run(settings: Settings) -> anyhow::Result<Value> {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("{cores} cores; the loadgen shares them with everything it measures");
    // `_own_system` is held until the end: dropping it stops the system.
    let (_own_system, target) = system_under_test(settings.external.clone()).await?;
    let External {
        gateway_url,
        operator_token,
        nats_url,
    } = target;
    let tenant = tenant::create(&gateway_url, &operator_token)
        .await
        .context("configure the benchmark tenant")?;
    println!("tenant {} with widget {}", tenant.id, tenant.widget);

    let baselines = Baselines::measure(
        &nats_url,
        &settings.conversations,
        settings.warmup,
        settings.baseline_duration,
    )
    .await?;
    baselines.print(settings.baseline_duration);
    let rr_sequential = &baselines.request_reply_sequential;

    let limits = Limits {
        warmup: settings.warmup,
        duration: settings.duration,
        max_per_probe: settings.messages_per_conversation,
        timeout: ROUND_TRIP_TIMEOUT,
    };
    let ws = ws_base(&gateway_url)?;
    let mut levels = Vec::new();
    for at in &baselines.levels {
        let c = at.concurrency;
        let level = roundtrip::measure(&ws, &tenant.widget, c, limits).await?;
        if let Some(example) = &level.open_failure_example {
            println!(
                "{} of {c} sockets failed to open, e.g.: {example}",
                level.open_failures
            );
        }
        let level = LevelReport {
            conversations: level.conversations,
            open_failures: level.open_failures,
            open_secs: level.open_time.as_secs_f64(),
            round_trip: Stats::of(&level.sample),
            to_echo: Stats::of_milestone(&level.sample),
            request_reply: at.request_reply.clone(),
            ws_echo: at.ws_echo.clone(),
        };
        report::print_level(&level, rr_sequential);
        levels.push(level);
    }
    report::print_summary(&levels, rr_sequential);
    let json = report::json(
        settings.duration.as_secs(),
        rr_sequential,
        &baselines.jetstream_publish,
        &levels,
    );
    println!("\n{json}");
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_http_gateway_address_becomes_its_websocket_base() {
        assert_eq!(
            ws_base("http://127.0.0.1:8080/").unwrap(),
            "ws://127.0.0.1:8080"
        );
        assert!(ws_base("https://chat.example.com").is_err());
        assert!(ws_base("127.0.0.1:8080").is_err());
    }
}
