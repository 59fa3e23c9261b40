//! The random actions of the property tests and the inputs they stand for.

use proptest::prelude::*;
use switchboard_contracts::ids::AgentId;

use super::support::*;
use crate::domain::{Input, Limit, OfferId, Status};

pub(super) const AGENTS: u128 = 4;
pub(super) const SPACES: u128 = 3;
pub(super) const CONVERSATIONS: u128 = 10;

/// An input to make, with offers named by how recently they were made, so
/// that accepts, declines and expiries often hit a live offer and sometimes a
/// stale one.
#[derive(Debug, Clone)]
pub(super) enum Action {
    Join {
        agent: u128,
        spaces: u8,
    },
    Remove {
        agent: u128,
    },
    SetStatus {
        agent: u128,
        space: Option<u128>,
        available: bool,
    },
    LiveChat {
        space: u128,
        on: bool,
    },
    Limit {
        limit: u32,
    },
    Handoff {
        conversation: u128,
        space: u128,
    },
    Accept {
        recent: usize,
        by_offered: bool,
        agent: u128,
    },
    Decline {
        recent: usize,
        by_offered: bool,
        agent: u128,
    },
    Expire {
        recent: usize,
    },
    AcceptWindow {
        conversation: u128,
    },
    End {
        conversation: u128,
    },
    Disconnect {
        agent: u128,
    },
}

pub(super) fn action() -> impl Strategy<Value = Action> {
    let agent = 1..=AGENTS;
    let space = 1..=SPACES;
    let conversation = 1..=CONVERSATIONS;
    prop_oneof![
        1 => (agent.clone(), 0u8..8).prop_map(|(agent, spaces)| Action::Join { agent, spaces }),
        1 => agent.clone().prop_map(|agent| Action::Remove { agent }),
        4 => (agent.clone(), proptest::option::of(space.clone()), prop::bool::weighted(0.7))
            .prop_map(|(agent, space, available)| Action::SetStatus { agent, space, available }),
        1 => (space.clone(), prop::bool::weighted(0.8)).prop_map(|(space, on)| Action::LiveChat { space, on }),
        2 => (1u32..=4).prop_map(|limit| Action::Limit { limit }),
        6 => (conversation.clone(), space).prop_map(|(conversation, space)| Action::Handoff { conversation, space }),
        6 => (0usize..6, prop::bool::weighted(0.8), agent.clone())
            .prop_map(|(recent, by_offered, agent)| Action::Accept { recent, by_offered, agent }),
        3 => (0usize..6, prop::bool::weighted(0.8), agent)
            .prop_map(|(recent, by_offered, agent)| Action::Decline { recent, by_offered, agent }),
        3 => (0usize..6).prop_map(|recent| Action::Expire { recent }),
        1 => conversation.clone().prop_map(|conversation| Action::AcceptWindow { conversation }),
        3 => conversation.prop_map(|conversation| Action::End { conversation }),
        2 => (1..=AGENTS).prop_map(|agent| Action::Disconnect { agent }),
    ]
}

impl Action {
    /// The input this action stands for; `offer(recent)` names the
    /// `recent`-th latest offer made so far.
    pub(super) fn input(self, offer: impl Fn(usize) -> (OfferId, AgentId)) -> Input {
        let spaces = |mask: u8| {
            (1..=SPACES)
                .filter(|s| mask & (1 << (s - 1)) != 0)
                .map(space)
                .collect()
        };
        let by = |offered: AgentId, by_offered: bool, n: u128| {
            if by_offered { offered } else { agent(n) }
        };
        match self {
            Action::Join {
                agent: n,
                spaces: mask,
            } => Input::AgentUpserted {
                agent: agent(n),
                spaces: spaces(mask),
            },
            Action::Remove { agent: n } => Input::AgentRemoved { agent: agent(n) },
            Action::SetStatus {
                agent: n,
                space: s,
                available,
            } => Input::SetStatus {
                agent: agent(n),
                space: s.map(space),
                status: if available {
                    Status::Available
                } else {
                    Status::Unavailable
                },
            },
            Action::LiveChat { space: s, on } => Input::SpaceUpdated {
                space: space(s),
                live_chat: on,
            },
            Action::Limit { limit } => Input::LimitChanged {
                limit: Limit::new(limit).unwrap_or_default(),
            },
            Action::Handoff {
                conversation: c,
                space: s,
            } => Input::Handoff {
                conversation: conversation(c),
                space: space(s),
            },
            Action::Accept {
                recent,
                by_offered,
                agent: n,
            } => {
                let (offer, offered) = offer(recent);
                Input::Accept {
                    offer,
                    agent: by(offered, by_offered, n),
                }
            }
            Action::Decline {
                recent,
                by_offered,
                agent: n,
            } => {
                let (offer, offered) = offer(recent);
                Input::Decline {
                    offer,
                    agent: by(offered, by_offered, n),
                }
            }
            Action::Expire { recent } => Input::OfferExpired {
                offer: offer(recent).0,
            },
            Action::AcceptWindow { conversation: c } => Input::AcceptWindowExpired {
                conversation: conversation(c),
            },
            Action::End { conversation: c } => Input::ConversationEnded {
                conversation: conversation(c),
            },
            Action::Disconnect { agent: n } => Input::AgentDisconnected { agent: agent(n) },
        }
    }
}
