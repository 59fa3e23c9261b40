//! What a `suite` run writes to bench/results/: every figure of TARGETS.md
//! beside its same-run baseline, for one or two binary sets, with the
//! machine's facts and each scenario's raw numbers. Plain serde types, so a
//! result file reads back into the same values (the report and the plot are
//! made from them).

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bumped when a field changes meaning.
pub const SCHEMA: u32 = 1;

/// A latency distribution's summary, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p99_9_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// From a histogram of microseconds; all zero when it is empty.
    pub fn of(micros: &Histogram<u64>) -> Self {
        if micros.is_empty() {
            return Self::default();
        }
        let ms = |quantile: f64| round(micros.value_at_quantile(quantile) as f64 / 1000.0);
        Self {
            count: micros.len(),
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            p99_9_ms: ms(0.999),
            max_ms: round(micros.max() as f64 / 1000.0),
        }
    }
}

/// Three decimals: microseconds in milliseconds, and ratios.
pub fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// One offered rate of an open-loop sweep.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RatePoint {
    pub offered_per_s: f64,
    pub achieved_per_s: f64,
    pub sent: u64,
    pub arrived: u64,
    /// Sends that left more than 1 ms after their intended instant (the
    /// loadgen falling behind, not the system).
    pub late_sends: u64,
    pub latency: Latency,
}

/// One figure of TARGETS.md as measured, beside its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// `P1` … `P7`.
    pub id: String,
    /// What was measured, e.g. "customer → agent p99 at 300/s".
    pub name: String,
    pub unit: String,
    pub value: f64,
    /// The same-run yardstick the target is relative to, when it has one.
    pub baseline: Option<f64>,
    /// value / baseline.
    pub ratio: Option<f64>,
    /// The target in words, e.g. "ratio ≤ 2".
    pub target: String,
    pub met: Option<bool>,
    /// Throughputs: more is better; latencies and memory: less.
    pub higher_is_better: bool,
}

impl Figure {
    /// A figure with a baseline: the ratio is computed and checked against
    /// `limit` (a maximum, or a minimum when `higher_is_better`).
    pub fn relative(
        id: &str,
        name: String,
        unit: &str,
        value: f64,
        baseline: f64,
        limit: f64,
        higher_is_better: bool,
    ) -> Self {
        let ratio = (baseline > 0.0).then(|| round(value / baseline));
        let met = ratio.map(|r| {
            if higher_is_better {
                r >= limit
            } else {
                r <= limit
            }
        });
        let sign = if higher_is_better { "≥" } else { "≤" };
        Self {
            id: id.to_owned(),
            name,
            unit: unit.to_owned(),
            value: round(value),
            baseline: Some(round(baseline)),
            ratio,
            target: format!("ratio {sign} {limit}"),
            met,
            higher_is_better,
        }
    }

    /// A figure with an absolute target (`value` ≤ or ≥ `limit`).
    pub fn absolute(
        id: &str,
        name: String,
        unit: &str,
        value: f64,
        limit: f64,
        higher_is_better: bool,
    ) -> Self {
        let met = if higher_is_better {
            value >= limit
        } else {
            value <= limit
        };
        let sign = if higher_is_better { "≥" } else { "≤" };
        Self {
            id: id.to_owned(),
            name,
            unit: unit.to_owned(),
            value: round(value),
            baseline: None,
            ratio: None,
            target: format!("{sign} {limit} {unit}"),
            met: Some(met),
            higher_is_better,
        }
    }
}

/// A latency curve over offered rates, for the plot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub label: String,
    pub points: Vec<RatePoint>,
}

/// Everything measured against one set of service binaries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SetResult {
    /// `old`, `new`, or `current` when only one set ran.
    pub label: String,
    pub bin_dir: String,
    pub figures: Vec<Figure>,
    /// P1's sweep (customer → agent) and its bare JetStream baseline.
    pub curves: Vec<Curve>,
    /// Each scenario's raw numbers, by scenario name.
    pub raw: serde_json::Map<String, Value>,
    /// Scenarios that failed, with why; the others still ran.
    pub errors: Vec<String>,
}

impl SetResult {
    pub fn figure(&self, id: &str, name: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.id == id && f.name == name)
    }
}

/// The machine the run measured on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub hostname: String,
    pub cores: usize,
    pub cpu_model: String,
    pub memory_bytes: u64,
    pub kernel: String,
    pub open_files_limit: u64,
    pub git_commit: String,
    pub loadgen_version: String,
}

