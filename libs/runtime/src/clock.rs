//! The wall clock, read in one place. Every service stamps events, timers and
//! records in milliseconds since the Unix epoch; reading it the same way
//! everywhere keeps the rounding and the before-1970 fallback alike.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch by this machine's clock, as the signed
/// number the protobuf `*_ms` fields carry. A clock set before 1970 reads 0.
pub fn now_ms() -> i64 {
    i64::try_from(now_ms_unsigned()).unwrap_or(i64::MAX)
}

/// [`now_ms`] as an unsigned number, for the timer arithmetic that counts in
/// `u64`.
pub fn now_ms_unsigned() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Whole seconds since the Unix epoch (token expiries count in seconds).
pub fn now_secs() -> u64 {
    now_ms_unsigned() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_and_unsigned_readings_agree() {
        let signed = now_ms();
        let unsigned = now_ms_unsigned();
        assert!(signed > 1_600_000_000_000, "{signed}");
        assert!(unsigned.abs_diff(signed as u64) < 60_000);
        assert_eq!(now_secs() / 60, unsigned / 60_000);
    }
}
