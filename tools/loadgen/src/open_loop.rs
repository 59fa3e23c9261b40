//! The open-loop engine: messages go out at their intended instants (an
//! [`arrivals`](crate::arrivals) schedule) whatever the system does, and
//! each one's latency runs from its intended instant to its arrival, so a
//! stall counts against every message that should have left meanwhile.
//!
//! One [`Step`] is one offered rate. A message carries its step and index
//! (see [`tag`]); whoever receives it (an agent's socket, a customer's echo,
//! a JetStream consumer) calls [`Step::arrived`] with the index, from any
//! task. The sender ([`drive`]) never waits for replies: it hands each
//! message to a queue and moves on.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::sync::Notify;
// Tokio's clock, so that tests can run the schedule on paused time.
use tokio::time::Instant;

use crate::closed_loop::histogram;

/// One offered rate's schedule and what arrived of it.
pub struct Step {
    pub id: u32,
    pub rate: f64,
    start: Instant,
    offsets: Vec<Duration>,
    /// Messages intended before this are sent and awaited but not recorded.
    warmup: Duration,
    /// Latencies in µs, one histogram per kind of arrival.
    latencies: Vec<Mutex<Histogram<u64>>>,
    arrived: Vec<AtomicU64>,
    all_arrived: Notify,
}

/// What a step measured, for one kind of arrival.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub offered: f64,
    pub sent: u64,
    pub arrived: u64,
    /// Recorded arrivals per second over the measured stretch.
    pub achieved: f64,
    /// Sends the driver made more than 1 ms late; set by the caller of [`drive`].
    pub late_sends: u64,
    pub micros: Histogram<u64>,
}

