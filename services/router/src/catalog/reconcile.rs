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
        let current: Option<BTreeSet<SpaceId>> = state
            .agent(*agent)
            .map(|a| a.spaces().keys().copied().collect());
        if current.as_ref() != Some(&record.spaces) {
            inputs.push(Input::AgentUpserted {
                agent: *agent,
                spaces: record.spaces.iter().copied().collect(),
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
