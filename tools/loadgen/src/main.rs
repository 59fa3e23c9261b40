//! # switchboard-loadgen: the benchmark harness
//!
//! `roundtrip` measures customer → built-in AI → customer round trips through
//! the gateway's WebSocket at several concurrency levels, beside bare NATS
//! request/reply, JetStream publish and a bare WebSocket echo measured in the
//! same run, and checks TARGETS.md's P3. `routing` measures live chat: handoff
//! → offer, accept → the agent's first message, assignments per second and
//! limit violations, against P5. `all` runs both with their defaults.
//! `suite` (`make bench`) measures every figure P1–P7 beside its same-run
//! baseline, for one binary set or an old and a new one, and writes the
//! results to bench/results/ (JSON, Markdown, an SVG plot).
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the subcommands and their flags |
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
//! | [`routing`] | the `routing` run: steady arrivals, then a burst |
//! | [`routing_phase`] | one phase's tenant and agents, and its outcomes |
//! | [`routing_agent`] | an agent that accepts, answers and ends every chat |
//! | [`routing_customer`] | a signed-in customer who asks for a person |
//! | [`ledger`] | per-conversation instants and per-agent limit bookkeeping |
//! | [`team`] | the live-chat tenant: space, agents, experience, widget |
//! | [`json_socket`] | a JSON-frame WebSocket client |
//! | [`routing_report`] | P5's table, verdict and JSON line |
//! | [`p4_sockets`] | `p4-sockets`: the gateway's memory per idle socket |
//! | [`suite`] | the `suite` run: profiles, binary sets, result files |
//! | [`suite_scenarios`] | the suite's scenarios against one system |
//! | [`suite_figures`] | scenario numbers as TARGETS.md figures with ratios |
//! | [`suite_reads`] | P7: the last 100 messages through the HTTP API |
//! | [`arrivals`] | open-loop send schedules: even or Poisson |
//! | [`open_loop`] | the open-loop engine: intended instants, arrivals |
//! | [`chat_pool`] | live chats held open for P1, P2 and P7 |
//! | [`bare_stream`] | bare JetStream and SQLite yardsticks for P1, P2, P6 |
//! | [`idle_sockets`] | P4's simple version: gateway memory per idle socket |
//! | [`timers_bench`] | P6: pending timers' memory, schedules/s, lateness |
//! | [`machine`] | machine facts and process memory from /proc |
//! | [`results`] | the result file's types |
//! | [`report_md`] | the Markdown report |
//! | [`plot`] | the SVG latency plot |

mod arrivals;
mod bare_stream;
mod baselines;
mod bench;
mod chat_pool;
mod cli;
mod closed_loop;
mod idle_sockets;
mod json_socket;
mod ledger;
mod machine;
mod nats_bare;
mod open_files;
mod open_loop;
mod p4_sockets;
mod plot;
mod report;
mod report_md;
mod results;
mod roundtrip;
#[cfg(test)]
mod roundtrip_tests;
mod routing;
mod routing_agent;
mod routing_customer;
mod routing_phase;
mod routing_report;
#[cfg(test)]
mod routing_tests;
mod suite;
mod suite_figures;
mod suite_reads;
mod suite_scenarios;
mod system;
mod team;
mod tenant;
mod timers_bench;
mod ws_echo;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser as _;
use serde_json::Value;

use crate::cli::{AllArgs, BaselineArgs, Cli, Command, RoundtripArgs, RoutingArgs, SuiteArgs};

/// Checks --conversations and that the process may open enough files.
fn check_levels(levels: &[usize]) -> anyhow::Result<()> {
    if levels.is_empty() || levels.contains(&0) {
        bail!("--conversations: give positive numbers, e.g. 1,100,1000");
    }
    open_files::check(levels.iter().copied().max().unwrap_or(1))
}

/// Writes JSON results to `path`, one line each.
fn write_json(path: Option<&Path>, results: &[&Value]) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let lines: String = results.iter().map(|json| format!("{json}\n")).collect();
    std::fs::write(path, lines).with_context(|| format!("write {}", path.display()))
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

