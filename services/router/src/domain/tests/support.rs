//! Fixtures for the unit tests: readable ids, a tenant whose every step is
//! also checked against the invariants, and effect filters.

use std::fmt::Debug;
use std::str::FromStr;

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId};

use crate::domain::invariants::{check_state, check_step};
use crate::domain::{Config, Effect, Input, Limit, OfferId, State, Status, decide};

pub const OFFER_TIMEOUT: u64 = 120_000;
pub const ACCEPT_WINDOW: u64 = 1_200_000;

/// The id whose UUID is the number `n`, so ids sort like their numbers.
pub fn id<T: FromStr<Err: Debug>>(n: u128) -> T {
    format!("{:08x}-0000-0000-0000-{:012x}", 0, n)
        .parse()
        .unwrap()
}

pub fn agent(n: u128) -> AgentId {
    id(n)
}

pub fn space(n: u128) -> SpaceId {
    id(n)
}

pub fn conversation(n: u128) -> ConversationId {
    id(n)
}

/// One tenant's state and a clock; every `apply` is checked against every invariant.
pub struct Tenant {
    pub state: State,
    pub now: u64,
}

impl Tenant {
    pub fn new() -> Self {
        Tenant {
            state: State::new(Config {
                offer_timeout_ms: OFFER_TIMEOUT,
                accept_window_ms: ACCEPT_WINDOW,
            }),
            now: 1_000_000,
        }
    }

    /// Agents `1..=count`, members of `spaces`, available in all of them.
    pub fn with_available_agents(count: u128, spaces: &[u128]) -> Self {
        let mut tenant = Tenant::new();
        for n in 1..=count {
            tenant.join(n, spaces);
            tenant.set(n, None, Status::Available);
        }
        tenant
    }

    pub fn apply(&mut self, input: Input) -> Vec<Effect> {
        let before = self.state.clone();
        let effects = decide(&mut self.state, input.clone(), self.now);
        if let Err(violation) = check_state(&self.state)
            .and_then(|()| check_step(&before, &input, &self.state, &effects))
        {
            panic!("{violation} after {input:?} -> {effects:#?}");
        }
        effects
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    pub fn join(&mut self, n: u128, spaces: &[u128]) -> Vec<Effect> {
        self.apply(Input::AgentUpserted {
            agent: agent(n),
            spaces: spaces.iter().map(|s| space(*s)).collect(),
        })
    }

    pub fn set(&mut self, n: u128, in_space: Option<u128>, status: Status) -> Vec<Effect> {
        self.apply(Input::SetStatus {
            agent: agent(n),
            space: in_space.map(space),
            status,
        })
    }

    pub fn limit(&mut self, limit: u32) -> Vec<Effect> {
        self.apply(Input::LimitChanged {
            limit: Limit::new(limit).unwrap(),
        })
    }

    pub fn handoff(&mut self, c: u128, to: u128) -> Vec<Effect> {
        self.apply(Input::Handoff {
            conversation: conversation(c),
            space: space(to),
        })
    }

    pub fn accept(&mut self, offer: OfferId, n: u128) -> Vec<Effect> {
        self.apply(Input::Accept {
            offer,
            agent: agent(n),
        })
    }

    pub fn decline(&mut self, offer: OfferId, n: u128) -> Vec<Effect> {
        self.apply(Input::Decline {
            offer,
            agent: agent(n),
        })
    }

    pub fn expire(&mut self, offer: OfferId) -> Vec<Effect> {
        self.apply(Input::OfferExpired { offer })
    }

    pub fn disconnect(&mut self, n: u128) -> Vec<Effect> {
        self.apply(Input::AgentDisconnected { agent: agent(n) })
    }

    pub fn end(&mut self, c: u128) -> Vec<Effect> {
        self.apply(Input::ConversationEnded {
            conversation: conversation(c),
        })
    }

    /// Hands `c` off and accepts its offer with whoever got it; returns that agent.
    pub fn assign(&mut self, c: u128, to: u128) -> AgentId {
        let effects = self.handoff(c, to);
        let (offer, who) = only_offer(&effects);
        let n = (1..100).find(|n| agent(*n) == who).unwrap();
        self.accept(offer, n);
        who
    }

    pub fn load(&self, n: u128) -> u32 {
        self.state.agent(agent(n)).map_or(0, |a| a.load())
    }
}

/// The offers made, as (conversation, agent) pairs, in order.
pub fn offers(effects: &[Effect]) -> Vec<(ConversationId, AgentId)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Offer {
                conversation,
                agent,
                ..
            } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}

/// The one offer made, with its agent; panics unless there is exactly one.
pub fn only_offer(effects: &[Effect]) -> (OfferId, AgentId) {
    let found: Vec<(OfferId, AgentId)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Offer { offer, agent, .. } => Some((*offer, *agent)),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "expected one offer in {effects:#?}");
    found[0]
}
