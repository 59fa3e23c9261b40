//! Each scenario's numbers as TARGETS.md figures: the value, its same-run
//! baseline, the ratio and the verdict. Pure, so the bounds are tested.

use serde_json::Value;

use crate::idle_sockets;
use crate::results::{Figure, Latency, RatePoint};
use crate::suite_reads::ReadReport;
use crate::timers_bench;

/// P1 per offered rate: p99 ≤ 2 × (bare JetStream publish → consume p99 at
/// that rate + one SQL commit p99); and p99.9 ≤ 100 ms at the highest rate.
pub fn p1(agent: &[RatePoint], bare: &[RatePoint], sql: &Latency) -> Vec<Figure> {
    let mut figures: Vec<Figure> = agent
        .iter()
        .zip(bare)
        .map(|(system, bare)| {
            Figure::relative(
                "P1",
                format!(
                    "customer → agent p99 at {}/s (baseline: JetStream p99 + SQL commit p99)",
                    system.offered_per_s
                ),
                "ms",
                system.latency.p99_ms,
                bare.latency.p99_ms + sql.p99_ms,
                2.0,
                false,
            )
        })
        .collect();
    if let Some(top) = agent.last() {
        figures.push(Figure::absolute(
            "P1",
            format!("customer → agent p99.9 at {}/s", top.offered_per_s),
            "ms",
            top.latency.p99_9_ms,
            100.0,
            false,
        ));
        let lost = top.sent.saturating_sub(top.arrived) as f64;
        figures.push(Figure::absolute(
            "P1",
            format!(
                "messages not at the agent after the drain, at {}/s",
                top.offered_per_s
            ),
            "count",
            lost,
            0.0,
            false,
        ));
    }
    figures
}

/// P2: persisted messages/s ≥ 0.5 × bare JetStream pipelined publish.
pub fn p2(persisted_per_s: f64, pipelined_per_s: f64) -> Figure {
    Figure::relative(
        "P2",
        "messages persisted per second (baseline: JetStream pipelined publish with ids)".into(),
        "msg/s",
        persisted_per_s,
        pipelined_per_s,
        0.5,
        true,
    )
}

/// P3 per level, from the `roundtrip` benchmark's JSON: p99 over its bound
/// (3 × request/reply p99 + WebSocket echo p99, both at that concurrency).
pub fn p3(raw: &Value) -> Vec<Figure> {
    let levels = raw["levels"].as_array().cloned().unwrap_or_default();
    levels
        .iter()
        .map(|level| {
            Figure::relative(
                "P3",
                format!(
                    "AI round trip p99 at {} conversations (baseline: 3 × request/reply p99 + WebSocket echo p99)",
                    level["conversations"]
                ),
                "ms",
                level["round_trip"]["p99_ms"].as_f64().unwrap_or(f64::NAN),
                level["p3_bound_ms"].as_f64().unwrap_or(0.0),
                1.0,
                false,
            )
        })
        .collect()
}

pub fn p4_figures(report: &idle_sockets::Report) -> Vec<Figure> {
    vec![Figure::absolute(
        "P4",
        format!(
            "gateway memory per idle socket ({} sockets)",
            report.sockets
        ),
        "KiB",
        report.bytes_per_socket / 1024.0,
        12.0,
        false,
    )]
}

/// P5 from the `routing` benchmark's JSON.
pub fn p5(raw: &Value) -> Vec<Figure> {
    let p5 = &raw["p5"];
    let rr = raw["baseline"]["nats_request_reply_sequential"]["p99_ms"]
        .as_f64()
        .unwrap_or(0.0);
    let number = |name: &str| p5[name].as_f64().unwrap_or(f64::NAN);
    vec![
        Figure::relative(
            "P5",
            "handoff → offer p99, steady (baseline: request/reply p99)".into(),
            "ms",
            number("handoff_to_offer_p99_ms"),
            rr,
            20.0,
            false,
        ),
        Figure::absolute(
            "P5",
            "assignments per second, burst".into(),
            "/s",
            number("assignments_per_s"),
            2000.0,
            true,
        ),
        Figure::absolute(
            "P5",
            "limit violations + double assignments".into(),
            "count",
            number("limit_violations") + number("assigned_twice"),
            0.0,
            false,
        ),
    ]
}