/// One `suite` run: what `bench/results/<timestamp>.json` holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub schema: u32,
    pub started_at: String,
    pub finished_at: String,
    /// `quick` or `full`.
    pub profile: String,
    pub arrivals: String,
    pub machine: Machine,
    /// The settings the scenarios ran with.
    pub settings: Value,
    pub sets: Vec<SetResult>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_histogram_in_milliseconds() {
        let mut h = crate::closed_loop::histogram();
        for micros in 1..=1000u64 {
            h.record(micros * 1000).unwrap();
        }
        let latency = Latency::of(&h);
        assert_eq!(latency.count, 1000);
        // Three significant digits: within 0.1 %.
        for (got, want) in [
            (latency.p50_ms, 500.0),
            (latency.p90_ms, 900.0),
            (latency.p99_ms, 990.0),
            (latency.p99_9_ms, 999.0),
            (latency.max_ms, 1000.0),
        ] {
            assert!(
                (got - want).abs() <= want * 0.001 + 0.001,
                "{got} vs {want}"
            );
        }
        assert_eq!(
            Latency::of(&crate::closed_loop::histogram()),
            Latency::default()
        );
    }

    #[test]
    fn a_relative_figure_checks_its_ratio_in_the_right_direction() {
        let p1 = Figure::relative("P1", "p99".into(), "ms", 9.0, 3.0, 2.0, false);
        assert_eq!((p1.ratio, p1.met), (Some(3.0), Some(false)));
        let p2 = Figure::relative("P2", "msg/s".into(), "msg/s", 6000.0, 10000.0, 0.5, true);
        assert_eq!((p2.ratio, p2.met), (Some(0.6), Some(true)));
        assert_eq!(p2.target, "ratio ≥ 0.5");
        let none = Figure::relative("P1", "p99".into(), "ms", 9.0, 0.0, 2.0, false);
        assert_eq!((none.ratio, none.met), (None, None));
        let p6 = Figure::absolute("P6", "lateness p99".into(), "ms", 120.0, 100.0, false);
        assert_eq!((p6.met, p6.target.as_str()), (Some(false), "≤ 100 ms"));
    }

    pub fn sample() -> RunResult {
        let point = |offered: f64, p99: f64| RatePoint {
            offered_per_s: offered,
            achieved_per_s: offered,
            sent: 100,
            arrived: 100,
            late_sends: 0,
            latency: Latency {
                count: 100,
                // Rounded as measured figures are: three decimals.
                p50_ms: round(p99 / 2.0),
                p90_ms: round(p99 * 0.8),
                p99_ms: p99,
                p99_9_ms: round(p99 * 1.5),
                max_ms: round(p99 * 2.0),
            },
        };
        let set = |label: &str, p99: f64| SetResult {
            label: label.into(),
            bin_dir: format!("/bins/{label}"),
            figures: vec![
                Figure::relative(
                    "P1",
                    "customer → agent p99 at 100/s".into(),
                    "ms",
                    p99,
                    2.0,
                    2.0,
                    false,
                ),
                Figure::absolute(
                    "P6",
                    "pending timers memory".into(),
                    "MiB",
                    80.0,
                    1024.0,
                    false,
                ),
            ],
            curves: vec![
                Curve {
                    label: "customer → agent".into(),
                    points: vec![point(100.0, p99), point(300.0, p99 * 2.0)],
                },
                Curve {
                    label: "bare JetStream publish → consume".into(),
                    points: vec![point(100.0, 1.0), point(300.0, 1.2)],
                },
            ],
            raw: serde_json::Map::new(),
            errors: vec![],
        };
        RunResult {
            schema: SCHEMA,
            started_at: "2026-12-02T17:00:00Z".into(),
            finished_at: "2026-12-02T17:05:00Z".into(),
            profile: "quick".into(),
            arrivals: "even".into(),
            machine: Machine {
                cores: 2,
                ..Machine::default()
            },
            settings: serde_json::json!({"rates": [100, 300]}),
            sets: vec![set("old", 6.0), set("new", 3.0)],
        }
    }

    #[test]
    fn a_result_reads_back_from_its_json_unchanged() {
        let run = sample();
        let text = serde_json::to_string_pretty(&run).unwrap();
        let back: RunResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back, run);
    }
}
