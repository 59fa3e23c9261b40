//! What follows an attempt: the next try's delay (doubling from the first
//! wait up to the cap) and whether the subscription pauses (after a number
//! of consecutive failures across its deliveries).

use std::time::Duration;

/// The retry and pause rules.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first: Duration,
    pub max: Duration,
    pub pause_after: u32,
}

/// What a failed attempt leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterFailure {
    /// When the delivery is tried next (epoch ms).
    pub next_attempt_ms: i64,
    /// The subscription's consecutive failures, this one included.
    pub consecutive_failures: u32,
    /// Whether the subscription pauses now.
    pub pause: bool,
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt of a delivery.
    pub fn delay(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.first
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |delay| delay.min(self.max))
    }

    /// A delivery failed for the `attempts`-th time at `now_ms`, after
    /// `failures_before` consecutive failures of its subscription.
    pub fn after_failure(&self, attempts: u32, failures_before: u32, now_ms: i64) -> AfterFailure {
        let consecutive_failures = failures_before.saturating_add(1);
        let delay = i64::try_from(self.delay(attempts).as_millis()).unwrap_or(i64::MAX);
        AfterFailure {
            next_attempt_ms: now_ms.saturating_add(delay),
            consecutive_failures,
            pause: consecutive_failures >= self.pause_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        first: Duration::from_secs(5),
        max: Duration::from_secs(60),
        pause_after: 3,
    };

    #[test]
    fn the_delay_doubles_from_the_first_wait_up_to_the_cap() {
        let delays: Vec<u64> = (1..=6).map(|n| POLICY.delay(n).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 60, 60]);
        assert_eq!(POLICY.delay(1_000), Duration::from_secs(60));
    }

    #[test]
    fn the_subscription_pauses_at_the_configured_run_of_failures() {
        let first = POLICY.after_failure(1, 0, 1_000);
        assert_eq!(first.next_attempt_ms, 6_000);
        assert!(!first.pause);
        assert!(!POLICY.after_failure(2, 1, 0).pause);
        let third = POLICY.after_failure(3, 2, 0);
        assert_eq!(third.consecutive_failures, 3);
        assert!(third.pause);
    }
}