async fn roundtrip(args: RoundtripArgs) -> anyhow::Result<Value> {
    check_levels(&args.conversations)?;
    let settings = bench::Settings {
        conversations: args.conversations,
        messages_per_conversation: args.messages_per_conversation,
        duration: Duration::from_secs(args.duration_secs),
        warmup: Duration::from_millis(args.warmup_ms),
        baseline_duration: Duration::from_secs(args.baseline_secs),
        external: args.target.external(),
    };
    let json = bench::run(settings).await?;
    write_json(args.json.as_deref(), &[&json])?;
    Ok(json)
}

async fn routing(args: RoutingArgs) -> anyhow::Result<Value> {
    if !(1..=20).contains(&args.maximum_conversations) {
        bail!("--maximum-conversations: 1 to 20, as the product allows");
    }
    let limit = args.maximum_conversations as usize;
    let burst_agents = args.burst.div_ceil(limit);
    // A socket per agent and per customer in flight, here and at the gateway.
    let steady_sockets = args.arrival_rate * (args.handle_secs + 2.0);
    open_files::check(args.agents.max(burst_agents) + args.burst.max(steady_sockets as usize))?;
    let handle = Duration::try_from_secs_f64(args.handle_secs)
        .context("--handle-secs: a non-negative number of seconds")?;
    let settings = routing::Settings {
        agents: args.agents,
        maximum_conversations: args.maximum_conversations,
        arrival_rate: args.arrival_rate,
        duration: Duration::from_secs(args.duration_secs),
        handle,
        burst: args.burst,
        warmup: Duration::from_millis(args.warmup_ms),
        baseline_duration: Duration::from_secs(args.baseline_secs),
        external: args.target.external(),
    };
    let json = routing::run(settings).await?;
    write_json(args.json.as_deref(), &[&json])?;
    Ok(json)
}

/// Each benchmark with its defaults, one after the other on fresh systems.
async fn all(args: AllArgs) -> anyhow::Result<()> {
    let roundtrip = roundtrip(cli::defaults()?).await?;
    let routing = routing(cli::defaults()?).await?;
    write_json(args.json.as_deref(), &[&roundtrip, &routing])
}

/// The suite: the profile with the flags' overrides, on the binary sets.
async fn suite(args: SuiteArgs) -> anyhow::Result<()> {
    let mut profile = if args.full || args.profile == "full" {
        suite::Profile::full()
    } else {
        suite::Profile::quick()
    };
    if let Some(rates) = &args.rates {
        if rates.is_empty() || rates.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
            bail!("--rates: give positive messages per second, e.g. 100,300,500");
        }
        profile.rates.clone_from(rates);
    }
    if let Some(arrivals) = args.arrivals {
        profile.arrivals = arrivals;
    }
    if let Some(secs) = args.step_secs {
        if secs <= profile.warmup.as_secs() {
            bail!(
                "--step-secs must be longer than the {:?} warm-up",
                profile.warmup
            );
        }
        profile.step = Duration::from_secs(secs);
    }
    if let Some(n) = args.conversations {
        profile.conversations = n.max(1);
    }
    if let Some(n) = args.p2_window {
        if n == 0 {
            bail!("--p2-window: give at least 1 message outstanding per chat");
        }
        profile.p2_window = n;
    }
    if let Some(n) = args.timers {
        profile.timers.pending = n;
    }
    if let Some(n) = args.idle_sockets {
        profile.idle_sockets = n;
    }
    if let Some(rate) = args.p7_rate {
        if !rate.is_finite() || rate < 0.0 {
            anyhow::bail!("--p7-rate must be 0 (back to back) or a positive rate, not {rate}");
        }
        profile.p7_rate = rate;
    }
    profile.only.clone_from(&args.only);
    // The binary directories come from the command line or the environment
    // here, once; nothing below reads the environment.
    let env_dir = |name: &str| std::env::var_os(name).map(std::path::PathBuf::from);
    let own_dir = system::bin_dir()?;
    let sets = cli::bin_sets(
        &args,
        env_dir("SWITCHBOARD_BIN_DIR"),
        env_dir("SWITCHBOARD_OLD_BIN_DIR"),
        own_dir,
    )
    .map_err(anyhow::Error::msg)?;
    suite::run(&profile, &sets, &args.out).await.map(drop)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Roundtrip(args) => roundtrip(args).await.map(drop),
        Command::Routing(args) => routing(args).await.map(drop),
        Command::All(args) => all(args).await,
        Command::Baselines(args) => baselines(args).await,
        Command::P4Sockets(args) => p4_sockets::run(args).await,
        Command::Suite(args) => suite(args).await,
    }
}
