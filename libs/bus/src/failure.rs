//! The one failure vocabulary. A handler that could not finish says what
//! should happen next, through its error type's [`Classify`]:
//!
//! - [`Disposition::Retry`]: something it depends on did not answer. The
//!   consumer naks with the spec's [`Backoff`] for this attempt (with
//!   jitter, so a crowd of retries does not come back in step); a responder
//!   answers `unavailable` and the caller may ask again.
//! - [`Disposition::Park`]: the message can never be handled (undecodable,
//!   misaddressed, impossible). The consumer parks it with the error as the
//!   reason; a responder answers with the refusal.
//! - [`Disposition::Answered`]: the refusal was, or goes, back to the sender
//!   (a `CommandRejected`, an RPC error code): nothing more to do.
//!
//! The pipeline turns the disposition into nak-with-delay, park or ack, so
//! services never pick delays or build outcomes themselves.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// What a failed handler asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Retry,
    Park,
    Answered,
}

/// Implemented by every handler error: the error says whether retrying can
/// help; its `Display` is the reason an operator reads on a parked message.
pub trait Classify: std::error::Error + Send + Sync + 'static {
    fn disposition(&self) -> Disposition;
}

impl Classify for crate::BusError {
    fn disposition(&self) -> Disposition {
        if self.kind().is_retryable() {
            Disposition::Retry
        } else {
            Disposition::Park
        }
    }
}

/// The retry curve of one consumer: `first`, doubling per attempt up to
/// `max`, and each delay drawn from the upper half of that (equal jitter),
/// so attempt n+1 never waits less than attempt n's longest wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 200 ms to 10 s: quick through a blip, gentle on a restarting database.
    fn default() -> Self {
        Self {
            first: Duration::from_millis(200),
            max: Duration::from_secs(10),
        }
    }
}

impl Backoff {
    /// The ceiling of attempt `attempt` (1 on first delivery), before jitter.
    pub fn ceiling(&self, attempt: i64) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1).max(0))
            .unwrap_or(u32::MAX)
            .min(31);
        self.first
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// The delay before attempt `attempt + 1`: between half the ceiling and
    /// the ceiling.
    pub fn delay(&self, attempt: i64) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_micros()).unwrap_or(u64::MAX);
        // A fresh `RandomState` is seeded differently on every call: enough
        // randomness to spread retries, without a generator to carry around.
        let draw = RandomState::new().hash_one(attempt) % spread.saturating_add(1);
        half + Duration::from_micros(draw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURVE: Backoff = Backoff {
        first: Duration::from_millis(100),
        max: Duration::from_secs(5),
    };

    #[test]
    fn every_delay_stays_within_half_and_all_of_its_ceiling() {
        for attempt in 1..40 {
            let ceiling = CURVE.ceiling(attempt);
            for _ in 0..50 {
                let delay = CURVE.delay(attempt);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{attempt}: {delay:?}"
                );
            }
        }
    }

    #[test]
    fn delays_grow_with_the_attempt_until_the_cap() {
        assert_eq!(CURVE.ceiling(1), Duration::from_millis(100));
        assert_eq!(CURVE.ceiling(2), Duration::from_millis(200));
        assert_eq!(CURVE.ceiling(4), Duration::from_millis(800));
        for attempt in 1..6 {
            let shortest_next = (0..50).map(|_| CURVE.delay(attempt + 1)).min();
            let longest_now = (0..50).map(|_| CURVE.delay(attempt)).max();
            assert!(shortest_next >= longest_now, "attempt {attempt}");
        }
    }

    #[test]
    fn the_cap_holds_for_any_attempt() {
        for attempt in [7, 50, i64::MAX, 0, -3] {
            assert!(CURVE.delay(attempt) <= CURVE.max);
        }
        assert_eq!(CURVE.ceiling(i64::MAX), CURVE.max);
        assert_eq!(CURVE.ceiling(0), CURVE.first);
    }

    #[test]
    fn jitter_spreads_the_delays_of_one_attempt() {
        let distinct: std::collections::BTreeSet<_> = (0..50).map(|_| CURVE.delay(3)).collect();
        assert!(distinct.len() > 1);
    }

    #[test]
    fn a_bus_outage_is_retried_and_a_bad_payload_parked() {
        use crate::{BusError, ErrorKind};
        let outage = BusError::new(ErrorKind::Unavailable, "timed out");
        let garbage = BusError::new(ErrorKind::Decode, "bad bytes");
        assert_eq!(outage.disposition(), Disposition::Retry);
        assert_eq!(garbage.disposition(), Disposition::Park);
    }
}
