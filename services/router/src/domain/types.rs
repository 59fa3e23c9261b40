//! The router's small value types: offer ids, the conversation limit, an
//! agent's availability, and the timing configuration of a tenant's state.

use serde::{Deserialize, Serialize};

/// One offer of one conversation to one agent, rendered `{conversation}:{number}`
/// (the type lives in the contracts: the agent console sends it back through
/// the gateway, which checks its form).
///
/// `number` comes from the tenant state's offer counter, so ids are
/// deterministic (the same inputs from the same state give the same ids, which
/// makes a redelivered input idempotent downstream) and unique for as long as
/// the state lives: unlike a per-conversation attempt number, it cannot repeat
/// when a conversation falls back to the AI and is handed off again, so a late
/// accept of the earlier offer can never match a new one.
pub use switchboard_contracts::ids::{InvalidOfferId, OfferId};

/// The site's "Maximum conversations": how many pending offers plus live
/// conversations one agent may hold across all spaces. Always within 1–20.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Limit(u32);

/// The limit asked for was outside 1–20.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("maximum conversations must be between {min} and {max}, got {0}", min = Limit::MIN, max = Limit::MAX)]
pub struct InvalidLimit(pub u32);

impl Limit {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 20;
    pub const DEFAULT: Limit = Limit(3);

    pub fn new(limit: u32) -> Result<Self, InvalidLimit> {
        if (Self::MIN..=Self::MAX).contains(&limit) {
            Ok(Limit(limit))
        } else {
            Err(InvalidLimit(limit))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u32> for Limit {
    type Error = InvalidLimit;

    fn try_from(limit: u32) -> Result<Self, Self::Error> {
        Limit::new(limit)
    }
}

impl From<Limit> for u32 {
    fn from(limit: Limit) -> u32 {
        limit.0
    }
}

/// An agent's availability in one space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Available,
    Unavailable,
}

/// Durations the core stamps onto its effects, so the shell can schedule the
/// matching timers. Milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// How long an agent has to answer an offer (SWITCHBOARD_OFFER_TIMEOUT).
    pub offer_timeout_ms: u64,
    /// How long a queued conversation waits for an accept (SWITCHBOARD_ACCEPT_WINDOW).
    pub accept_window_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            offer_timeout_ms: 120_000,
            accept_window_ms: 20 * 60_000,
        }
    }
}
