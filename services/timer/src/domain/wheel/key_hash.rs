//! The hasher for the wheel's key → node map.
//!
//! Keys are dense handles the timer service assigns itself, never values an
//! outsider chooses, so the map does not need `SipHash`'s flooding
//! resistance. A single-multiply mixer roughly halved the map's insert +
//! remove time for a million sequential keys in a quick measurement, and
//! still spreads consecutive keys over both the bucket bits and hashbrown's
//! 7 tag bits.

use std::hash::{BuildHasher, Hasher};

#[derive(Clone, Copy, Default)]
pub(super) struct KeyHash;

impl BuildHasher for KeyHash {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

#[derive(Default)]
pub(super) struct KeyHasher(u64);

/// 2^64 / φ, the usual Fibonacci-hashing multiplier.
const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only reached if the key type stops being a u64; kept correct anyway.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(K);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the best-mixed bits at the top; fold them down
        // so the bucket index (low bits) sees them too.
        self.0 ^ (self.0 >> 32)
    }
}
