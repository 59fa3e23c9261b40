//! JetStream names: streams, durable consumers and key-value buckets, and the
//! key layout of the timers bucket. The settings themselves live in
//! `switchboard-bus`, next to the code that creates them.

/// Conversation commands, consumed by the transcript service.
pub const COMMANDS: &str = "SB_COMMANDS";
/// Committed conversation events, consumed by every interested service.
pub const EVENTS: &str = "SB_EVENTS";
/// The AI platform contract subjects (`switchboard.ai.>`).
pub const AI: &str = "SB_AI";
/// Routing inputs, one subject per tenant (`sb.route.{tenant}`).
pub const ROUTING: &str = "SB_ROUTING";
/// Routing decisions, kept for people to read
/// (`sb.decision.{tenant}.{conversation}`).
pub const AUDIT: &str = "SB_AUDIT";
/// The router's per-tenant state from before its log: read once per tenant
/// when its log is empty, then left holding a copy older routers refuse.
pub const ROUTER_STATE_BUCKET: &str = "SB_ROUTER_STATE";
/// The router's per-tenant log (`sb.routerlog.{tenant}`): a snapshot of the
/// tenant's routing state, then each step decided since, appended with the
/// expected last subject sequence; a newer snapshot rolls up the older ones.
pub const ROUTER_LOG: &str = "SB_ROUTER_LOG";
/// Configuration records (tenants, AI agents, experiences, widgets, ...).
pub const CONFIG_BUCKET: &str = "SB_CONFIG";
/// Pending durable timers (`Timer` records), keyed by [`timer_keys::key`].
pub const TIMERS_BUCKET: &str = "SB_TIMERS";
/// The timer service's partition leases and instance heartbeats.
pub const TIMER_LEASES_BUCKET: &str = "SB_TIMER_LEASES";
/// Agents' console presence (`AgentPresence` records), keyed by
/// [`presence_key`]: written by the gateways, read by the router.
pub const PRESENCE_BUCKET: &str = "SB_PRESENCE";
/// Work-item changes (`sb.workitem.{tenant}.{conversation}`), published by
/// the work-item service.
pub const WORK_ITEMS: &str = "SB_WORK_ITEMS";
/// Messages a consumer gave up on (`sb.parked.{stream}.{consumer}`), kept
/// with their reason for an operator to inspect.
pub const PARKED: &str = "SB_PARKED";

/// The [`PRESENCE_BUCKET`] key of an agent: `{tenant}.{agent}`.
pub fn presence_key(tenant: crate::ids::TenantId, agent: crate::ids::AgentId) -> String {
    format!("{tenant}.{agent}")
}

/// Durable consumer names.
pub mod consumers {
    pub const TRANSCRIPT_COMMANDS: &str = "transcript-commands";
    /// The AI bridge's consumer of customer messages in state `ai` (events
    /// of kind `turn`).
    pub const AI_BRIDGE_TURNS: &str = "ai-bridge-turns";
    /// Retired: the AI bridge's consumer before turns had a kind of their
    /// own (every `message` event). Older AI bridges still create it during
    /// a rolling upgrade; docs/operations.md says when to remove it.
    pub const AI_BRIDGE_EVENTS: &str = "ai-bridge-events";
    pub const AI_BRIDGE_REPLIES: &str = "ai-bridge-replies";
    pub const AI_BRIDGE_HANDOFFS: &str = "ai-bridge-handoffs";
    pub const ROUTER_INPUTS: &str = "router-inputs";
    pub const ROUTER_EVENTS: &str = "router-events";
    pub const WORK_ITEM_EVENTS: &str = "work-item-events";
    pub const WEBHOOK_EVENTS: &str = "webhook-events";
    pub const WEBHOOK_WORK_ITEMS: &str = "webhook-work-items";
}