impl Step {
    /// A step starting at `start` with `kinds` kinds of arrival (an agent's
    /// copy and the customer's echo are two).
    pub fn new(
        id: u32,
        rate: f64,
        start: Instant,
        offsets: Vec<Duration>,
        warmup: Duration,
        kinds: usize,
    ) -> Self {
        Self {
            id,
            rate,
            start,
            offsets,
            warmup,
            latencies: (0..kinds).map(|_| Mutex::new(histogram())).collect(),
            arrived: (0..kinds).map(|_| AtomicU64::new(0)).collect(),
            all_arrived: Notify::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn intended(&self, index: usize) -> Option<Instant> {
        self.offsets.get(index).map(|offset| self.start + *offset)
    }

    /// Message `index` arrived (as `kind`) at `at`. Unknown indices are ignored.
    pub fn arrived(&self, kind: usize, index: usize, at: Instant) {
        let (Some(offset), Some(count)) = (self.offsets.get(index), self.arrived.get(kind)) else {
            return;
        };
        if *offset >= self.warmup {
            let latency = at.saturating_duration_since(self.start + *offset);
            let micros = u64::try_from(latency.as_micros())
                .unwrap_or(u64::MAX)
                .max(1);
            if let Ok(mut h) = self.latencies[kind].lock() {
                h.saturating_record(micros);
            }
        }
        let now = count.fetch_add(1, Ordering::Relaxed) + 1;
        if now == self.offsets.len() as u64 && self.everything_arrived() {
            self.all_arrived.notify_one();
        }
    }

    fn everything_arrived(&self) -> bool {
        let total = self.offsets.len() as u64;
        self.arrived
            .iter()
            .all(|count| count.load(Ordering::Relaxed) >= total)
    }

    /// Waits until every kind of every message arrived, or `drain` passed
    /// after the last intended send.
    pub async fn settle(&self, drain: Duration) {
        let last = self.offsets.last().copied().unwrap_or_default();
        let deadline = self.start + last + drain;
        loop {
            let notified = self.all_arrived.notified();
            if self.everything_arrived() {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }

    /// The measured outcome of arrivals of `kind`.
    pub fn outcome(&self, kind: usize) -> Outcome {
        let micros = self.latencies[kind]
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|_| histogram());
        let measured_secs = self
            .offsets
            .last()
            .map_or(0.0, |last| last.saturating_sub(self.warmup).as_secs_f64());
        Outcome {
            offered: self.rate,
            sent: self.offsets.len() as u64,
            arrived: self.arrived[kind].load(Ordering::Relaxed),
            achieved: micros.len() as f64 / measured_secs.max(1e-9),
            late_sends: 0,
            micros,
        }
    }
}

/// The text a message carries so its receiver can find its step and index.
pub fn tag(step: u32, index: usize) -> String {
    format!("bench {step} {index}")
}

/// The step and index in a text made by [`tag`] (possibly padded after).
pub fn parse_tag(text: &str) -> Option<(u32, usize)> {
    let mut words = text.strip_prefix("bench ")?.split_whitespace();
    let step = words.next()?.parse().ok()?;
    let index = words.next()?.parse().ok()?;
    Some((step, index))
}

/// Sends every message of `step` at its intended instant by calling `send`
/// with its index; `send` must only queue the message, never wait for the
/// system. Returns how many sends started late by more than a millisecond
/// (the loadgen itself falling behind).
pub async fn drive(step: &Step, mut send: impl FnMut(usize)) -> u64 {
    let mut late = 0;
    for index in 0..step.len() {
        let intended = step.intended(index).expect("index below len");
        tokio::time::sleep_until(intended).await;
        if Instant::now().saturating_duration_since(intended) > Duration::from_millis(1) {
            late += 1;
        }
        send(index);
    }
    late
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_names_its_step_and_index() {
        assert_eq!(parse_tag(&tag(3, 1234)), Some((3, 1234)));
        assert_eq!(parse_tag("bench 3 17 xxxxxxxx"), Some((3, 17)));
        assert_eq!(parse_tag("How do I reset my password?"), None);
        assert_eq!(parse_tag("bench x 1"), None);
    }

    fn step(offsets_ms: &[u64], warmup_ms: u64, start: Instant) -> Step {
        let offsets = offsets_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect();
        Step::new(0, 10.0, start, offsets, Duration::from_millis(warmup_ms), 1)
    }

    #[test]
    fn latency_runs_from_the_intended_instant_and_the_warm_up_is_not_recorded() {
        let start = Instant::now();
        let step = step(&[0, 100, 200, 300], 100, start);
        // Message 0 is in the warm-up; message 1 arrives 5 ms after its
        // intended instant; 2 and 3 arrive together at 400 ms, as after a
        // stall: 200 and 100 ms late, however late they were sent.
        step.arrived(0, 0, start + Duration::from_millis(50));
        step.arrived(0, 1, start + Duration::from_millis(105));
        step.arrived(0, 2, start + Duration::from_millis(400));
        step.arrived(0, 3, start + Duration::from_millis(400));
        let outcome = step.outcome(0);
        assert_eq!(
            (outcome.sent, outcome.arrived, outcome.micros.len()),
            (4, 4, 3)
        );
        let lowest = outcome.micros.min();
        assert!((4_990..=5_010).contains(&lowest), "{lowest}");
        assert!((199_000..=201_000).contains(&outcome.micros.max()));
        // Three recorded arrivals over the 200 ms from the warm-up's end to the last send.
        assert!(
            (outcome.achieved - 15.0).abs() < 0.01,
            "{}",
            outcome.achieved
        );
    }

    #[test]
    fn an_unknown_index_or_kind_is_ignored() {
        let start = Instant::now();
        let step = step(&[0], 0, start);
        step.arrived(0, 5, start);
        step.arrived(3, 0, start);
        assert_eq!(step.outcome(0).arrived, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_driver_sends_each_message_at_its_intended_instant() {
        let start = Instant::now() + Duration::from_millis(10);
        let step = step(&[0, 250, 500, 750], 0, start);
        let mut sent = Vec::new();
        let late = drive(&step, |index| sent.push((index, Instant::now() - start))).await;
        let ms: Vec<(usize, u128)> = sent.iter().map(|(i, at)| (*i, at.as_millis())).collect();
        assert_eq!(ms, vec![(0, 0), (1, 250), (2, 500), (3, 750)]);
        assert_eq!(late, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn settling_ends_when_everything_arrived_or_at_the_drain_deadline() {
        let start = Instant::now();
        let step = std::sync::Arc::new(step(&[0, 10], 0, start));
        let waiter = tokio::spawn({
            let step = std::sync::Arc::clone(&step);
            async move { step.settle(Duration::from_secs(60)).await }
        });
        step.arrived(0, 0, start);
        step.arrived(0, 1, start);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("settled once both arrived")
            .unwrap();
        let lost = step_with_loss();
        let before = Instant::now();
        lost.settle(Duration::from_secs(2)).await;
        assert!(before.elapsed() >= Duration::from_secs(2));
    }

    fn step_with_loss() -> Step {
        step(&[0], 0, Instant::now())
    }
}
