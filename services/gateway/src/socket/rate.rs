//! A token bucket: `rate` per second on average, bursts up to twice that.
//! Each socket holds one for its frames; the HTTP rate limits
//! ([`crate::api::rate_limit`]) keep one per caller. Time is passed in so
//! the policy is testable.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket refilling at `per_second` (at least 1) with room for
    /// twice that.
    pub fn new(per_second: u32, now: Instant) -> Self {
        let rate = f64::from(per_second.max(1));
        Self {
            rate,
            capacity: 2.0 * rate,
            tokens: 2.0 * rate,
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long after the last [`Self::try_take`] the next token is there
    /// (zero when one is already).
    pub fn wait(&self) -> Duration {
        Duration::from_secs_f64((1.0 - self.tokens).max(0.0) / self.rate)
    }

    /// Whether the bucket would be full at `now`: it holds nothing a fresh
    /// one would not.
    pub fn is_full_at(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.rate >= self.capacity
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_of_twice_the_rate_passes_and_the_next_frame_does_not() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5, start);
        assert!((0..10).all(|_| bucket.try_take(start)));
        assert!(!bucket.try_take(start));
    }

    #[test]
    fn the_bucket_refills_at_the_rate_and_never_beyond_its_capacity() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5, start);
        assert!((0..10).all(|_| bucket.try_take(start)));
        let later = start + Duration::from_millis(400);
        assert!(bucket.try_take(later));
        assert!(bucket.try_take(later));
        assert!(!bucket.try_take(later));
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..20).filter(|_| bucket.try_take(much_later)).count(), 10);
    }

    #[test]
    fn an_empty_bucket_says_how_long_until_the_next_token() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(4, start);
        assert_eq!(bucket.wait(), Duration::ZERO);
        assert!((0..8).all(|_| bucket.try_take(start)));
        assert!(!bucket.try_take(start));
        assert_eq!(bucket.wait(), Duration::from_millis(250));
        assert!(!bucket.is_full_at(start + Duration::from_secs(1)));
        assert!(bucket.is_full_at(start + Duration::from_secs(2)));
    }
}
