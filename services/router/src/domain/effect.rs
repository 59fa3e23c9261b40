//! What the router decided: the shell performs these (frames to agents and
//! customers, commands to the transcript, timers) in the order given.

use serde::{Deserialize, Serialize};
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::types::{OfferId, Status};

/// One consequence of an input, returned by [`super::decide()`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// The conversation joined `space`'s queue; schedule its accept window to
    /// fire [`super::Input::AcceptWindowExpired`] at `accept_until`.
    Queued {
        conversation: ConversationId,
        space: SpaceId,
        accept_until: u64,
    },
    /// Show the fallback message; the conversation is no longer routed.
    Fallback {
        conversation: ConversationId,
        space: SpaceId,
        reason: FallbackReason,
    },
    /// Offer the conversation to the agent; schedule
    /// [`super::Input::OfferExpired`] at `expires_at`.
    Offer {
        offer: OfferId,
        conversation: ConversationId,
        agent: AgentId,
        space: SpaceId,
        expires_at: u64,
    },
    /// The offer is gone (tell the agent `offer_withdrawn`; cancel its timer).
    Withdraw {
        offer: OfferId,
        agent: AgentId,
        reason: WithdrawReason,
    },
    /// The accept won: the conversation is live with the agent (cancel the
    /// offer and accept-window timers).
    Assigned {
        offer: OfferId,
        conversation: ConversationId,
        agent: AgentId,
        space: SpaceId,
    },
    /// The accept lost; nothing changed.
    AcceptRefused {
        offer: OfferId,
        agent: AgentId,
        reason: RefuseReason,
    },
    /// The agent's availability in `space` changed.
    StatusChanged {
        agent: AgentId,
        space: SpaceId,
        status: Status,
        reason: StatusReason,
    },
    /// New 1-based queue positions in `space`: every queued conversation from
    /// the first one whose position changed to the back of the queue.
    QueuePositions {
        space: SpaceId,
        positions: Vec<(ConversationId, u32)>,
    },
    /// The record of one routing decision: who got the offer (`None`: nobody
    /// eligible, the conversation waits) and who was passed over, and why.
    /// `skipped` names the first [`SKIPPED_LISTED`] of them and
    /// `skipped_total` counts them all, so that in a big busy space (where
    /// every agent ahead in the rotation is at the limit) a decision stays
    /// small.
    Decision {
        conversation: ConversationId,
        space: SpaceId,
        chosen: Option<AgentId>,
        skipped: Vec<(AgentId, SkipReason)>,
        skipped_total: u32,
    },
}

/// How many skipped agents a [`Effect::Decision`] names.
pub const SKIPPED_LISTED: usize = 16;

/// Why a conversation got the fallback message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackReason {
    /// At handoff: nobody in the space was available, or its live chat was off.
    NoAgentsAvailable,
    /// Nobody accepted within the accept window.
    AcceptTimeout,
}

/// Why an offer was taken back from an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawReason {
    /// The agent let it time out; it moves on to the next agent.
    OfferTimeout,
    /// The conversation's accept window ran out.
    AcceptTimeout,
    /// The conversation ended while queued.
    ConversationEnded,
    /// The agent left the space (or was removed); it moves on to the next agent.
    AgentLeftSpace,
    /// No console of the agent was connected for the presence grace; it
    /// moves on to the next agent.
    Disconnected,
}

/// Why an accept lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefuseReason {
    /// The offer is not (or no longer) this agent's outstanding offer.
    NoLongerAvailable,
}

/// Who changed an agent's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// The agent asked for it.
    Requested,
    /// The router set the agent unavailable after an unanswered offer.
    OfferTimeout,
    /// The router set the agent unavailable everywhere: no console of it
    /// was connected for the presence grace.
    Disconnected,
}

/// Why an agent of the space did not get the offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Not available in the space (listed only when nobody was chosen).
    Unavailable,
    /// Pending offers plus live conversations at the limit.
    AtLimit,
    /// Declined this conversation earlier.
    Declined,
    /// Let an offer of this conversation time out earlier.
    TimedOut,
}