/// Queue groups for core request/reply.
pub mod queues {
    pub const TRANSCRIPT_RPC: &str = "transcript";
    pub const ROUTER_RPC: &str = "router";
    pub const WORKITEM_RPC: &str = "work-item";
    pub const WEBHOOK_RPC: &str = "webhook";
}

/// Keys of the [`TIMERS_BUCKET`], written out so any language can compute
/// them: a timer `id` lives under `p{NN}.{id}`, where `NN` is
/// [`partition`]`(id)` with two digits. The partition count is part of the
/// contract (every writer must agree on it), hence a constant, not a setting.
pub mod timer_keys {
    /// How many partitions the timers are spread over; each is owned by one
    /// timer service instance at a time, so this caps the useful instances.
    pub const PARTITIONS: u16 = 16;
    /// The longest timer id.
    pub const MAX_ID_LEN: usize = 200;

    /// FNV-1a, 32-bit, over the id's UTF-8 bytes.
    pub fn fnv1a32(bytes: &[u8]) -> u32 {
        let mut hash: u32 = 0x811c_9dc5;
        for &byte in bytes {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        hash
    }

    /// The partition of a timer id: `fnv1a32(id) % PARTITIONS`.
    pub fn partition(id: &str) -> u16 {
        (fnv1a32(id.as_bytes()) % u32::from(PARTITIONS)) as u16
    }

    /// The bucket key of a timer id.
    pub fn key(id: &str) -> String {
        format!("p{:02}.{id}", partition(id))
    }

    /// The key filter that covers one partition, for a watch.
    pub fn partition_filter(partition: u16) -> String {
        format!("p{partition:02}.>")
    }

    /// The partition and id of a bucket key, when it is one of ours.
    pub fn parse_key(key: &str) -> Option<(u16, &str)> {
        let (prefix, id) = key.split_once('.')?;
        let digits = prefix.strip_prefix('p').filter(|d| d.len() == 2)?;
        let partition: u16 = digits.parse().ok()?;
        (partition < PARTITIONS && !id.is_empty()).then_some((partition, id))
    }

    /// Whether `id` is usable as a timer id: 1 to [`MAX_ID_LEN`] characters of
    /// `[A-Za-z0-9_=/.-]`, no leading or trailing `.` and no `..` (the key is
    /// also a NATS subject, whose `.`-separated tokens must not be empty).
    pub fn is_valid_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && !id.starts_with('.')
            && !id.ends_with('.')
            && !id.contains("..")
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'=' | b'/' | b'.' | b'-'))
    }

    /// Lease bucket key of a partition.
    pub fn lease_key(partition: u16) -> String {
        format!("partition.{partition}")
    }

    /// Lease bucket key of an instance's heartbeat.
    pub fn instance_key(instance: &str) -> String {
        format!("instance.{instance}")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_hash_matches_the_published_fnv1a_vectors() {
            assert_eq!(fnv1a32(b""), 0x811c_9dc5);
            assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
            assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
        }

        #[test]
        fn keys_carry_a_two_digit_partition_that_parses_back() {
            let id = "inactivity.0190a0b0-0000-7000-8000-000000000002";
            let key = key(id);
            assert_eq!(key, format!("p{:02}.{id}", fnv1a32(id.as_bytes()) % 16));
            assert_eq!(parse_key(&key), Some((partition(id), id)));
            assert_eq!(parse_key("partition.3"), None);
            assert_eq!(parse_key("p16.x"), None);
        }

        #[test]
        fn ids_that_would_break_a_key_or_subject_are_refused() {
            assert!(is_valid_id("offer.abc-DEF_1=/x"));
            for bad in ["", ".a", "a.", "a..b", "a b", "a*", "a>", "ä"] {
                assert!(!is_valid_id(bad), "{bad:?}");
            }
            assert!(is_valid_id(&"x".repeat(MAX_ID_LEN)));
            assert!(!is_valid_id(&"x".repeat(MAX_ID_LEN + 1)));
        }
    }
}
