//! # switchboard-loadgen: the benchmark harness
//!
//! `roundtrip` measures customer → built-in AI → customer round trips through
//! the gateway's WebSocket at several concurrency levels, beside bare NATS
//! request/reply, JetStream publish and a bare WebSocket echo measured in the
//! same run, and checks TARGETS.md's P3. `routing` measures live chat: handoff
//! → offer, accept → the agent's first message, assignments per second and
//! limit violations, against P5. `all` runs every benchmark with its defaults
//! (`make bench`).
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

mod baselines;
mod bench;
mod cli;
mod closed_loop;
mod json_socket;
mod ledger;
mod nats_bare;
mod open_files;
mod p4_sockets;
mod report;
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
mod system;
mod team;
mod tenant;
mod ws_echo;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Parser as _;
use serde_json::Value;

use crate::cli::{AllArgs, BaselineArgs, Cli, Command, RoundtripArgs, RoutingArgs};

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Roundtrip(args) => roundtrip(args).await.map(drop),
        Command::Routing(args) => routing(args).await.map(drop),
        Command::All(args) => all(args).await,
        Command::Baselines(args) => baselines(args).await,
        Command::P4Sockets(args) => p4_sockets::run(args).await,
    }
}
