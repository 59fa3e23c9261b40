//! Outgoing webhooks as receivers see them (CONTRACT §2, "Webhooks"): the
//! event type names, the secret format, the headers, and which target
//! addresses are refused. The gateway checks subscriptions with these and
//! the webhook service delivers with them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Every event type a subscription may name, in the documented order.
pub const EVENT_TYPES: &[&str] = &[
    "conversation.started",
    "conversation.state_changed",
    "message.created",
    "handoff.requested",
    "offer.outcome",
    "work_item.created",
    "work_item.updated",
];

/// What precedes the base64 key in a secret as it is shown and accepted.
pub const SECRET_PREFIX: &str = "whsec_";
/// The key length of a generated secret (Standard Webhooks suggests 24 to 64).
pub const GENERATED_SECRET_BYTES: usize = 32;
/// The shortest and longest key a given secret may carry.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// Delivery statuses in the delivery log.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const DELIVERED: &str = "delivered";
    /// The last attempt failed; it is tried again.
    pub const FAILED: &str = "failed";
}

/// The associated data a subscription's secret is sealed with: a sealed
/// secret opens only in the record it was sealed for.
pub fn secret_context(subscription: &str) -> String {
    format!("switchboard.v1.Webhook/{subscription}/secret")
}

/// Why a secret was refused. Never repeats the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("must start with `whsec_` followed by base64")]
    Prefix,
    #[error("is not base64 after `whsec_`")]
    NotBase64,
    #[error("holds {0} bytes after `whsec_`; use 24 to 64")]
    Length(usize),
}

/// The key bytes of a `whsec_…` secret.
pub fn parse_secret(text: &str) -> Result<Vec<u8>, SecretError> {
    let encoded = text
        .strip_prefix(SECRET_PREFIX)
        .ok_or(SecretError::Prefix)?;
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| SecretError::NotBase64)?;
    if !SECRET_BYTES.contains(&key.len()) {
        return Err(SecretError::Length(key.len()));
    }
    Ok(key)
}

/// The secret as shown: `whsec_` + base64 of the key.
pub fn format_secret(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// Why a target address is refused unless private targets are allowed;
/// `None` for a public address.
pub fn forbidden_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => forbidden_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(ip),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        // 10/8, 172.16/12, 192.168/16, and the carrier-grade NAT 100.64/10.
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("multicast or reserved")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if first & 0xfe00 == 0xfc00 {
        Some("unique-local")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast or reserved")
    } else if let Some(v4) = ip.to_ipv4() {
        // IPv4-compatible (::a.b.c.d) addresses reach the IPv4 host.
        forbidden_v4(v4)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Option<&'static str> {
        forbidden_address(text.parse().unwrap())
    }

    #[test]
    fn loopback_private_link_local_unique_local_unspecified_and_multicast_are_refused() {
        for (address, why) in [
            ("127.0.0.1", "loopback"),
            ("127.9.9.9", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "private"),
            ("::ffff:10.0.0.1", "private"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("0.0.0.0", "unspecified"),
            ("::", "unspecified"),
            ("224.0.0.1", "multicast or reserved"),
            ("ff02::1", "multicast or reserved"),
            ("255.255.255.255", "multicast or reserved"),
        ] {
            assert_eq!(refused(address), Some(why), "{address}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "8.8.8.8",
            "2606:4700::1111",
        ] {
            assert_eq!(refused(address), None, "{address}");
        }
    }

    #[test]
    fn a_secret_round_trips_and_a_bad_one_names_the_problem() {
        let key = [7u8; 32];
        let shown = format_secret(&key);
        assert!(shown.starts_with("whsec_"));
        assert_eq!(parse_secret(&shown).unwrap(), key);
        assert_eq!(parse_secret("abc"), Err(SecretError::Prefix));
        assert_eq!(parse_secret("whsec_!!"), Err(SecretError::NotBase64));
        assert_eq!(parse_secret("whsec_c2hvcnQ="), Err(SecretError::Length(5)));
    }
}
