//! When an open loop sends: the intended send instants of a run at a fixed
//! offered rate, evenly spaced or as a Poisson process (exponential gaps from
//! a seeded generator, so a run can be repeated exactly).
//!
//! Latency in an open loop is measured from these intended instants, not
//! from when the send actually happened: a stalled system then shows its
//! stall in every message that should have gone out meanwhile, instead of
//! hiding it (coordinated omission).

use std::time::Duration;

/// How gaps between arrivals are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrivals {
    /// Exactly 1/rate apart.
    Even,
    /// Exponentially distributed gaps with mean 1/rate.
    Poisson { seed: u64 },
}

impl std::str::FromStr for Arrivals {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "even" => Ok(Self::Even),
            "poisson" => Ok(Self::Poisson { seed: 1 }),
            other => Err(format!("arrivals `{other}`: expected `even` or `poisson`")),
        }
    }
}

impl Arrivals {
    pub fn name(self) -> &'static str {
        match self {
            Self::Even => "even",
            Self::Poisson { .. } => "poisson",
        }
    }
}

/// The offsets from the run's start at which to send, for `rate` per second
/// over `duration`; every offset is below `duration`.
pub fn schedule(rate: f64, duration: Duration, arrivals: Arrivals) -> Vec<Duration> {
    if !(rate.is_finite() && rate > 0.0) {
        return Vec::new();
    }
    let end = duration.as_secs_f64();
    let mut offsets = Vec::with_capacity((rate * end) as usize + 1);
    match arrivals {
        Arrivals::Even => {
            let count = (rate * end).ceil() as u64;
            offsets.extend(
                (0..count)
                    .map(|n| n as f64 / rate)
                    .filter(|&at| at < end)
                    .map(Duration::from_secs_f64),
            );
        }
        Arrivals::Poisson { seed } => {
            let mut random = SplitMix64(seed);
            let mut at = 0.0;
            loop {
                // 1 - u is in (0, 1]: its logarithm is finite.
                at += -(1.0 - random.unit()).ln() / rate;
                if at >= end {
                    break;
                }
                offsets.push(Duration::from_secs_f64(at));
            }
        }
    }
    offsets
}

/// A small, well-known generator (Steele, Lea and Flood's SplitMix64): enough
/// for arrival gaps, and no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_arrivals_are_one_over_the_rate_apart_and_end_before_the_duration() {
        let offsets = schedule(4.0, Duration::from_secs(2), Arrivals::Even);
        let ms: Vec<u128> = offsets.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    }

    #[test]
    fn poisson_arrivals_average_the_rate_and_increase() {
        let offsets = schedule(
            1000.0,
            Duration::from_secs(20),
            Arrivals::Poisson { seed: 7 },
        );
        // 20,000 expected; the standard deviation is about 141.
        assert!(
            (19_400..=20_600).contains(&offsets.len()),
            "{}",
            offsets.len()
        );
        assert!(offsets.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(offsets.last().unwrap() < &Duration::from_secs(20));
        // Exponential gaps: about 1 - 1/e of them are shorter than the mean.
        let short = offsets
            .windows(2)
            .filter(|pair| pair[1] - pair[0] < Duration::from_millis(1))
            .count() as f64
            / offsets.len() as f64;
        assert!((0.60..0.66).contains(&short), "{short}");
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let one = schedule(50.0, Duration::from_secs(3), Arrivals::Poisson { seed: 3 });
        let two = schedule(50.0, Duration::from_secs(3), Arrivals::Poisson { seed: 3 });
        let other = schedule(50.0, Duration::from_secs(3), Arrivals::Poisson { seed: 4 });
        assert_eq!(one, two);
        assert_ne!(one, other);
    }

    #[test]
    fn a_rate_that_is_not_positive_sends_nothing() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(schedule(rate, Duration::from_secs(1), Arrivals::Even).is_empty());
        }
    }

    #[test]
    fn arrivals_parse_from_their_names() {
        assert_eq!("even".parse::<Arrivals>(), Ok(Arrivals::Even));
        assert!(matches!("poisson".parse(), Ok(Arrivals::Poisson { .. })));
        assert!("bursty".parse::<Arrivals>().unwrap_err().contains("bursty"));
    }
}
