//! Configuration into state: the roster inputs that bring a tenant's routing
//! state in line with its configuration (agents and their spaces, live chat
//! per space, the site's limit). Applied before every input the tenant's
//! configuration changed since, so the core always decides with the current
//! roster.

use std::collections::BTreeSet;

use switchboard_contracts::ids::SpaceId;

use super::TenantConfig;
use crate::domain::{Input, Limit, State};

/// The inputs that make `state` match `config`; empty when it already does.
/// Spaces first (an agent's new space then has its live-chat setting), then
/// the agents, then the limit.
///
/// An agent is a member only of spaces that exist: a deleted space has no
/// members, so nothing is ever offered there (its waiting conversations are
/// ended by the transcript service, SPEC §10, and leave the queue as any
/// ended conversation does). The gateway takes a space off its agents
/// before deleting it; this holds even when an agent's record still names it.
pub fn reconcile(state: &State, config: &TenantConfig) -> Vec<Input> {
    let mut inputs = Vec::new();
    for (space, live_chat) in &config.spaces {
        if state.space(*space).map(|s| s.live_chat()) != Some(*live_chat) {
            inputs.push(Input::SpaceUpdated {
                space: *space,
                live_chat: *live_chat,
            });
        }
    }
    for (agent, record) in &config.agents {
        let spaces: BTreeSet<SpaceId> = record
            .spaces
            .iter()
            .filter(|space| config.spaces.contains_key(space))
            .copied()
            .collect();
        let current: Option<BTreeSet<SpaceId>> = state
            .agent(*agent)
            .map(|a| a.spaces().keys().copied().collect());
        if current.as_ref() != Some(&spaces) {
            inputs.push(Input::AgentUpserted {
                agent: *agent,
                spaces: spaces.into_iter().collect(),
            });
        }
    }
    for (agent, record) in state.agents() {
        // An agent already removed keeps no spaces, only its live
        // conversations' load: nothing more to do until they end.
        let already_removed = record.spaces().is_empty() && record.load() > 0;
        if !config.agents.contains_key(&agent) && !already_removed {
            inputs.push(Input::AgentRemoved { agent });
        }
    }
    let limit = limit_of(config);
    if limit != state.limit() {
        inputs.push(Input::LimitChanged { limit });
    }
    inputs
}

/// The site's maximum conversations: the default when unset, clamped to the
/// allowed range otherwise (the gateway validates; this only guards).
pub fn limit_of(config: &TenantConfig) -> Limit {
    match config.maximum_conversations {
        0 => Limit::DEFAULT,
        n => Limit::new(n.clamp(Limit::MIN, Limit::MAX)).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use switchboard_contracts::ids::AgentId;

    use super::*;
    use crate::catalog::AgentRecord;
    use crate::domain::{Config, decide};

    fn apply(state: &mut State, inputs: Vec<Input>) {
        for input in inputs {
            decide(state, input, 1_000);
        }
    }

    #[test]
    fn a_new_configuration_adds_spaces_agents_and_the_limit_once() {
        let (space, agent) = (SpaceId::new(), AgentId::new());
        let mut config = TenantConfig {
            maximum_conversations: 5,
            ..Default::default()
        };
        config.spaces.insert(space, false);
        config.agents.insert(
            agent,
            AgentRecord {
                name: "Grace".into(),
                spaces: [space].into(),
            },
        );
        let mut state = State::new(Config::default());
        let inputs = reconcile(&state, &config);
        assert_eq!(inputs.len(), 3, "{inputs:?}");
        apply(&mut state, inputs);
        assert!(reconcile(&state, &config).is_empty());
        assert_eq!(state.limit().get(), 5);
        assert_eq!(state.space(space).map(|s| s.live_chat()), Some(false));
    }

    #[test]
    fn an_agent_is_a_member_only_of_spaces_that_exist() {
        let (kept, deleted, agent) = (SpaceId::new(), SpaceId::new(), AgentId::new());
        let mut config = TenantConfig::default();
        config.spaces.insert(kept, true);
        config.spaces.insert(deleted, true);
        config.agents.insert(
            agent,
            AgentRecord {
                name: "Grace".into(),
                spaces: [kept, deleted].into(),
            },
        );
        let mut state = State::new(Config::default());
        let inputs = reconcile(&state, &config);
        apply(&mut state, inputs);
        assert_eq!(state.agent(agent).unwrap().spaces().len(), 2);

        // The space's record is deleted while the agent's still names it.
        config.spaces.remove(&deleted);
        assert_eq!(
            reconcile(&state, &config),
            vec![Input::AgentUpserted {
                agent,
                spaces: vec![kept]
            }]
        );
        let inputs = reconcile(&state, &config);
        apply(&mut state, inputs);
        let spaces: Vec<SpaceId> = state
            .agent(agent)
            .unwrap()
            .spaces()
            .keys()
            .copied()
            .collect();
        assert_eq!(spaces, [kept]);
        assert!(reconcile(&state, &config).is_empty());
    }

    #[test]
    fn an_agent_gone_from_the_configuration_is_removed() {
        let agent = AgentId::new();
        let mut config = TenantConfig::default();
        config.agents.insert(agent, AgentRecord::default());
        let mut state = State::new(Config::default());
        let inputs = reconcile(&state, &config);
        apply(&mut state, inputs);
        assert!(state.agent(agent).is_some());
        config.agents.clear();
        assert_eq!(
            reconcile(&state, &config),
            vec![Input::AgentRemoved { agent }]
        );
        let inputs = reconcile(&state, &config);
        apply(&mut state, inputs);
        assert!(state.agent(agent).is_none());
    }

    #[test]
    fn an_unset_or_out_of_range_limit_is_made_valid() {
        let with = |n| TenantConfig {
            maximum_conversations: n,
            ..Default::default()
        };
        assert_eq!(limit_of(&with(0)), Limit::DEFAULT);
        assert_eq!(limit_of(&with(99)).get(), Limit::MAX);
        assert_eq!(limit_of(&with(7)).get(), 7);
    }
}
