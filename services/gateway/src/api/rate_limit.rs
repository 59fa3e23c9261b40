//! A per-tenant token bucket for the HTTP API, so one tenant's scripts cannot
//! starve the others on a gateway instance. Each instance limits on its own:
//! behind a load balancer a tenant gets the rate once per instance, which is
//! what a guard against runaway clients needs (it is not a billing quota).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Refill rate and burst of every tenant's bucket.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

impl Rate {
    /// 50 requests a second, bursts of 100.
    pub const DEFAULT: Rate = Rate {
        per_second: 50.0,
        burst: 100.0,
    };
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// Refills for the time since the last call, then takes a token if any.
    fn take(&mut self, rate: Rate, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn is_full_at(&self, rate: Rate, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens + elapsed * rate.per_second >= rate.burst
    }
}

/// Buckets keyed by tenant id.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Above this many buckets, full (idle) ones are dropped: they hold nothing a
/// fresh bucket would not.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Mutex::default(),
        }
    }

    /// Whether `key` may make a request now.
    pub fn allow(&self, key: &str) -> bool {
        self.allow_at(key, Instant::now())
    }

    /// [`RateLimiter::allow`] at a given instant (tests pass the clock).
    pub fn allow_at(&self, key: &str, now: Instant) -> bool {
        let rate = self.rate;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, bucket| !bucket.is_full_at(rate, now));
        }
        buckets
            .entry(key.to_owned())
            .or_insert(Bucket {
                tokens: rate.burst,
                updated: now,
            })
            .take(rate, now)
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(Rate::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const RATE: Rate = Rate {
        per_second: 10.0,
        burst: 3.0,
    };

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::new(RATE);
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at("a", t0)));
        assert!(!limiter.allow_at("a", t0));
        assert!(limiter.allow_at("a", t0 + Duration::from_millis(100)));
        assert!(!limiter.allow_at("a", t0 + Duration::from_millis(100)));
    }

    #[test]
    fn tenants_have_separate_buckets() {
        let limiter = RateLimiter::new(RATE);
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at("a", t0)));
        assert!(!limiter.allow_at("a", t0));
        assert!(limiter.allow_at("b", t0));
    }

    #[test]
    fn a_long_pause_refills_only_up_to_the_burst() {
        let limiter = RateLimiter::new(RATE);
        let t0 = Instant::now();
        assert!(limiter.allow_at("a", t0));
        let later = t0 + Duration::from_secs(60);
        assert!((0..3).all(|_| limiter.allow_at("a", later)));
        assert!(!limiter.allow_at("a", later));
    }
}
