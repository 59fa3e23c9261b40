//! The loadgen's subcommands and their flags.

use std::path::PathBuf;

use clap::{Args, FromArgMatches, Parser, Subcommand};

use crate::bench::External;

#[derive(Parser)]
#[command(version, about = "Switchboard's benchmark harness")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Customer → AI → customer round trips through the gateway, beside bare NATS.
    Roundtrip(RoundtripArgs),
    /// Live chat: handoff → offer, accept → first message, assignments/s, limit violations.
    Routing(RoutingArgs),
    /// Every benchmark with its defaults (what `make bench` runs).
    All(AllArgs),
    /// Only the bare yardsticks: NATS request/reply, JetStream publish, WebSocket echo.
    Baselines(BaselineArgs),
    /// P4: the gateway's resident memory per idle customer socket.
    P4Sockets(crate::p4_sockets::P4Args),
}

/// A subcommand's flags with every default, as `all` runs it.
pub fn defaults<T: Args + FromArgMatches>() -> anyhow::Result<T> {
    let matches =
        T::augment_args(clap::Command::new("defaults")).try_get_matches_from(["defaults"])?;
    Ok(T::from_arg_matches(&matches)?)
}

#[derive(Args)]
pub struct BaselineArgs {
    /// Concurrency levels for request/reply and the WebSocket echo.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    pub conversations: Vec<usize>,
    /// Length of each measurement, in seconds.
    #[arg(long, default_value_t = 3)]
    pub baseline_secs: u64,
    /// Unrecorded warm-up before every measurement, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub warmup_ms: u64,
    /// A running nats-server; without it one is started for the run.
    #[arg(long)]
    pub nats: Option<String>,
}

/// Which system to measure: by default one started for the run.
#[derive(Args)]
pub struct TargetArgs {
    /// Measure a running gateway (http://host:port) instead of starting a system.
    #[arg(long, requires = "operator_token")]
    pub gateway: Option<String>,
    /// The operator token of --gateway.
    #[arg(long, env = "SWITCHBOARD_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// The nats-server behind --gateway, for the bare baselines.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub nats: String,
}

impl TargetArgs {
    /// `None`: start a system of our own.
    pub fn external(self) -> Option<External> {
        match (self.gateway, self.operator_token) {
            (Some(gateway_url), Some(operator_token)) => Some(External {
                gateway_url,
                operator_token,
                nats_url: self.nats,
            }),
            // clap's `requires` rules out a gateway without a token.
            _ => None,
        }
    }
}

#[derive(Args)]
pub struct RoundtripArgs {
    /// Concurrency levels: conversations open at once, each with one message outstanding.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    pub conversations: Vec<usize>,
    /// Stop each conversation after this many round trips (or at --duration-secs).
    #[arg(long)]
    pub messages_per_conversation: Option<u64>,
    /// Length of each level's closed loop, in seconds.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// Length of each bare baseline measurement, in seconds.
    #[arg(long, default_value_t = 3)]
    pub baseline_secs: u64,
    /// Unrecorded warm-up before every measurement, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub warmup_ms: u64,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Also write the JSON result to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Args)]
pub struct RoutingArgs {
    /// Agents in the steady phase, all in one space.
    #[arg(long, default_value_t = 20)]
    pub agents: usize,
    /// The site's maximum_conversations per agent (1–20).
    #[arg(long, default_value_t = 3)]
    pub maximum_conversations: u32,
    /// Customers arriving per second in the steady phase.
    #[arg(long, default_value_t = 50.0)]
    pub arrival_rate: f64,
    /// How long customers arrive in the steady phase, in seconds.
    #[arg(long, default_value_t = 20)]
    pub duration_secs: u64,
    /// An agent's think time between its answer and ending the chat, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub handle_secs: f64,
    /// Customers handing off at once to ⌈N / limit⌉ agents (at least --agents); 0 skips it.
    #[arg(long, default_value_t = 500)]
    pub burst: usize,
    /// Steady handoffs in this first stretch (and the baseline's) are not timed, in ms.
    #[arg(long, default_value_t = 1000)]
    pub warmup_ms: u64,
    /// Length of the bare request/reply baseline, in seconds.
    #[arg(long, default_value_t = 3)]
    pub baseline_secs: u64,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Also write the JSON result to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Args)]
pub struct AllArgs {
    /// Also write each benchmark's JSON result to this file, one line each.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_runs_each_benchmark_with_the_defaults_its_subcommand_documents() {
        let routing: RoutingArgs = defaults().unwrap();
        assert_eq!(
            (routing.agents, routing.maximum_conversations, routing.burst),
            (20, 3, 500)
        );
        assert_eq!((routing.arrival_rate, routing.duration_secs), (50.0, 20));
        let roundtrip: RoundtripArgs = defaults().unwrap();
        assert_eq!(roundtrip.conversations, vec![1, 100, 1000]);
    }
}