/// P6: memory (measured, and projected to 1,000,000 timers from the
/// per-timer growth), schedules/s, early fires, lateness.
pub fn p6(report: &timers_bench::Report, pipelined_per_s: f64) -> Vec<Figure> {
    const MIB: f64 = 1024.0 * 1024.0;
    let projected = report.rss_before_bytes as f64 + report.bytes_per_timer * 1_000_000.0;
    let mut schedules = Figure::absolute(
        "P6",
        "timer schedules per second (baseline: JetStream pipelined publish)".into(),
        "/s",
        report.schedules_per_s,
        20_000.0,
        true,
    );
    schedules.baseline = Some(crate::results::round(pipelined_per_s));
    schedules.ratio = (pipelined_per_s > 0.0)
        .then(|| crate::results::round(report.schedules_per_s / pipelined_per_s));
    vec![
        Figure::absolute(
            "P6",
            format!("timer service memory with {} pending", report.pending),
            "MiB",
            report.rss_after_bytes as f64 / MIB,
            1024.0,
            false,
        ),
        Figure::absolute(
            "P6",
            "timer service memory projected to 1,000,000 pending".into(),
            "MiB",
            projected / MIB,
            1024.0,
            false,
        ),
        schedules,
        Figure::absolute(
            "P6",
            "timers fired early".into(),
            "count",
            report.early as f64,
            0.0,
            false,
        ),
        Figure::absolute(
            "P6",
            "timers not fired in time".into(),
            "count",
            report.fire_expected.saturating_sub(report.fired) as f64,
            0.0,
            false,
        ),
        Figure::absolute(
            "P6",
            "firing lateness p99".into(),
            "ms",
            report.lateness.p99_ms,
            100.0,
            false,
        ),
    ]
}

/// P7: last 100 messages p99 under P2's load (absolute 20 ms); the same
/// read on an idle system as its baseline.
pub fn p7(busy: &ReadReport, idle: &ReadReport) -> Vec<Figure> {
    let mut figure = Figure::absolute(
        "P7",
        format!(
            "last {} messages read p99 during P2, {} (baseline: the same read idle)",
            busy.fewest_messages,
            match busy.reads_per_s {
                rate if rate > 0.0 => format!("{rate} reads/s"),
                _ => "reads back to back".to_owned(),
            }
        ),
        "ms",
        busy.latency.p99_ms,
        20.0,
        false,
    );
    figure.baseline = Some(idle.latency.p99_ms);
    figure.ratio = (idle.latency.p99_ms > 0.0)
        .then(|| crate::results::round(busy.latency.p99_ms / idle.latency.p99_ms));
    if busy.reads == 0 {
        figure.met = Some(false);
    }
    vec![figure]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(rate: f64, p99: f64) -> RatePoint {
        RatePoint {
            offered_per_s: rate,
            sent: 10,
            arrived: 10,
            latency: Latency {
                p99_ms: p99,
                p99_9_ms: p99 * 2.0,
                ..Latency::default()
            },
            ..RatePoint::default()
        }
    }

    #[test]
    fn p1_bounds_each_rate_by_twice_the_bare_stream_plus_a_commit() {
        let sql = Latency {
            p99_ms: 1.0,
            ..Latency::default()
        };
        let figures = p1(
            &[at(100.0, 5.0), at(300.0, 7.0)],
            &[at(100.0, 1.5), at(300.0, 2.5)],
            &sql,
        );
        assert_eq!(figures[0].baseline, Some(2.5));
        assert_eq!((figures[0].ratio, figures[0].met), (Some(2.0), Some(true)));
        assert_eq!((figures[1].ratio, figures[1].met), (Some(2.0), Some(true)));
        assert_eq!(figures[2].value, 14.0);
        assert!(figures[2].name.contains("p99.9 at 300/s"));
        assert_eq!(figures[3].met, Some(true));
    }

    #[test]
    fn p3_and_p5_read_the_benchmarks_own_json() {
        let roundtrip = json!({"levels": [
            {"conversations": 100, "round_trip": {"p99_ms": 30.0}, "p3_bound_ms": 20.0}
        ]});
        let p3 = p3(&roundtrip);
        assert_eq!((p3[0].ratio, p3[0].met), (Some(1.5), Some(false)));
        assert!(p3[0].name.contains("at 100 conversations"));
        let routing = json!({
            "baseline": {"nats_request_reply_sequential": {"p99_ms": 0.5}},
            "p5": {"handoff_to_offer_p99_ms": 8.0, "assignments_per_s": 2500.0,
                   "limit_violations": 0, "assigned_twice": 1}
        });
        let p5 = p5(&routing);
        assert_eq!((p5[0].ratio, p5[0].met), (Some(16.0), Some(true)));
        assert_eq!(p5[1].met, Some(true));
        assert_eq!((p5[2].value, p5[2].met), (1.0, Some(false)));
    }

    #[test]
    fn p2_needs_half_the_pipelined_publish_rate() {
        assert_eq!(p2(4000.0, 10_000.0).met, Some(false));
        assert_eq!(p2(6000.0, 10_000.0).met, Some(true));
    }
}
