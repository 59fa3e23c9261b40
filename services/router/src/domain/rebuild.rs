//! A [`State`] rebuilt from its records alone: what a stored snapshot keeps
//! (agents' statuses and rotation, spaces' switches, held conversations)
//! without the indexes, which are derived here the same way the core
//! maintains them (an agent's offers and live conversations from the
//! conversations' stages, each space's rotation and queues from those).

use std::collections::BTreeMap;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use super::state::{Agent, Conversation, Space, Stage, State, file};
use super::types::{Config, Limit};

/// The records of one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRecords {
    pub spaces: BTreeMap<SpaceId, super::Status>,
    pub reasons: BTreeMap<SpaceId, super::StatusReason>,
    pub last_offered: Option<u64>,
    pub removed: bool,
}

/// Every record of a tenant's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    pub limit: Limit,
    pub agents: BTreeMap<AgentId, AgentRecords>,
    /// Live chat on or off, per space.
    pub spaces: BTreeMap<SpaceId, bool>,
    pub conversations: BTreeMap<ConversationId, Conversation>,
    pub offers_made: u64,
    pub arrivals: u64,
}

/// The records contradict each other: a conversation held by an agent the
/// state does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conversation {conversation} names agent {agent}, which the state does not hold")]
pub struct UnknownAgent {
    pub conversation: ConversationId,
    pub agent: AgentId,
}

impl State {
    /// The records, for storing.
    pub fn records(&self) -> Records {
        Records {
            limit: self.limit,
            agents: self
                .agents
                .iter()
                .map(|(id, a)| {
                    let records = AgentRecords {
                        spaces: a.spaces.clone(),
                        reasons: a.reasons.clone(),
                        last_offered: a.last_offered,
                        removed: a.removed,
                    };
                    (*id, records)
                })
                .collect(),
            spaces: self
                .spaces
                .iter()
                .map(|(id, s)| (*id, s.live_chat))
                .collect(),
            conversations: self.conversations.clone(),
            offers_made: self.offers_made,
            arrivals: self.arrivals,
        }
    }

    /// The state the records describe, its indexes rebuilt.
    pub fn from_records(config: Config, records: Records) -> Result<Self, UnknownAgent> {
        let mut agents: BTreeMap<AgentId, Agent> = records
            .agents
            .into_iter()
            .map(|(id, r)| {
                let agent = Agent {
                    spaces: r.spaces,
                    reasons: r.reasons,
                    last_offered: r.last_offered,
                    removed: r.removed,
                    ..Agent::default()
                };
                (id, agent)
            })
            .collect();
        let mut spaces: BTreeMap<SpaceId, Space> = records
            .spaces
            .into_iter()
            .map(|(id, live_chat)| {
                let space = Space {
                    live_chat,
                    ..Space::default()
                };
                (id, space)
            })
            .collect();
        for (id, conversation) in &records.conversations {
            let holder = match conversation.stage {
                Stage::Queued { offer } => {
                    let space = spaces.entry(conversation.space).or_default();
                    space.queue.insert(conversation.arrival, *id);
                    if offer.is_none() {
                        space.waiting.insert(conversation.arrival, *id);
                    }
                    offer.map(|o| (o.agent, false))
                }
                Stage::Live { agent } => Some((agent, true)),
            };
            if let Some((agent, live)) = holder {
                let unknown = UnknownAgent {
                    conversation: *id,
                    agent,
                };
                let holder = agents.get_mut(&agent).ok_or(unknown)?;
                if live {
                    holder.live.insert(*id);
                } else {
                    holder.offered.insert(*id);
                }
            }
        }
        for (id, agent) in &agents {
            file(&mut spaces, *id, agent, records.limit);
        }
        Ok(State {
            config,
            limit: records.limit,
            agents,
            spaces,
            conversations: records.conversations,
            offers_made: records.offers_made,
            arrivals: records.arrivals,
        })
    }
}
