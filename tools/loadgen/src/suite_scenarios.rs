//! The suite's scenarios against one running system, in order: the bare
//! baselines, P4 (idle sockets), P1 (an open-loop sweep beside bare
//! JetStream at each rate), P2 with P7 reading meanwhile, P3 and P5 (the
//! `roundtrip` and `routing` benchmarks, pointed at this system), P6
//! (timers, last: its pending timers stay). A failing scenario is recorded
//! and the next one still runs.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::arrivals::schedule;
use crate::bench::{self, External};
use crate::chat_pool::{ECHO, Pool, Pump, TO_AGENT};
use crate::closed_loop::Limits;
use crate::open_loop::{self, Outcome, Step};
use crate::results::{Curve, Figure, Latency, RatePoint, SetResult};
use crate::suite::Profile;
use crate::suite_figures as figures;
use crate::system::System;
use crate::{bare_stream, idle_sockets, nats_bare, routing, tenant, timers_bench};

/// What `--only` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
}

impl std::str::FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "p1" => Self::P1,
            "p2" => Self::P2,
            "p3" => Self::P3,
            "p4" => Self::P4,
            "p5" => Self::P5,
            "p6" => Self::P6,
            "p7" => Self::P7,
            other => return Err(format!("scenario `{other}`: expected p1 … p7")),
        })
    }
}

/// The yardsticks shared by several figures.
#[derive(Debug, Clone, Default)]
pub struct Base {
    pub sql_commit: Latency,
    pub pipelined_per_s: f64,
    pub request_reply: Latency,
}

pub fn point(outcome: &Outcome) -> RatePoint {
    RatePoint {
        offered_per_s: outcome.offered,
        achieved_per_s: crate::results::round(outcome.achieved),
        sent: outcome.sent,
        arrived: outcome.arrived,
        late_sends: outcome.late_sends,
        latency: Latency::of(&outcome.micros),
    }
}

pub async fn run_all(profile: &Profile, system: &System, out: &mut SetResult) {
    let target = External {
        gateway_url: system.gateway_url.clone(),
        operator_token: system.operator_token.clone(),
        nats_url: system.nats.url(),
    };
    let base = match baselines(profile, system, &target).await {
        Ok(base) => base,
        Err(e) => {
            out.errors.push(format!("baselines: {e:#}"));
            return;
        }
    };
    out.raw.insert(
        "baselines".into(),
        json!({
            "sql_commit": base.sql_commit,
            "jetstream_pipelined_publish_per_s": crate::results::round(base.pipelined_per_s),
            "nats_request_reply_sequential": base.request_reply,
        }),
    );
    let ws = match bench::ws_base(&target.gateway_url) {
        Ok(ws) => ws,
        Err(e) => return out.errors.push(format!("{e:#}")),
    };
    if profile.runs(Scenario::P4) {
        let result = p4(profile, system, &target, &ws).await;
        record(out, "P4", result);
    }
    let wants_pool = [Scenario::P1, Scenario::P2, Scenario::P7].map(|s| profile.runs(s));
    if wants_pool.contains(&true) {
        let result = messages(profile, &target, &ws, &base, out).await;
        record(out, "P1/P2/P7", result.map(|()| (Vec::new(), Value::Null)));
    }
    if profile.runs(Scenario::P3) {
        let settings = bench::Settings {
            conversations: profile.p3_levels.clone(),
            messages_per_conversation: None,
            duration: profile.p3,
            warmup: profile.warmup,
            baseline_duration: profile.baseline,
            external: Some(target.clone()),
        };
        let result = bench::run(settings).await;
        record(out, "P3", result.map(|raw| (figures::p3(&raw), raw)));
    }
    if profile.runs(Scenario::P5) {
        let settings = routing::Settings {
            agents: profile.p5_agents,
            maximum_conversations: 3,
            arrival_rate: profile.p5_arrival_rate,
            duration: profile.p5,
            handle: Duration::from_secs(1),
            burst: profile.p5_burst,
            warmup: profile.warmup,
            baseline_duration: profile.baseline,
            external: Some(target.clone()),
        };
        let result = routing::run(settings).await;
        record(out, "P5", result.map(|raw| (figures::p5(&raw), raw)));
    }
    if profile.runs(Scenario::P6) {
        let result = match (system.pid("timer"), system.health("timer")) {
            (Some(pid), Some(health)) => {
                timers_bench::run(&target.nats_url, pid, health, profile.timers).await
            }
            _ => Err(anyhow::anyhow!("the timer service's process is not known")),
        };
        let result = result.map(|report| {
            let raw = serde_json::to_value(&report).unwrap_or_default();
            (figures::p6(&report, base.pipelined_per_s), raw)
        });
        record(out, "P6", result);
    }
}

/// Adds a scenario's figures and raw numbers, or its failure.
fn record(out: &mut SetResult, name: &str, result: anyhow::Result<(Vec<Figure>, Value)>) {
    match result {
        Ok((figures, raw)) => {
            out.figures.extend(figures);
            if !raw.is_null() {
                out.raw.insert(name.to_owned(), raw);
            }
        }
        Err(e) => {
            println!("{name} failed: {e:#}");
            out.errors.push(format!("{name}: {e:#}"));
        }
    }
}

