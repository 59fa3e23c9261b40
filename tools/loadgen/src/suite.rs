//! The `suite` run (`make bench`): every TARGETS.md figure P1–P7 beside its
//! same-run baseline, for one binary set or two (old and new, one after the
//! other, each on a fresh nats-server with its own baselines), written to
//! bench/results/ as JSON, Markdown and an SVG plot.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::arrivals::Arrivals;
use crate::results::{RunResult, SCHEMA, SetResult};
use crate::suite_scenarios::{self as scenarios, Scenario};
use crate::system::System;
use crate::{machine, plot, report_md};

/// How long and how hard every scenario runs.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: &'static str,
    pub rates: Vec<f64>,
    pub arrivals: Arrivals,
    /// Each open-loop step (P1 and its baseline), warm-up included.
    pub step: Duration,
    pub warmup: Duration,
    /// After a step's last send, how long to wait for stragglers.
    pub drain: Duration,
    /// Live chats under P1's and P2's load.
    pub conversations: usize,
    pub baseline: Duration,
    pub p2: Duration,
    /// P2's messages outstanding per chat.
    pub p2_window: usize,
    pub p7_readers: usize,
    /// P7's reads per second, all readers together; 0: back to back.
    pub p7_rate: f64,
    pub p3_levels: Vec<usize>,
    pub p3: Duration,
    pub p5_agents: usize,
    pub p5_arrival_rate: f64,
    pub p5: Duration,
    pub p5_burst: usize,
    pub idle_sockets: usize,
    pub timers: crate::timers_bench::Settings,
    /// Scenarios to run; empty = all.
    pub only: Vec<Scenario>,
}

impl Profile {
    /// About three minutes per binary set on two cores.
    pub fn quick() -> Self {
        Self {
            name: "quick",
            rates: vec![100.0, 300.0, 500.0, 700.0, 1000.0],
            arrivals: Arrivals::Even,
            step: Duration::from_secs(5),
            warmup: Duration::from_secs(1),
            drain: Duration::from_secs(10),
            conversations: 50,
            baseline: Duration::from_secs(2),
            p2: Duration::from_secs(8),
            p2_window: 4,
            p7_readers: 2,
            // What a busy support team's consoles and admins read; back to
            // back instead, the readers take whatever share of the machine
            // their speed allows and P2 measures writes beside that share.
            p7_rate: 20.0,
            p3_levels: vec![1, 100],
            p3: Duration::from_secs(5),
            p5_agents: 20,
            p5_arrival_rate: 20.0,
            p5: Duration::from_secs(8),
            // The size the router's burst figure was first measured at
            // (500 handoffs at once): smaller bursts end before the pipeline
            // fills and measure its depth more than its rate.
            p5_burst: 500,
            idle_sockets: 1000,
            timers: crate::timers_bench::Settings {
                pending: 100_000,
                fire: 2_000,
                fire_spread: Duration::from_secs(5),
                window: 512,
            },
            only: Vec::new(),
        }
    }

    /// The figures at TARGETS.md's scale: 1,000,000 timers, 1,000
    /// conversations for P3, longer steps. Tens of minutes per set.
    pub fn full() -> Self {
        Self {
            name: "full",
            rates: vec![100.0, 300.0, 500.0, 700.0, 1000.0, 1500.0, 2000.0],
            step: Duration::from_secs(20),
            warmup: Duration::from_secs(2),
            drain: Duration::from_secs(30),
            conversations: 200,
            baseline: Duration::from_secs(5),
            p2: Duration::from_secs(30),
            p3_levels: vec![1, 100, 1000],
            p3: Duration::from_secs(10),
            p5_arrival_rate: 50.0,
            p5_agents: 40,
            p5: Duration::from_secs(20),
            idle_sockets: 15_000,
            timers: crate::timers_bench::Settings {
                pending: 1_000_000,
                fire: 10_000,
                fire_spread: Duration::from_secs(10),
                window: 1024,
            },
            ..Self::quick()
        }
    }

    pub fn runs(&self, scenario: Scenario) -> bool {
        self.only.is_empty() || self.only.contains(&scenario)
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "rates_per_s": self.rates,
            "arrivals": self.arrivals.name(),
            "step_secs": self.step.as_secs_f64(),
            "warmup_secs": self.warmup.as_secs_f64(),
            "conversations": self.conversations,
            "baseline_secs": self.baseline.as_secs_f64(),
            "p2_secs": self.p2.as_secs_f64(),
            "p2_window": self.p2_window,
            "p7_readers": self.p7_readers,
            "p7_reads_per_s": self.p7_rate,
            "p3_levels": self.p3_levels,
            "p5": {"agents": self.p5_agents, "arrival_rate": self.p5_arrival_rate,
                   "secs": self.p5.as_secs_f64(), "burst": self.p5_burst},
            "idle_sockets": self.idle_sockets,
            "timers": {"pending": self.timers.pending, "fire": self.timers.fire,
                       "fire_spread_secs": self.timers.fire_spread.as_secs_f64()},
            "only": self.only.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
        })
    }
}

/// One set of service binaries and what to call it in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinSet {
    pub label: String,
    pub dir: PathBuf,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Runs every set and writes the result files; returns the JSON's path.
pub async fn run(profile: &Profile, sets: &[BinSet], out_dir: &Path) -> anyhow::Result<PathBuf> {
    let started = now();
    let mut results = Vec::new();
    for set in sets {
        println!(
            "\n##### binary set `{}`: {} #####",
            set.label,
            set.dir.display()
        );
        results.push(run_set(profile, set).await);
    }
    let run = RunResult {
        schema: SCHEMA,
        started_at: rfc3339(started),
        finished_at: rfc3339(now()),
        profile: profile.name.to_owned(),
        arrivals: profile.arrivals.name().to_owned(),
        machine: machine::facts(),
        settings: profile.json(),
        sets: results,
    };
    write(&run, started, out_dir)
}

fn write(run: &RunResult, started: OffsetDateTime, out_dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("create {}", out_dir.display()))?;
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}",
        started.year(),
        u8::from(started.month()),
        started.day(),
        started.hour(),
        started.minute(),
        started.second(),
        run.profile
    );
    let path = |ext: &str| out_dir.join(format!("{stamp}.{ext}"));
    let json_path = path("json");
    std::fs::write(&json_path, serde_json::to_string_pretty(run)?)
        .with_context(|| format!("write {}", json_path.display()))?;
    let markdown = report_md::render(run);
    std::fs::write(path("md"), &markdown).context("write the Markdown report")?;
    std::fs::write(path("svg"), plot::svg(run)?).context("write the plot")?;
    println!("\n{markdown}");
    println!("results: {} (.md, .svg beside it)", json_path.display());
    Ok(json_path)
}

async fn run_set(profile: &Profile, set: &BinSet) -> SetResult {
    let mut out = SetResult {
        label: set.label.clone(),
        bin_dir: set.dir.display().to_string(),
        ..SetResult::default()
    };
    println!("starting nats-server and the services (SQLite, RUST_LOG=warn)...");
    match System::start_in(&set.dir).await {
        Ok(system) => scenarios::run_all(profile, &system, &mut out).await,
        Err(e) => out.errors.push(format!("start the system: {e:#}")),
    }
    out
}
