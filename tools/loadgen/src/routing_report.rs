//! What the `routing` benchmark prints: each phase's latencies and counts,
//! P5's verdict against the same-run bare request/reply, and one JSON line.

use std::time::Duration;

use serde_json::{Value, json};

use crate::report::{self, Stats, round};
use crate::routing::Settings;
use crate::routing_phase::PhaseReport;

/// P5 (TARGETS.md): handoff → offer p99 ≤ this × bare request/reply p99.
pub const P5_LATENCY_FACTOR: f64 = 20.0;
/// P5: assignments per second, at least.
pub const P5_ASSIGNMENTS_PER_S: f64 = 2000.0;

pub fn print_baseline(request_reply: &Stats, each: Duration) {
    report::print_header(&format!(
        "bare baseline, same nats-server, {} B payload, {each:?}",
        crate::nats_bare::PAYLOAD_BYTES
    ));
    report::print_row("NATS core request/reply", 1, request_reply);
}

fn handoff_to_offer(phase: &PhaseReport) -> Stats {
    let rate = phase.ledger.assignments_per_second();
    Stats::of_histogram(&phase.ledger.handoff_to_offer, rate, 0)
}

fn accept_to_message(phase: &PhaseReport) -> Stats {
    let rate = phase.ledger.assignments_per_second();
    Stats::of_histogram(&phase.ledger.accept_to_message, rate, 0)
}

pub fn print_phase(phase: &PhaseReport, request_reply: &Stats) {
    let o = &phase.outcomes;
    let l = &phase.ledger;
    let a = &phase.agent_view;
    report::print_header(&format!(
        "live chat, {} phase: {} customers, {} agents",
        phase.name, o.customers, phase.agents
    ));
    let to_offer = handoff_to_offer(phase);
    report::print_row("handoff -> offer at the agent", phase.agents, &to_offer);
    report::print_row(
        "accept -> agent's message at cust.",
        phase.agents,
        &accept_to_message(phase),
    );
    report::print_row("bare NATS request/reply", 1, request_reply);
    println!(
        "handoff -> offer p99 / bare request/reply p99: {:.1}x (P5 allows {P5_LATENCY_FACTOR}x)",
        to_offer.p99 / request_reply.p99
    );
    println!(
        "{} handoffs, {} assigned in {:.2} s from the first handoff = {:.0} assignments/s; \
         {} customers served, {:.1} s in all",
        l.handoffs,
        l.assignments,
        l.assigning_span.as_secs_f64(),
        l.assignments_per_second(),
        o.served,
        phase.elapsed.as_secs_f64()
    );
    println!(
        "limit violations {} (max held by one agent {}), assigned twice {}, fallbacks {}, \
         ended without agent {}, failed {}, not ready {}",
        a.violations,
        a.max_held,
        l.assigned_twice,
        o.fallbacks,
        o.ended_without_agent,
        o.failed,
        o.not_ready
    );
    println!(
        "agents: {} offers ({} repeated), {} refused accepts, {} withdrawn, {} set unavailable, \
         {} still held at stop, {} errors",
        a.offers,
        l.repeat_offers,
        a.refused,
        a.withdrawn,
        a.set_unavailable,
        a.held_at_stop,
        a.errors
    );
    for example in o.examples.iter().chain(&a.error_examples) {
        println!("    e.g.: {example}");
    }
}

/// P5's three parts, from the steady phase's latency and the burst's rate.
struct Verdict {
    bound_ms: f64,
    p99_ms: f64,
    latency_met: bool,
    assignments_per_s: f64,
    throughput_met: bool,
    violations: u64,
    assigned_twice: u64,
}

impl Verdict {
    fn of(steady: &PhaseReport, burst: Option<&PhaseReport>, request_reply: &Stats) -> Self {
        let p99_ms = handoff_to_offer(steady).p99;
        let bound_ms = P5_LATENCY_FACTOR * request_reply.p99;
        let assignments_per_s = burst.map_or(0.0, |b| b.ledger.assignments_per_second());
        let phases = std::iter::once(steady).chain(burst);
        let (violations, assigned_twice) = phases.fold((0, 0), |(v, t), p| {
            (v + p.agent_view.violations, t + p.ledger.assigned_twice)
        });
        Self {
            bound_ms,
            p99_ms,
            latency_met: !steady.ledger.handoff_to_offer.is_empty() && p99_ms <= bound_ms,
            assignments_per_s,
            throughput_met: assignments_per_s >= P5_ASSIGNMENTS_PER_S,
            violations,
            assigned_twice,
        }
    }

