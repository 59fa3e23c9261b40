//! The measuring engine shared by every benchmark: C probes, each with one
//! request outstanding at a time (a closed loop), timed into a histogram.
//!
//! Each probe records into its own histogram and they are merged at the end,
//! so the measurement adds no lock or channel between the probes.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Slowest round trip the histograms can hold; slower ones saturate here.
const MAX_MICROS: u64 = 300_000_000;

/// One connection or task that can do one round trip at a time.
pub trait Probe: Send + 'static {
    /// One round trip; returns when the reply has arrived, with the time it
    /// took to reach an intermediate milestone when it has one (the customer
    /// seeing the echo of their own message, before the AI's reply).
    fn round_trip(&mut self) -> impl Future<Output = Result<Option<Duration>, Failure>> + Send;
}

/// Why a round trip did not complete.
#[derive(Debug)]
pub enum Failure {
    /// This one failed (an error reply, say); the probe goes on.
    Retry(String),
    /// The probe cannot go on (its socket closed).
    Fatal(String),
}

/// When every probe stops: at the deadline, or after `max_per_probe` round
/// trips, whichever comes first. The round trip under way at the deadline
/// still completes and counts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Round trips starting in this first stretch are not recorded: at the
    /// start every probe sends at the same instant, a burst that the steady
    /// closed loop never sees again and that would otherwise own the tail.
    pub warmup: Duration,
    /// How long to measure after the warm-up.
    pub duration: Duration,
    /// Recorded round trips per probe.
    pub max_per_probe: Option<u64>,
    /// A round trip slower than this counts as failed (and is not recorded).
    pub timeout: Duration,
}

/// What a closed-loop run measured.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Round-trip latencies in microseconds.
    pub micros: Histogram<u64>,
    /// Latencies to the milestone, for probes that report one.
    pub milestone_micros: Histogram<u64>,
    /// From the end of the warm-up until the last probe stopped.
    pub elapsed: Duration,
    pub failures: u64,
    /// The first few failure messages, to show what went wrong.
    pub failure_examples: Vec<String>,
    /// Probes that stopped early on a fatal failure.
    pub probes_lost: u64,
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("static histogram bounds are valid")
}

impl Sample {
    pub fn count(&self) -> u64 {
        self.micros.len()
    }

