//! # switchboard-loadgen: the benchmark harness
//!
//! `roundtrip` measures customer → built-in AI → customer round trips through
//! the gateway's WebSocket at several concurrency levels, beside bare NATS
//! request/reply, JetStream publish and a bare WebSocket echo measured in the
//! same run, and checks TARGETS.md's P3. `all` runs every benchmark with its
//! defaults (`make bench`).
//!
//! | module | what |
//! |---|---|
//! | [`bench`] | the `roundtrip` run from start to finish |
//! | [`system`] | nats-server and the service binaries, started for the run |
//! | [`tenant`] | the tenant, AI agent, experience and widget under load |
//! | [`baselines`] | the run's yardsticks, measured and printed |
//! | [`nats_bare`] | bare NATS request/reply and JetStream publish |
//! | [`ws_echo`] | a bare WebSocket echo: the WebSocket cost |
//! | [`roundtrip`] | customer sockets in a closed loop |
//! | [`closed_loop`] | the engine: C probes, one round trip outstanding each |
//! | [`open_files`] | is the open-files limit high enough for 1,000 sockets? |
//! | [`report`] | tables, P3's verdict, the JSON line |

mod baselines;
mod bench;
mod closed_loop;
mod nats_bare;
mod open_files;
mod report;
mod roundtrip;
#[cfg(test)]
mod roundtrip_tests;
mod system;
mod tenant;
mod ws_echo;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Switchboard's benchmark harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Customer → AI → customer round trips through the gateway, beside bare NATS.
    Roundtrip(RoundtripArgs),
    /// Every benchmark with its defaults (what `make bench` runs).
    All(RoundtripArgs),
    /// Only the bare yardsticks: NATS request/reply, JetStream publish, WebSocket echo.
    Baselines(BaselineArgs),
}

#[derive(Args)]
struct BaselineArgs {
    /// Concurrency levels for request/reply and the WebSocket echo.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    conversations: Vec<usize>,
    /// Length of each measurement, in seconds.
    #[arg(long, default_value_t = 3)]
    baseline_secs: u64,
    /// Unrecorded warm-up before every measurement, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    warmup_ms: u64,
    /// A running nats-server; without it one is started for the run.
    #[arg(long)]
    nats: Option<String>,
}

#[derive(Args)]
struct RoundtripArgs {
    /// Concurrency levels: conversations open at once, each with one message outstanding.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    conversations: Vec<usize>,
    /// Stop each conversation after this many round trips (or at --duration-secs).
    #[arg(long)]
    messages_per_conversation: Option<u64>,
    /// Length of each level's closed loop, in seconds.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Length of each bare baseline measurement, in seconds.
    #[arg(long, default_value_t = 3)]
    baseline_secs: u64,
    /// Unrecorded warm-up before every measurement, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    warmup_ms: u64,
    /// Measure a running gateway (http://host:port) instead of starting a system.
    #[arg(long, requires = "operator_token")]
    gateway: Option<String>,
    /// The operator token of --gateway.
    #[arg(long, env = "SWITCHBOARD_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// The nats-server behind --gateway, for the bare baselines.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats: String,
    /// Also write the JSON result to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Checks --conversations and that the process may open enough files.
fn check_levels(levels: &[usize]) -> anyhow::Result<()> {
    if levels.is_empty() || levels.contains(&0) {
        bail!("--conversations: give positive numbers, e.g. 1,100,1000");
    }
    open_files::check(levels.iter().copied().max().unwrap_or(1))
}

async fn baselines(args: BaselineArgs) -> anyhow::Result<()> {
    check_levels(&args.conversations)?;
    let each = Duration::from_secs(args.baseline_secs);
    // Held until the end: dropping it stops the server.
    let mut own_server = None;
    let url = match args.nats {
        Some(url) => url,
        None => own_server
            .insert(switchboard_testkit::NatsServer::start().await)
            .url(),
    };
    let warmup = Duration::from_millis(args.warmup_ms);
    baselines::Baselines::measure(&url, &args.conversations, warmup, each)
        .await?
        .print(each);
    Ok(())
}

async fn roundtrip(args: RoundtripArgs) -> anyhow::Result<()> {
    check_levels(&args.conversations)?;
    let external = match (args.gateway, args.operator_token) {
        (Some(gateway_url), Some(operator_token)) => Some(bench::External {
            gateway_url,
            operator_token,
            nats_url: args.nats,
        }),
        (Some(_), None) => bail!("--gateway needs --operator-token"),
        (None, _) => None,
    };
    let settings = bench::Settings {
        conversations: args.conversations,
        messages_per_conversation: args.messages_per_conversation,
        duration: Duration::from_secs(args.duration_secs),
        warmup: Duration::from_millis(args.warmup_ms),
        baseline_duration: Duration::from_secs(args.baseline_secs),
        external,
    };
    let json = bench::run(settings).await?;
    if let Some(path) = args.json {
        std::fs::write(&path, format!("{json}\n"))
            .with_context(|| format!("write {}", path.display()))?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Roundtrip(args) | Command::All(args) => roundtrip(args).await,
        Command::Baselines(args) => baselines(args).await,
    }
}
