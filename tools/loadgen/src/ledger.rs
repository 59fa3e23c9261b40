//! The live-chat benchmark's bookkeeping, shared by the customer and agent
//! tasks: when each conversation was handed off, offered, accepted, assigned
//! and first answered by its agent (correlated by conversation id), and each
//! agent's own count of the conversations it holds.
//!
//! Latencies are computed at the end from the recorded instants, so the
//! tasks only take a short lock to note an instant.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::closed_loop::histogram;

#[derive(Debug, Default, Clone)]
struct Times {
    /// The customer sent `request_human`: t0.
    handoff: Option<Instant>,
    /// The first `offer` frame at an agent.
    first_offer: Option<Instant>,
    offers: u32,
    /// The winning agent sent `accept`.
    accept_sent: Option<Instant>,
    assigned_at: Option<Instant>,
    assignments: u32,
    /// The customer received the agent's first message.
    agent_message: Option<Instant>,
}

/// Every conversation's instants; one per benchmark phase.
#[derive(Debug, Default)]
pub struct Ledger {
    conversations: Mutex<HashMap<String, Times>>,
}

/// What the ledger adds up to.
#[derive(Debug, Clone)]
pub struct Summary {
    /// From the customer's `request_human` to the offer at the agent, µs.
    pub handoff_to_offer: Histogram<u64>,
    /// From the agent's `accept` to its first message at the customer, µs.
    pub accept_to_message: Histogram<u64>,
    pub handoffs: u64,
    pub assignments: u64,
    /// `assigned` frames for a conversation already assigned.
    pub assigned_twice: u64,
    /// Offers of a conversation beyond its first (declines or timeouts).
    pub repeat_offers: u64,
    /// From the first handoff to the last assignment.
    pub assigning_span: Duration,
}

impl Summary {
    pub fn assignments_per_second(&self) -> f64 {
        self.assignments as f64 / self.assigning_span.as_secs_f64().max(1e-9)
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl Ledger {
    fn with(&self, conversation: &str, note: impl FnOnce(&mut Times)) {
        let mut conversations = self
            .conversations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        note(conversations.entry(conversation.to_owned()).or_default());
    }

    pub fn handoff(&self, conversation: &str, at: Instant) {
        self.with(conversation, |t| t.handoff = Some(at));
    }

    pub fn offered(&self, conversation: &str, at: Instant) {
        self.with(conversation, |t| {
            t.offers += 1;
            t.first_offer.get_or_insert(at);
        });
    }

    /// Returns whether the conversation had been assigned already.
    pub fn assigned(&self, conversation: &str, accept_sent: Option<Instant>, at: Instant) -> bool {
        let mut twice = false;
        self.with(conversation, |t| {
            twice = t.assignments > 0;
            t.assignments += 1;
            if !twice {
                t.assigned_at = Some(at);
                t.accept_sent = accept_sent;
            }
        });
        twice
    }

    pub fn agent_message(&self, conversation: &str, at: Instant) {
        self.with(conversation, |t| {
            t.agent_message.get_or_insert(at);
        });
    }

    /// Latencies of the conversations handed off at or after `measure_from`
    /// (earlier ones are the warm-up); counts over every conversation.
    pub fn summary(&self, measure_from: Instant) -> Summary {
        let conversations = self
            .conversations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut summary = Summary {
            handoff_to_offer: histogram(),
            accept_to_message: histogram(),
            handoffs: 0,
            assignments: 0,
            assigned_twice: 0,
            repeat_offers: 0,
            assigning_span: Duration::ZERO,
        };
        let mut first_handoff: Option<Instant> = None;
        let mut last_assigned: Option<Instant> = None;
        for t in conversations.values() {
            summary.handoffs += u64::from(t.handoff.is_some());
            summary.assignments += u64::from(t.assignments > 0);
            summary.assigned_twice += u64::from(t.assignments.saturating_sub(1));
            summary.repeat_offers += u64::from(t.offers.saturating_sub(1));
            if let Some(handoff) = t.handoff {
                first_handoff = Some(first_handoff.map_or(handoff, |f| f.min(handoff)));
            }
            if let Some(assigned) = t.assigned_at {
                last_assigned = Some(last_assigned.map_or(assigned, |l| l.max(assigned)));
            }
            if t.handoff.is_none_or(|handoff| handoff < measure_from) {
                continue;
            }
            if let (Some(handoff), Some(offer)) = (t.handoff, t.first_offer) {
                let latency = offer.saturating_duration_since(handoff);
                summary.handoff_to_offer.saturating_record(micros(latency));
            }
            if let (Some(accept), Some(message)) = (t.accept_sent, t.agent_message) {
                let latency = message.saturating_duration_since(accept);
                summary.accept_to_message.saturating_record(micros(latency));
            }
        }
        if let (Some(first), Some(last)) = (first_handoff, last_assigned) {
            summary.assigning_span = last.saturating_duration_since(first);
        }
        summary
    }
}

/// One agent's own view of the conversations it holds: offers outstanding
/// plus assigned minus ended. Holding more than the limit at any moment is a
/// violation.
#[derive(Debug)]
pub struct Load {
    limit: usize,
    held: HashSet<String>,
    pub max_held: usize,
    pub violations: u64,
}

impl Load {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            held: HashSet::new(),
            max_held: 0,
            violations: 0,
        }
    }

    /// An offer or an assignment of `conversation`; the offer and the
    /// assignment of the same conversation count once.
    pub fn take(&mut self, conversation: &str) {
        if self.held.insert(conversation.to_owned()) {
            self.max_held = self.max_held.max(self.held.len());
            if self.held.len() > self.limit {
                self.violations += 1;
            }
        }
    }

    /// Ended, withdrawn, or refused; releasing twice is harmless.
    pub fn release(&mut self, conversation: &str) {
        self.held.remove(conversation);
    }

    pub fn held(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests;