    /// Completed round trips per second.
    pub fn throughput(&self) -> f64 {
        self.count() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct ProbeResult {
    micros: Histogram<u64>,
    milestone_micros: Histogram<u64>,
    failures: u64,
    examples: Vec<String>,
    lost: bool,
}

/// Runs every probe in its own task from a common start until `limits`.
pub async fn run<P: Probe>(probes: Vec<P>, limits: Limits) -> Sample {
    let measure_from = Instant::now() + limits.warmup;
    let deadline = measure_from + limits.duration;
    let tasks: Vec<_> = probes
        .into_iter()
        .map(|probe| tokio::spawn(drive(probe, measure_from, deadline, limits)))
        .collect();
    let mut sample = Sample {
        micros: histogram(),
        milestone_micros: histogram(),
        elapsed: Duration::ZERO,
        failures: 0,
        failure_examples: Vec::new(),
        probes_lost: 0,
    };
    for task in tasks {
        match task.await {
            Ok(result) => {
                // Same bounds on both sides: adding cannot fail.
                let _ = sample.micros.add(&result.micros);
                let _ = sample.milestone_micros.add(&result.milestone_micros);
                sample.failures += result.failures;
                sample.probes_lost += u64::from(result.lost);
                for example in result.examples {
                    if sample.failure_examples.len() < 5 {
                        sample.failure_examples.push(example);
                    }
                }
            }
            Err(join) => {
                sample.probes_lost += 1;
                sample
                    .failure_examples
                    .push(format!("probe task died: {join}"));
            }
        }
    }
    sample.elapsed = Instant::now().saturating_duration_since(measure_from);
    sample
}

async fn drive<P: Probe>(
    mut probe: P,
    measure_from: Instant,
    deadline: Instant,
    limits: Limits,
) -> ProbeResult {
    let mut result = ProbeResult {
        micros: histogram(),
        milestone_micros: histogram(),
        failures: 0,
        examples: Vec::new(),
        lost: false,
    };
    let mut done = 0u64;
    while Instant::now() < deadline && limits.max_per_probe.is_none_or(|max| done < max) {
        let sent = Instant::now();
        let outcome = match tokio::time::timeout(limits.timeout, probe.round_trip()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::Retry(format!(
                "no reply within {:?}",
                limits.timeout
            ))),
        };
        let measured = sent >= measure_from;
        done += u64::from(measured);
        match outcome {
            Ok(_) if !measured => {}
            Ok(milestone) => {
                result.micros.saturating_record(micros(sent.elapsed()));
                if let Some(milestone) = milestone {
                    result.milestone_micros.saturating_record(micros(milestone));
                }
            }
            Err(Failure::Retry(why)) => note(&mut result, why),
            Err(Failure::Fatal(why)) => {
                note(&mut result, why);
                result.lost = true;
                break;
            }
        }
    }
    result
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

fn note(result: &mut ProbeResult, why: String) {
    result.failures += 1;
    if result.examples.len() < 2 {
        result.examples.push(why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers at once; fails fatally on round trip number `fatal_at`.
    struct Immediate {
        done: u64,
        fatal_at: Option<u64>,
    }

    impl Probe for Immediate {
        async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
            self.done += 1;
            match self.fatal_at {
                Some(n) if n == self.done => Err(Failure::Fatal("socket closed".into())),
                _ => Ok(None),
            }
        }
    }

    fn limits(max_per_probe: u64) -> Limits {
        Limits {
            warmup: Duration::ZERO,
            duration: Duration::from_secs(60),
            max_per_probe: Some(max_per_probe),
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn every_probe_stops_after_its_maximum_number_of_round_trips() {
        let probes = (0..3)
            .map(|_| Immediate {
                done: 0,
                fatal_at: None,
            })
            .collect();
        let sample = run(probes, limits(4)).await;
        assert_eq!(
            (sample.count(), sample.failures, sample.probes_lost),
            (12, 0, 0)
        );
    }

    #[tokio::test]
    async fn a_fatal_failure_stops_only_the_probe_it_happened_to() {
        let probes = vec![
            Immediate {
                done: 0,
                fatal_at: Some(2),
            },
            Immediate {
                done: 0,
                fatal_at: None,
            },
        ];
        let sample = run(probes, limits(5)).await;
        assert_eq!(
            (sample.count(), sample.failures, sample.probes_lost),
            (6, 1, 1)
        );
        assert_eq!(sample.failure_examples, vec!["socket closed".to_owned()]);
    }

    /// Counts its round trips where the test can see them; each takes 1 ms.
    struct Counted(std::sync::Arc<std::sync::atomic::AtomicU64>);

    impl Probe for Counted {
        async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(1)).await;
            Ok(None)
        }
    }

    #[tokio::test]
    async fn round_trips_started_during_the_warm_up_are_not_recorded() {
        let calls = std::sync::Arc::default();
        let limits = Limits {
            warmup: Duration::from_millis(30),
            ..limits(3)
        };
        let sample = run(vec![Counted(std::sync::Arc::clone(&calls))], limits).await;
        let calls = calls.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(sample.count(), 3);
        assert!(
            calls > 3,
            "only {calls} round trips: the warm-up recorded some"
        );
    }

    struct Silent;

    impl Probe for Silent {
        async fn round_trip(&mut self) -> Result<Option<Duration>, Failure> {
            futures::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_round_trip_slower_than_the_timeout_counts_as_failed_and_is_not_recorded() {
        let sample = run(vec![Silent], limits(2)).await;
        assert_eq!(
            (sample.count(), sample.failures, sample.probes_lost),
            (0, 2, 0)
        );
    }
}
