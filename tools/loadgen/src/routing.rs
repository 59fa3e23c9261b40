//! The `routing` benchmark (TARGETS.md P5) from start to finish: the system
//! under test, bare NATS request/reply on the same nats-server, then
//!
//! - **steady**: N agents (limit per agent) and customers arriving at a
//!   steady rate, each handing off to a person once the AI has answered;
//! - **burst**: B customers, all waiting with the AI, hand off at the same
//!   instant to agents with room for all of them (⌈B / limit⌉ agents), which
//!   measures assignments per second without the arrival rate capping it.
//!
//! Every agent accepts each offer, answers once and ends the chat after the
//! think time. The report compares handoff → offer p99 with the bare
//! request/reply p99 and counts limit violations and double assignments.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use futures::StreamExt;
use serde_json::Value;
use tokio::time::MissedTickBehavior;

use crate::bench::{self, External};
use crate::closed_loop::Limits;
use crate::nats_bare::{self, Responder};
use crate::report::Stats;
use crate::routing_customer::{self, Outcome};
use crate::routing_phase::{
    CONNECT_BATCH, Crew, HANDOFF_TIMEOUT, Outcomes, PREPARE_TIMEOUT, PhaseReport,
};
use crate::routing_report;

/// What a run measures and against which system.
#[derive(Debug, Clone)]
pub struct Settings {
    pub agents: usize,
    pub maximum_conversations: u32,
    /// Customers per second in the steady phase.
    pub arrival_rate: f64,
    /// How long customers arrive in the steady phase.
    pub duration: Duration,
    /// An agent's think time between answering and ending a chat.
    pub handle: Duration,
    /// Customers handing off at once in the burst phase; 0 skips it.
    pub burst: usize,
    /// Steady handoffs in this first stretch are not timed.
    pub warmup: Duration,
    pub baseline_duration: Duration,
    /// `None`: start a system of our own.
    pub external: Option<External>,
}

/// Runs both phases and returns every number as JSON (also printed).
pub async fn run(settings: Settings) -> anyhow::Result<Value> {
    if settings.agents == 0 || !settings.arrival_rate.is_finite() || settings.arrival_rate <= 0.0 {
        bail!("--agents and --arrival-rate must be positive");
    }
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("{cores} cores; the loadgen shares them with everything it measures");
    // `_own_system` is held until the end: dropping it stops the system.
    let (_own_system, target) = bench::system_under_test(settings.external.clone()).await?;
    let ws = bench::ws_base(&target.gateway_url)?;

    let baseline = request_reply(&target.nats_url, &settings).await?;
    routing_report::print_baseline(&baseline, settings.baseline_duration);

    warn_when_over_capacity(&settings);
    let steady = steady(&target, &ws, &settings).await?;
    routing_report::print_phase(&steady, &baseline);
    let burst = match settings.burst {
        0 => None,
        _ => {
            let burst = burst(&target, &ws, &settings).await?;
            routing_report::print_phase(&burst, &baseline);
            Some(burst)
        }
    };
    routing_report::print_verdict(&steady, burst.as_ref(), &baseline);
    let json = routing_report::json(&settings, &baseline, &steady, burst.as_ref());
    println!("\n{json}");
    Ok(json)
}

/// Bare core request/reply, sequential, on the system's nats-server.
async fn request_reply(nats_url: &str, settings: &Settings) -> anyhow::Result<Stats> {
    let nats = async_nats::connect(nats_url).await?;
    let _responder = Responder::start(nats_url).await?;
    let limits = Limits {
        warmup: settings.warmup,
        duration: settings.baseline_duration,
        max_per_probe: None,
        timeout: Duration::from_secs(10),
    };
    Ok(Stats::of(&nats_bare::request_reply(&nats, 1, limits).await))
}