    fn met(&self) -> bool {
        self.latency_met && self.throughput_met && self.violations == 0 && self.assigned_twice == 0
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

pub fn print_verdict(steady: &PhaseReport, burst: Option<&PhaseReport>, request_reply: &Stats) {
    let v = Verdict::of(steady, burst, request_reply);
    println!("\n== P5 (bounds from the same-run bare request/reply) ==");
    println!(
        "handoff -> offer p99 {:.3} ms <= {P5_LATENCY_FACTOR} x {:.3} ms = {:.3} ms: {:.2}x the bound -> {}",
        v.p99_ms,
        request_reply.p99,
        v.bound_ms,
        v.p99_ms / v.bound_ms,
        verdict(v.latency_met)
    );
    match burst {
        Some(_) => println!(
            "assignments/s (burst) {:.0} >= {P5_ASSIGNMENTS_PER_S} -> {}",
            v.assignments_per_s,
            verdict(v.throughput_met)
        ),
        None => println!("assignments/s: no burst phase (--burst 0) -> not measured"),
    }
    println!(
        "limit violations {}, assigned twice {} -> {}",
        v.violations,
        v.assigned_twice,
        verdict(v.violations == 0 && v.assigned_twice == 0)
    );
}

fn phase_json(phase: &PhaseReport, request_reply: &Stats) -> Value {
    let o = &phase.outcomes;
    let l = &phase.ledger;
    let a = &phase.agent_view;
    let to_offer = handoff_to_offer(phase);
    json!({
        "agents": phase.agents,
        "customers": o.customers,
        "not_ready": o.not_ready,
        "served": o.served,
        "fallbacks": o.fallbacks,
        "ended_without_agent": o.ended_without_agent,
        "failed": o.failed,
        "handoffs": l.handoffs,
        "assignments": l.assignments,
        "assignments_per_s": round(l.assignments_per_second()),
        "assigning_secs": round(l.assigning_span.as_secs_f64()),
        "limit_violations": a.violations,
        "max_held_by_one_agent": a.max_held,
        "assigned_twice": l.assigned_twice,
        "repeat_offers": l.repeat_offers,
        "accepts_refused": a.refused,
        "offers_withdrawn": a.withdrawn,
        "agents_set_unavailable": a.set_unavailable,
        "agent_errors": a.errors,
        "handoff_to_offer": to_offer.json(),
        "accept_to_first_message": accept_to_message(phase).json(),
        "handoff_to_offer_p99_over_request_reply_p99": round(to_offer.p99 / request_reply.p99),
    })
}

pub fn json(
    settings: &Settings,
    request_reply: &Stats,
    steady: &PhaseReport,
    burst: Option<&PhaseReport>,
) -> Value {
    let v = Verdict::of(steady, burst, request_reply);
    json!({
        "bench": "routing",
        "payload_bytes": crate::nats_bare::PAYLOAD_BYTES,
        "settings": {
            "agents": settings.agents,
            "maximum_conversations": settings.maximum_conversations,
            "arrival_rate_per_s": settings.arrival_rate,
            "duration_secs": settings.duration.as_secs_f64(),
            "handle_secs": settings.handle.as_secs_f64(),
            "burst": settings.burst,
        },
        "baseline": {"nats_request_reply_sequential": request_reply.json()},
        "steady": phase_json(steady, request_reply),
        "burst": burst.map(|b| phase_json(b, request_reply)),
        "p5": {
            "bound_ms": round(v.bound_ms),
            "handoff_to_offer_p99_ms": round(v.p99_ms),
            "latency_met": v.latency_met,
            "assignments_per_s": round(v.assignments_per_s),
            "throughput_met": v.throughput_met,
            "limit_violations": v.violations,
            "assigned_twice": v.assigned_twice,
            "met": v.met(),
        },
    })
}
