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
    /// Every TARGETS.md figure P1–P7 beside its same-run baseline, for one or
    /// two binary sets, written to bench/results/ (what `make bench` runs).
    Suite(SuiteArgs),
}

#[derive(Args)]
pub struct SuiteArgs {
    /// `quick` (minutes, `make bench`) or `full` (TARGETS.md's scale: 1,000,000
    /// timers, 1,000 conversations; tens of minutes per binary set).
    #[arg(long, default_value = "quick", value_parser = ["quick", "full"])]
    pub profile: String,
    /// The quick profile (the default); same as `--profile quick`.
    #[arg(long, conflicts_with = "profile")]
    pub quick: bool,
    /// The full profile; same as `--profile full`.
    #[arg(long, conflicts_with_all = ["profile", "quick"])]
    pub full: bool,
    /// P1's offered rates in messages per second, e.g. 100,300,500,700,1000.
    #[arg(long, value_delimiter = ',')]
    pub rates: Option<Vec<f64>>,
    /// How P1's messages arrive: `even` or `poisson` (seeded).
    #[arg(long)]
    pub arrivals: Option<crate::arrivals::Arrivals>,
    /// Seconds per offered rate (and per baseline step), warm-up included.
    #[arg(long)]
    pub step_secs: Option<u64>,
    /// Live chats under P1's and P2's load.
    #[arg(long)]
    pub conversations: Option<usize>,
    /// P2's messages outstanding per chat (a closed loop: too few measure
    /// latency rather than how many messages the system can persist).
    #[arg(long)]
    pub p2_window: Option<usize>,
    /// P6's pending timers (1,000,000 in the full profile).
    #[arg(long)]
    pub timers: Option<usize>,
    /// P4's idle sockets.
    #[arg(long)]
    pub idle_sockets: Option<usize>,
    /// P7's reads per second, all readers together; 0 reads back to back.
    #[arg(long)]
    pub p7_rate: Option<f64>,
    /// Only these scenarios, e.g. p1,p6 (the baselines always run).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<crate::suite_scenarios::Scenario>,
    /// A directory of service binaries; give it twice for old then new.
    /// Default: $SWITCHBOARD_BIN_DIR, else the loadgen's own directory, with
    /// $SWITCHBOARD_OLD_BIN_DIR as the old set when it is set.
    #[arg(long = "bin-dir", action = clap::ArgAction::Append)]
    pub bin_dirs: Vec<PathBuf>,
    /// Old and new binary directories, measured one after the other.
    #[arg(long, num_args = 2, value_names = ["OLD_DIR", "NEW_DIR"], conflicts_with = "bin_dirs")]
    pub compare: Option<Vec<PathBuf>>,
    /// Where the result files go.
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
}

/// Which binary sets a suite measures, from its flags and the environment's
/// `SWITCHBOARD_BIN_DIR` / `SWITCHBOARD_OLD_BIN_DIR` (`default_dir` when neither
/// a flag nor the first is given).
pub fn bin_sets(
    args: &SuiteArgs,
    env_new: Option<PathBuf>,
    env_old: Option<PathBuf>,
    default_dir: PathBuf,
) -> Result<Vec<crate::suite::BinSet>, String> {
    use crate::suite::BinSet;
    let set = |label: &str, dir: &PathBuf| BinSet {
        label: label.to_owned(),
        dir: dir.clone(),
    };
    let dirs: Vec<PathBuf> = match (&args.compare, args.bin_dirs.as_slice()) {
        (Some(pair), _) => pair.clone(),
        (None, []) => env_old
            .into_iter()
            .chain([env_new.unwrap_or(default_dir)])
            .collect(),
        (None, dirs) => dirs.to_vec(),
    };
    match dirs.as_slice() {
        [one] => Ok(vec![set("current", one)]),
        [old, new] => Ok(vec![set("old", old), set("new", new)]),
        _ => Err(format!(
            "--bin-dir: give one directory, or two (old, then new); got {}",
            dirs.len()
        )),
    }
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

    fn suite(args: &[&str]) -> SuiteArgs {
        let mut argv = vec!["loadgen", "suite"];
        argv.extend(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Suite(args) => args,
            _ => unreachable!("parsed as suite"),
        }
    }

    #[test]
    fn the_binary_sets_come_from_the_flags_else_the_environment() {
        let own = PathBuf::from("/own");
        let dirs = |sets: Vec<crate::suite::BinSet>| {
            sets.into_iter()
                .map(|s| format!("{}={}", s.label, s.dir.display()))
                .collect::<Vec<_>>()
        };
        let sets = bin_sets(&suite(&[]), None, None, own.clone()).unwrap();
        assert_eq!(dirs(sets), ["current=/own"]);
        let sets = bin_sets(
            &suite(&["--bin-dir", "/a", "--bin-dir", "/b"]),
            None,
            None,
            own.clone(),
        );
        assert_eq!(dirs(sets.unwrap()), ["old=/a", "new=/b"]);
        let sets = bin_sets(
            &suite(&["--compare", "/a", "/b"]),
            Some("/x".into()),
            None,
            own.clone(),
        );
        assert_eq!(dirs(sets.unwrap()), ["old=/a", "new=/b"]);
        let sets = bin_sets(
            &suite(&[]),
            Some("/new".into()),
            Some("/old".into()),
            own.clone(),
        );
        assert_eq!(dirs(sets.unwrap()), ["old=/old", "new=/new"]);
        let three = suite(&["--bin-dir", "/a", "--bin-dir", "/b", "--bin-dir", "/c"]);
        assert!(
            bin_sets(&three, None, None, own)
                .unwrap_err()
                .contains("got 3")
        );
    }

    #[test]
    fn suite_flags_parse_rates_scenarios_and_profiles() {
        let args = suite(&[
            "--full",
            "--rates",
            "100,250",
            "--only",
            "p1,P6",
            "--arrivals",
            "poisson",
        ]);
        assert!(args.full);
        assert_eq!(args.rates, Some(vec![100.0, 250.0]));
        assert_eq!(
            args.only,
            vec![
                crate::suite_scenarios::Scenario::P1,
                crate::suite_scenarios::Scenario::P6
            ]
        );
        assert!(Cli::try_parse_from(["loadgen", "suite", "--only", "p9"]).is_err());
        assert!(Cli::try_parse_from(["loadgen", "suite", "--quick", "--full"]).is_err());
    }

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
