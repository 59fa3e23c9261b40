//! One tenant's routing state: agents, spaces with their queues, and the
//! conversations the router is holding (queued or live).
//!
//! Besides the records, each space keeps indexes so a routing step does not
//! scan every agent: `available` (members available there, in rotation order)
//! and `ready` (those of them below the limit), and `waiting` (queued
//! conversations with no outstanding offer, oldest first). An agent's entries
//! are a pure function of its record and the limit, so every change to an agent
//! goes through `State::update_agent`, which drops the agent's entries,
//! applies the change and files them again.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::effect::StatusReason;
use super::types::{Config, Limit, OfferId, Status};

/// A tenant's routing state. The service keeps one per tenant and feeds it
/// inputs one at a time (one writer per tenant), which is what makes the limit
/// and single assignment true by construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub(crate) config: Config,
    pub(crate) limit: Limit,
    pub(crate) agents: BTreeMap<AgentId, Agent>,
    pub(crate) spaces: BTreeMap<SpaceId, Space>,
    pub(crate) conversations: BTreeMap<ConversationId, Conversation>,
    /// Numbers offers and stamps the rotation: a counter, not the clock,
    /// because one input often makes several offers at the same millisecond.
    pub(crate) offers_made: u64,
    /// Arrival counter that orders the queues (see [`Conversation::arrival`]).
    pub(crate) arrivals: u64,
}

/// An agent as the router sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub(crate) spaces: BTreeMap<SpaceId, Status>,
    /// Conversations with an outstanding offer to this agent.
    pub(crate) offered: BTreeSet<ConversationId>,
    pub(crate) live: BTreeSet<ConversationId>,
    /// Number of the last offer made to the agent; `None` (never) sorts first.
    pub(crate) last_offered: Option<u64>,
    /// Deleted, but kept until its live conversations end so its load stays counted.
    pub(crate) removed: bool,
    /// Spaces where the router set the agent unavailable (an offer timeout,
    /// a disconnect) and why, for as long as that holds: the agent's next
    /// status in the space, or leaving it, forgets the reason. This is how a
    /// console that was away when it happened still learns why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) reasons: BTreeMap<SpaceId, StatusReason>,
}

/// An agent's place in a space's rotation: least recently offered first, ties
/// (only among agents never offered anything) by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Turn {
    pub(crate) last_offered: Option<u64>,
    pub(crate) agent: AgentId,
}

/// A support team's space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    pub(crate) live_chat: bool,
    pub(crate) members: BTreeSet<AgentId>,
    pub(crate) available: BTreeSet<Turn>,
    pub(crate) ready: BTreeSet<Turn>,
    /// Every queued conversation, keyed by arrival.
    pub(crate) queue: BTreeMap<u64, ConversationId>,
    /// The queued conversations without an outstanding offer, keyed by arrival.
    pub(crate) waiting: BTreeMap<u64, ConversationId>,
}

impl Default for Space {
    /// A space the router hears of before its record: live chat is on by default.
    fn default() -> Self {
        Space {
            live_chat: true,
            members: BTreeSet::new(),
            available: BTreeSet::new(),
            ready: BTreeSet::new(),
            queue: BTreeMap::new(),
            waiting: BTreeMap::new(),
        }
    }
}

/// A conversation handed to a space, from handoff until it ends or falls back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub(crate) space: SpaceId,
    /// Order of arrival at this (single-writer) state: queue order. It equals
    /// `queued_at` order while the clock is monotonic and, unlike the clock, can
    /// never let a later conversation overtake an earlier one.
    pub(crate) arrival: u64,
    pub(crate) queued_at: u64,
    pub(crate) stage: Stage,
    /// Agents who declined this conversation or let its offer time out.
    pub(crate) passed: BTreeMap<AgentId, Pass>,
}

/// Where a held conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Queued { offer: Option<Outstanding> },
    Live { agent: AgentId },
}

/// The one outstanding offer of a queued conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outstanding {
    pub id: OfferId,
    pub agent: AgentId,
    pub expires_at: u64,
}

/// How an agent passed on a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pass {
    Declined,
    TimedOut,
}

impl State {
    pub fn new(config: Config) -> Self {
        State {
            config,
            limit: Limit::default(),
            agents: BTreeMap::new(),
            spaces: BTreeMap::new(),
            conversations: BTreeMap::new(),
            offers_made: 0,
            arrivals: 0,
        }
    }

    pub fn config(&self) -> Config {
        self.config
    }

    /// Replaces the timing configuration: a stored state is loaded under the
    /// process's current settings (SWITCHBOARD_OFFER_TIMEOUT and
    /// SWITCHBOARD_ACCEPT_WINDOW may change between restarts). Only effects
    /// made from now on use it.
    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    /// Every agent the router knows, by id (removed agents included while
    /// their live conversations last).
    pub fn agents(&self) -> impl Iterator<Item = (AgentId, &Agent)> + '_ {
        self.agents.iter().map(|(id, agent)| (*id, agent))
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    pub fn agent(&self, agent: AgentId) -> Option<&Agent> {
        self.agents.get(&agent)
    }

