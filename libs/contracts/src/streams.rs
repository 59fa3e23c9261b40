//! JetStream names: streams, durable consumers and key-value buckets. The
//! settings themselves live in `switchboard-bus`, next to the code that
//! creates them.

/// Conversation commands, consumed by the transcript service.
pub const COMMANDS: &str = "SB_COMMANDS";
/// Committed conversation events, consumed by every interested service.
pub const EVENTS: &str = "SB_EVENTS";
/// The AI platform contract subjects (`switchboard.ai.>`).
pub const AI: &str = "SB_AI";
/// Configuration records (tenants, AI agents, experiences, widgets, ...).
pub const CONFIG_BUCKET: &str = "SB_CONFIG";

/// Durable consumer names.
pub mod consumers {
    pub const TRANSCRIPT_COMMANDS: &str = "transcript-commands";
    pub const AI_BRIDGE_EVENTS: &str = "ai-bridge-events";
    pub const AI_BRIDGE_REPLIES: &str = "ai-bridge-replies";
    pub const AI_BRIDGE_HANDOFFS: &str = "ai-bridge-handoffs";
}

/// Queue groups for core request/reply.
pub mod queues {
    pub const TRANSCRIPT_RPC: &str = "transcript";
}