/// Little's law: each chat holds an agent for about the think time, so more
/// arrivals than capacity / think time queue, and the handoff → offer
/// latency then measures the queue, not the router.
fn warn_when_over_capacity(settings: &Settings) {
    let capacity = settings.agents as f64 * f64::from(settings.maximum_conversations);
    let sustainable = capacity / settings.handle.as_secs_f64().max(1e-3);
    if settings.arrival_rate > sustainable {
        println!(
            "note: {} agents x {} chats / {:?} think time serve at most ~{sustainable:.0} chats/s; \
             at {}/s the queue grows and handoff -> offer includes the wait for capacity",
            settings.agents, settings.maximum_conversations, settings.handle, settings.arrival_rate
        );
    }
}

async fn steady(target: &External, ws: &str, s: &Settings) -> anyhow::Result<PhaseReport> {
    let crew = Crew::start(target, ws, s.agents, s.maximum_conversations, s.handle).await?;
    let total = (s.arrival_rate * s.duration.as_secs_f64()).round() as usize;
    println!(
        "\nsteady: {total} customers at {}/s to {} agents (tenant {})",
        s.arrival_rate, s.agents, crew.team.tenant
    );
    let mut arrivals = tokio::time::interval(Duration::from_secs_f64(1.0 / s.arrival_rate));
    // A late tick is made up at once: the average rate is what is promised.
    arrivals.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        arrivals.tick().await;
        let token = crew.team.customer_token(&format!("steady-{n}"))?;
        let url = crew.widget_url().to_owned();
        let ledger = Arc::clone(&crew.ledger);
        tasks.push(tokio::spawn(async move {
            let waiting = prepare(&url, &token).await?;
            Ok(waiting.hand_off(&ledger, HANDOFF_TIMEOUT).await)
        }));
    }
    let mut outcomes = Outcomes::default();
    outcomes.collect(tasks).await;
    let elapsed = started.elapsed();
    let ledger = crew.ledger.summary(started + s.warmup);
    Ok(PhaseReport {
        name: "steady",
        agents: s.agents,
        outcomes,
        ledger,
        agent_view: crew.stop().await?,
        elapsed,
    })
}

async fn prepare(url: &str, token: &str) -> Result<routing_customer::Waiting, String> {
    match tokio::time::timeout(PREPARE_TIMEOUT, routing_customer::prepare(url, token)).await {
        Ok(Ok(waiting)) => Ok(waiting),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => Err(format!("not ready within {PREPARE_TIMEOUT:?}")),
    }
}

async fn burst(target: &External, ws: &str, s: &Settings) -> anyhow::Result<PhaseReport> {
    let limit = s.maximum_conversations.max(1) as usize;
    let agents = s.agents.max(s.burst.div_ceil(limit));
    let crew = Crew::start(target, ws, agents, s.maximum_conversations, s.handle).await?;
    println!(
        "\nburst: preparing {} customers for {agents} agents (room for {}; tenant {})",
        s.burst,
        agents * limit,
        crew.team.tenant
    );
    let mut outcomes = Outcomes::default();
    let mut ready = Vec::with_capacity(s.burst);
    let prepared: Vec<_> = futures::stream::iter(0..s.burst)
        .map(|n| {
            let url = crew.widget_url().to_owned();
            let token = crew.team.customer_token(&format!("burst-{n}"));
            async move { prepare(&url, &token.map_err(|e| format!("{e:#}"))?).await }
        })
        .buffer_unordered(CONNECT_BATCH)
        .collect()
        .await;
    for result in prepared {
        match result {
            Ok(waiting) => ready.push(waiting),
            Err(why) => outcomes.add(Err(why)),
        }
    }
    println!("burst: {} customers hand off at once", ready.len());
    let started = Instant::now();
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|waiting| {
            let ledger = Arc::clone(&crew.ledger);
            tokio::spawn(async move {
                Ok::<Outcome, String>(waiting.hand_off(&ledger, HANDOFF_TIMEOUT).await)
            })
        })
        .collect();
    outcomes.collect(tasks).await;
    let elapsed = started.elapsed();
    let ledger = crew.ledger.summary(started);
    Ok(PhaseReport {
        name: "burst",
        agents,
        outcomes,
        ledger,
        agent_view: crew.stop().await?,
        elapsed,
    })
}