    pub fn space(&self, space: SpaceId) -> Option<&Space> {
        self.spaces.get(&space)
    }

    pub fn conversation(&self, conversation: ConversationId) -> Option<&Conversation> {
        self.conversations.get(&conversation)
    }

    /// Whether the agent is below the limit.
    pub(crate) fn has_room(&self, agent: &Agent) -> bool {
        agent.load() < self.limit.get()
    }

    /// Applies `change` to a known agent and re-files it in the space indexes.
    /// Spaces the agent names but the router has not heard of yet are created
    /// with their defaults. Returns `None` when the agent is unknown.
    pub(crate) fn update_agent<R>(
        &mut self,
        id: AgentId,
        change: impl FnOnce(&mut Agent) -> R,
    ) -> Option<R> {
        let agent = self.agents.get_mut(&id)?;
        unfile(&mut self.spaces, id, agent);
        let result = change(agent);
        file(&mut self.spaces, id, agent, self.limit);
        Some(result)
    }

    /// Adds an agent (who must be new) and files it.
    pub(crate) fn insert_agent(&mut self, id: AgentId, agent: Agent) {
        file(&mut self.spaces, id, &agent, self.limit);
        self.agents.insert(id, agent);
    }

    /// Removes an agent and its index entries.
    pub(crate) fn remove_agent(&mut self, id: AgentId) {
        if let Some(agent) = self.agents.remove(&id) {
            unfile(&mut self.spaces, id, &agent);
        }
    }

    /// Sets the limit and re-files every agent: O(agents × their spaces), for a
    /// rare admin change.
    pub(crate) fn set_limit(&mut self, limit: Limit) {
        for (id, agent) in &self.agents {
            unfile(&mut self.spaces, *id, agent);
        }
        self.limit = limit;
        for (id, agent) in &self.agents {
            file(&mut self.spaces, *id, agent, limit);
        }
    }
}

fn unfile(spaces: &mut BTreeMap<SpaceId, Space>, id: AgentId, agent: &Agent) {
    let turn = agent.turn(id);
    for space_id in agent.spaces.keys() {
        if let Some(space) = spaces.get_mut(space_id) {
            space.members.remove(&id);
            space.available.remove(&turn);
            space.ready.remove(&turn);
        }
    }
}

pub(super) fn file(
    spaces: &mut BTreeMap<SpaceId, Space>,
    id: AgentId,
    agent: &Agent,
    limit: Limit,
) {
    let turn = agent.turn(id);
    let has_room = agent.load() < limit.get();
    for (space_id, status) in &agent.spaces {
        let space = spaces.entry(*space_id).or_default();
        space.members.insert(id);
        if *status == Status::Available {
            space.available.insert(turn);
            if has_room {
                space.ready.insert(turn);
            }
        }
    }
}

impl Agent {
    /// Pending offers plus live conversations, across all spaces.
    pub fn load(&self) -> u32 {
        u32::try_from(self.offered.len() + self.live.len()).unwrap_or(u32::MAX)
    }

    /// The agent's availability per space it belongs to.
    pub fn spaces(&self) -> &BTreeMap<SpaceId, Status> {
        &self.spaces
    }

    pub fn status_in(&self, space: SpaceId) -> Option<Status> {
        self.spaces.get(&space).copied()
    }

    /// Why the agent is unavailable in `space`, when the router set it so
    /// and the agent has not changed it since.
    pub fn reason_in(&self, space: SpaceId) -> Option<StatusReason> {
        self.reasons.get(&space).copied()
    }

    pub fn live(&self) -> &BTreeSet<ConversationId> {
        &self.live
    }

    pub fn offered(&self) -> &BTreeSet<ConversationId> {
        &self.offered
    }

    pub fn last_offered(&self) -> Option<u64> {
        self.last_offered
    }

    pub(crate) fn turn(&self, agent: AgentId) -> Turn {
        Turn {
            last_offered: self.last_offered,
            agent,
        }
    }

    /// Spaces where the agent is available: where capacity it frees can be used.
    pub(crate) fn available_spaces(&self) -> impl Iterator<Item = SpaceId> + '_ {
        self.spaces
            .iter()
            .filter(|(_, status)| **status == Status::Available)
            .map(|(space, _)| *space)
    }
}

impl Space {
    pub fn live_chat(&self) -> bool {
        self.live_chat
    }

    /// The agents who work here (available or not).
    pub fn members(&self) -> &BTreeSet<AgentId> {
        &self.members
    }

    /// Queued conversations, oldest first; a conversation's position is its index + 1.
    pub fn queue(&self) -> impl Iterator<Item = ConversationId> + '_ {
        self.queue.values().copied()
    }
}

impl Conversation {
    pub fn space(&self) -> SpaceId {
        self.space
    }

    pub fn queued_at(&self) -> u64 {
        self.queued_at
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    pub fn passed(&self) -> &BTreeMap<AgentId, Pass> {
        &self.passed
    }

    /// The outstanding offer, if the conversation is queued and has one.
    pub fn offer(&self) -> Option<Outstanding> {
        match self.stage {
            Stage::Queued { offer } => offer,
            Stage::Live { .. } => None,
        }
    }
}
