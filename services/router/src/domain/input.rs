//! What the router reacts to: configuration changes, agents' actions, handoffs,
//! the timers the shell scheduled from earlier effects, and agents found gone.

use serde::{Deserialize, Serialize};
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::types::{Limit, OfferId, Status};

/// One thing that happened in a tenant, fed to [`super::decide()`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    /// An agent was created or its spaces changed. Spaces it joins start
    /// `unavailable`; offers in spaces it left are withdrawn and passed on.
    AgentUpserted {
        agent: AgentId,
        spaces: Vec<SpaceId>,
    },
    /// An agent was deleted: it leaves every space (offers withdrawn and passed
    /// on); its live conversations stay live until they end.
    AgentRemoved { agent: AgentId },
    /// The agent set its availability in one space, or in all its spaces (`None`).
    SetStatus {
        agent: AgentId,
        space: Option<SpaceId>,
        status: Status,
    },
    /// A space was created or its live chat switched. Turning live chat off
    /// refuses new handoffs; conversations already queued keep being served.
    SpaceUpdated { space: SpaceId, live_chat: bool },
    /// The site's maximum conversations changed.
    LimitChanged { limit: Limit },
    /// A conversation asks for a human in `space`. Ignored when the conversation
    /// is already queued or live (a redelivery).
    Handoff {
        conversation: ConversationId,
        space: SpaceId,
    },
    /// The agent accepts an offer.
    Accept { offer: OfferId, agent: AgentId },
    /// The agent declines an offer. Ignored unless it is the outstanding offer to that agent.
    Decline { offer: OfferId, agent: AgentId },
    /// An offer's timer fired. Ignored unless the offer is still outstanding.
    OfferExpired { offer: OfferId },
    /// A conversation's accept-window timer fired. Ignored unless still queued.
    AcceptWindowExpired { conversation: ConversationId },
    /// The conversation ended (customer, agent or inactivity), queued or live.
    ConversationEnded { conversation: ConversationId },
    /// No console of the agent has been connected for the presence grace
    /// (the shell's presence timer found it gone): it becomes unavailable in
    /// every space and its outstanding offers move on at once.
    AgentDisconnected { agent: AgentId },
}
