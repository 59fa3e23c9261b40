//! Turning samples into what people and machines read: tables of p50, p99,
//! p99.9 and max per measurement, P3's bound and verdict, and one JSON line
//! with every number.

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use crate::closed_loop::Sample;

/// The summary of one [`Sample`], latencies in milliseconds.
#[derive(Debug, Clone)]
pub struct Stats {
    pub count: u64,
    pub throughput: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub failures: u64,
    pub failure_examples: Vec<String>,
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

impl Stats {
    pub fn of(sample: &Sample) -> Self {
        Self::summarize(sample, &sample.micros)
    }

    /// The latencies to the probes' milestone (the customer's echo).
    pub fn of_milestone(sample: &Sample) -> Self {
        Self::summarize(sample, &sample.milestone_micros)
    }

    fn summarize(sample: &Sample, h: &Histogram<u64>) -> Self {
        Self {
            failure_examples: sample.failure_examples.clone(),
            ..Self::of_histogram(h, sample.throughput(), sample.failures)
        }
    }

    /// Latencies in µs measured outside a closed loop (the live-chat
    /// benchmark's), with their rate and failure count.
    pub fn of_histogram(h: &Histogram<u64>, throughput: f64, failures: u64) -> Self {
        Self {
            count: h.len(),
            throughput,
            p50: ms(h.value_at_quantile(0.50)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            failures,
            failure_examples: Vec::new(),
        }
    }

    pub fn json(&self) -> Value {
        json!({
            "count": self.count,
            "throughput_per_s": round(self.throughput),
            "p50_ms": round(self.p50),
            "p99_ms": round(self.p99),
            "p99_9_ms": round(self.p999),
            "max_ms": round(self.max),
            "failures": self.failures,
        })
    }
}

pub fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// One concurrency level: the round trip and the same-C baselines.
#[derive(Debug, Clone)]
pub struct LevelReport {
    pub conversations: usize,
    pub open_failures: usize,
    pub open_secs: f64,
    pub round_trip: Stats,
    /// From sending until the echo of the customer's own message.
    pub to_echo: Stats,
    pub request_reply: Stats,
    pub ws_echo: Stats,
}

impl LevelReport {
    /// P3 (TARGETS.md): p99 ≤ 3 × bare request/reply p99 + the WebSocket
    /// cost, both measured at this level's concurrency.
    pub fn p3_bound(&self) -> f64 {
        3.0 * self.request_reply.p99 + self.ws_echo.p99
    }

    pub fn p3_met(&self) -> bool {
        self.round_trip.count > 0 && self.round_trip.p99 <= self.p3_bound()
    }
}

const HEADER: &str = "measurement                         conc   samples      per s   p50 ms   p99 ms p99.9 ms   max ms  fail";

pub fn print_header(title: &str) {
    println!("\n== {title} ==");
    println!("{HEADER}");
}

pub fn print_row(what: &str, concurrency: usize, stats: &Stats) {
    println!(
        "{what:<34} {concurrency:>5} {:>9} {:>10.0} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>5}",
        stats.count, stats.throughput, stats.p50, stats.p99, stats.p999, stats.max, stats.failures
    );
    for example in &stats.failure_examples {
        println!("    failure: {example}");
    }
}

pub fn print_level(level: &LevelReport, rr_sequential: &Stats) {
    let c = level.conversations;
    print_header(&format!(
        "customer → AI → customer, {c} concurrent conversations"
    ));
    print_row("round trip through the gateway", c, &level.round_trip);
    print_row("  of which until the echo", c, &level.to_echo);
    print_row("bare NATS request/reply", c, &level.request_reply);
    print_row("bare WebSocket echo", c, &level.ws_echo);
    println!(
        "opened and warmed up {} of {c} sockets in {:.1} s",
        c - level.open_failures,
        level.open_secs
    );
    let rt = &level.round_trip;
    println!(
        "p99 / bare request/reply p99: {:.1}x sequential ({:.3} ms), {:.1}x at {c} concurrent ({:.3} ms)",
        rt.p99 / rr_sequential.p99,
        rr_sequential.p99,
        rt.p99 / level.request_reply.p99,
        level.request_reply.p99
    );
    println!(
        "P3: p99 <= 3 x {:.3} + {:.3} (WebSocket echo p99) = {:.3} ms; measured {:.3} ms = {:.2}x the bound -> {}",
        level.request_reply.p99,
        level.ws_echo.p99,
        level.p3_bound(),
        rt.p99,
        rt.p99 / level.p3_bound(),
        if level.p3_met() { "met" } else { "MISSED" }
    );
}

pub fn print_summary(levels: &[LevelReport], rr_sequential: &Stats) {
    println!("\n== P3 summary (bounds from same-run, same-concurrency baselines) ==");
    println!(
        "conc   messages    msg/s   p50 ms   p99 ms p99.9 ms   max ms  x rr-seq  x rr-C   bound ms  verdict"
    );
    for level in levels {
        let rt = &level.round_trip;
        println!(
            "{:>4} {:>10} {:>8.0} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>9.1} {:>7.1} {:>10.3}  {}",
            level.conversations,
            rt.count,
            rt.throughput,
            rt.p50,
            rt.p99,
            rt.p999,
            rt.max,
            rt.p99 / rr_sequential.p99,
            rt.p99 / level.request_reply.p99,
            level.p3_bound(),
            if level.p3_met() { "met" } else { "MISSED" }
        );
    }
}

pub fn json(
    duration_secs: u64,
    rr_sequential: &Stats,
    jetstream: &Stats,
    levels: &[LevelReport],
) -> Value {
    json!({
        "bench": "roundtrip",
        "payload_bytes": crate::nats_bare::PAYLOAD_BYTES,
        "duration_secs": duration_secs,
        "baseline": {
            "nats_request_reply_sequential": rr_sequential.json(),
            "jetstream_publish_await_ack": jetstream.json(),
        },
        "levels": levels.iter().map(|level| json!({
            "conversations": level.conversations,
            "open_failures": level.open_failures,
            "open_secs": round(level.open_secs),
            "round_trip": level.round_trip.json(),
            "to_echo": level.to_echo.json(),
            "nats_request_reply": level.request_reply.json(),
            "ws_echo": level.ws_echo.json(),
            "p99_over_request_reply_sequential_p99": round(level.round_trip.p99 / rr_sequential.p99),
            "p99_over_request_reply_same_concurrency_p99": round(level.round_trip.p99 / level.request_reply.p99),
            "p3_bound_ms": round(level.p3_bound()),
            "p3_met": level.p3_met(),
        })).collect::<Vec<_>>(),
    })
}
