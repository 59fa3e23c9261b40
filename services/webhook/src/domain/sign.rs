//! Signing a delivery the Standard Webhooks way: `webhook-signature` is
//! `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where the
//! key is the secret's bytes after `whsec_`. The `webhook-id` is derived
//! from the source event and the subscription, so every attempt of one
//! delivery (after a retry, a restart, or a second instance) carries the
//! same id and a receiver can drop what it already has.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The `webhook-signature` header value of one attempt.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-id` of one event (its source's stable id and its type) for
/// one subscription: `msg_` + 32 hex characters.
pub fn webhook_id(source_id: &str, event_type: &str, subscription: &str) -> String {
    let digest = Sha256::new()
        .chain_update(source_id.as_bytes())
        .chain_update([0])
        .chain_update(event_type.as_bytes())
        .chain_update([0])
        .chain_update(subscription.as_bytes())
        .finalize();
    format!("msg_{}", hex::encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_contracts::webhooks::parse_secret;

    /// A fixed vector: the key is the bytes of `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`;
    /// the expected value was computed apart from this code, with
    /// `openssl dgst -sha256 -mac HMAC -macopt hexkey:…` over the same text.
    #[test]
    fn the_signature_matches_a_fixed_vector() {
        let key = parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn the_id_is_stable_per_event_and_subscription_and_differs_otherwise() {
        let a = webhook_id("msg:1", "message.created", "s1");
        assert_eq!(a, webhook_id("msg:1", "message.created", "s1"));
        assert!(a.starts_with("msg_") && a.len() == 36, "{a}");
        assert_ne!(a, webhook_id("msg:1", "message.created", "s2"));
        assert_ne!(a, webhook_id("msg:2", "message.created", "s1"));
        assert_ne!(a, webhook_id("msg:1", "offer.outcome", "s1"));
    }
}