async fn baselines(profile: &Profile, system: &System, target: &External) -> anyhow::Result<Base> {
    println!("baselines: one SQLite commit, JetStream pipelined publish, request/reply...");
    let micros = bare_stream::sql_commit(system.data_dir(), profile.baseline).await?;
    let client = async_nats::connect(&target.nats_url).await?;
    let pipelined_per_s = bare_stream::pipelined_publish(&client, profile.baseline, 256).await?;
    let _responder = nats_bare::Responder::start(&target.nats_url).await?;
    let limits = Limits {
        warmup: profile.warmup,
        duration: profile.baseline,
        max_per_probe: None,
        timeout: Duration::from_secs(10),
    };
    let rr = nats_bare::request_reply(&client, 1, limits).await;
    Ok(Base {
        sql_commit: Latency::of(&micros),
        pipelined_per_s,
        request_reply: Latency::of(&rr.micros),
    })
}

async fn p4(
    profile: &Profile,
    system: &System,
    target: &External,
    ws: &str,
) -> anyhow::Result<(Vec<Figure>, Value)> {
    let pid = system
        .pid("gateway")
        .ok_or_else(|| anyhow::anyhow!("no gateway process"))?;
    // One descriptor per socket here (the gateway has its own limit), and
    // room for everything else the loadgen holds.
    let limit = crate::open_files::current_limit().unwrap_or(u64::MAX);
    let sockets = profile
        .idle_sockets
        .min(usize::try_from(limit.saturating_sub(1024)).unwrap_or(usize::MAX));
    if sockets < profile.idle_sockets {
        println!(
            "P4: {sockets} idle sockets, not {}: the open-files limit is {limit}",
            profile.idle_sockets
        );
    }
    let tenant = tenant::create(&target.gateway_url, &target.operator_token).await?;
    let report = idle_sockets::run(ws, &tenant.widget, pid, sockets).await?;
    Ok((figures::p4_figures(&report), serde_json::to_value(&report)?))
}

/// P1's sweep, then P2's pump with P7's reads, on one pool of live chats.
async fn messages(
    profile: &Profile,
    target: &External,
    ws: &str,
    base: &Base,
    out: &mut SetResult,
) -> anyhow::Result<()> {
    println!("opening {} live chats...", profile.conversations);
    let pool = Pool::open(
        &target.gateway_url,
        ws,
        &target.operator_token,
        profile.conversations,
        100,
    )
    .await?;
    let client = async_nats::connect(&target.nats_url).await?;
    let (mut agent, mut echo, mut bare) = (Vec::new(), Vec::new(), Vec::new());
    if profile.runs(Scenario::P1) {
        for (n, &rate) in profile.rates.iter().enumerate() {
            let offsets = schedule(rate, profile.step, profile.arrivals);
            let start = Instant::now() + Duration::from_millis(100);
            let step = Arc::new(Step::new(
                2 * n as u32,
                rate,
                start,
                offsets.clone(),
                profile.warmup,
                1,
            ));
            let outcome = bare_stream::publish_consume(&client, step, profile.drain).await?;
            bare.push(point(&outcome));
            let start = Instant::now() + Duration::from_millis(100);
            let step = Arc::new(Step::new(
                2 * n as u32 + 1,
                rate,
                start,
                offsets,
                profile.warmup,
                2,
            ));
            pool.begin_step(&step);
            let late = open_loop::drive(&step, |index| pool.send(step.id, index)).await;
            step.settle(profile.drain).await;
            let (mut to_agent, mut to_echo) = (step.outcome(TO_AGENT), step.outcome(ECHO));
            (to_agent.late_sends, to_echo.late_sends) = (late, late);
            println!(
                "{rate}/s: customer → agent p99 {:.3} ms ({} of {} arrived); bare JetStream p99 {:.3} ms",
                point(&to_agent).latency.p99_ms,
                to_agent.arrived,
                to_agent.sent,
                bare.last().map_or(0.0, |p| p.latency.p99_ms),
            );
            agent.push(point(&to_agent));
            echo.push(point(&to_echo));
        }
        out.figures
            .extend(figures::p1(&agent, &bare, &base.sql_commit));
        out.curves.push(Curve {
            label: "customer → agent".into(),
            points: agent.clone(),
        });
        out.curves.push(Curve {
            label: "bare JetStream publish → consume".into(),
            points: bare.clone(),
        });
    }
    let reads = crate::suite_reads::Reader::new(target, &pool);
    let idle = reads
        .measure(profile.p7_readers, profile.p7_rate, profile.baseline)
        .await;
    let mut p2_raw = Value::Null;
    if profile.runs(Scenario::P2) || profile.runs(Scenario::P7) {
        let measure_from = Instant::now() + profile.warmup;
        let until = measure_from + profile.p2;
        let pump = Arc::new(Pump::new(10_000, measure_from, until));
        pool.begin_pump(&pump, profile.p2_window);
        let busy = reads
            .measure(
                profile.p7_readers,
                profile.p7_rate,
                profile.warmup + profile.p2,
            )
            .await;
        tokio::time::sleep_until(until).await;
        pump.stop();
        let persisted = pump.echoed.load(std::sync::atomic::Ordering::Relaxed) as f64
            / profile.p2.as_secs_f64();
        let latency = pump
            .micros
            .lock()
            .map(|h| Latency::of(&h))
            .unwrap_or_default();
        out.figures
            .push(figures::p2(persisted, base.pipelined_per_s));
        out.figures.extend(figures::p7(&busy, &idle));
        p2_raw = json!({
            "persisted_per_s": crate::results::round(persisted),
            "echo_latency": latency,
            "window_per_chat": profile.p2_window,
            "read_under_load": busy,
            "read_idle": idle,
        });
    }
    let errors = pool.errors();
    out.raw.insert(
        "messages".into(),
        json!({
            "conversations": pool.conversations(),
            "p1_to_agent": agent,
            "p1_echo": echo,
            "p1_bare_jetstream": bare,
            "p2_p7": p2_raw,
            "socket_errors": errors,
        }),
    );
    pool.close().await;
    Ok(())
}
