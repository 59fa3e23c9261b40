//! Tests of [`super::step`]: parsing routing inputs and applying them to a
//! snapshot, the configuration and the edition included.

use switchboard_contracts::ids::{AgentId, ConversationId, SpaceId, TenantId};
use switchboard_contracts::v1::routing_input::Input as Wire;
use switchboard_contracts::v1::{
    Availability, Edition, RouteAccept, RouteAgentConnected, RouteOfferExpired, RouteSetStatus,
    RoutingInput, SupportMode,
};

use super::messages;
use super::step::{Parsed, apply, parse};
use crate::catalog::{AgentRecord, TenantConfig};
use crate::domain::{Config, Effect, FallbackReason, Input, OfferId, Status};
use crate::snapshot::{Meta, Mode, Snapshot};

fn premium(space: SpaceId, agent: AgentId) -> TenantConfig {
    let mut config = TenantConfig {
        revision: 10,
        edition: Some(Edition::Premium),
        ..Default::default()
    };
    config.spaces.insert(space, true);
    config.agents.insert(
        agent,
        AgentRecord {
            name: "Grace".into(),
            spaces: [space].into(),
        },
    );
    config
}

fn handoff(conversation: ConversationId, space: SpaceId, mode: SupportMode) -> Parsed {
    Parsed::Handoff {
        conversation,
        space,
        meta: Meta::new("cx", None, "my order", mode),
    }
}

fn available(agent: AgentId) -> Parsed {
    Parsed::Core(Input::SetStatus {
        agent,
        space: None,
        status: Status::Available,
    })
}

#[test]
fn the_configuration_is_reconciled_once_per_revision_before_the_input() {
    let (space, agent) = (SpaceId::new(), AgentId::new());
    let config = premium(space, agent);
    let mut snapshot = Snapshot::new(Config::default());
    let effects = apply(&mut snapshot, &config, available(agent), 1);
    assert_eq!(snapshot.config_revision, 10);
    assert!(
        matches!(effects[..], [Effect::StatusChanged { .. }]),
        "{effects:?}"
    );
    let before = snapshot.state.clone();
    assert!(apply(&mut snapshot, &config, Parsed::ConfigChanged, 2).is_empty());
    assert_eq!(snapshot.state, before);
}

#[test]
fn a_handoff_is_queued_and_offered_with_its_meta_held() {
    let (space, agent) = (SpaceId::new(), AgentId::new());
    let config = premium(space, agent);
    let mut snapshot = Snapshot::new(Config::default());
    apply(&mut snapshot, &config, available(agent), 1);
    let c = ConversationId::new();
    let effects = apply(
        &mut snapshot,
        &config,
        handoff(c, space, SupportMode::AiAndTeam),
        2,
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Offer { agent: a, .. } if *a == agent))
    );
    assert_eq!(snapshot.meta[&c].summary, "my order");
}

#[test]
fn a_standard_edition_handoff_gets_the_fallback_without_touching_the_queue() {
    let (space, agent) = (SpaceId::new(), AgentId::new());
    let mut config = premium(space, agent);
    config.edition = Some(Edition::Standard);
    let mut snapshot = Snapshot::new(Config::default());
    apply(&mut snapshot, &config, available(agent), 1);
    let c = ConversationId::new();
    let effects = apply(
        &mut snapshot,
        &config,
        handoff(c, space, SupportMode::SupportTeam),
        2,
    );
    assert_eq!(
        effects,
        vec![Effect::Fallback {
            conversation: c,
            space,
            reason: FallbackReason::NoAgentsAvailable
        }]
    );
    assert!(snapshot.state.conversation(c).is_none());
    assert_eq!(
        snapshot.meta[&c].mode,
        Mode::SupportTeam,
        "kept for a replayed fallback"
    );
}

#[test]
fn a_conversation_that_ended_is_never_queued_by_a_late_handoff() {
    let (space, agent) = (SpaceId::new(), AgentId::new());
    let config = premium(space, agent);
    let mut snapshot = Snapshot::new(Config::default());
    apply(&mut snapshot, &config, available(agent), 1);
    let c = ConversationId::new();
    apply(&mut snapshot, &config, Parsed::Closed(c), 2);
    let effects = apply(
        &mut snapshot,
        &config,
        handoff(c, space, SupportMode::AiAndTeam),
        3,
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(snapshot.state.conversation(c).is_none());
}

#[test]
fn a_queued_conversation_that_ends_frees_its_agent() {
    let (space, agent) = (SpaceId::new(), AgentId::new());
    let config = premium(space, agent);
    let mut snapshot = Snapshot::new(Config::default());
    apply(&mut snapshot, &config, available(agent), 1);
    let c = ConversationId::new();
    apply(
        &mut snapshot,
        &config,
        handoff(c, space, SupportMode::AiAndTeam),
        2,
    );
    let effects = apply(&mut snapshot, &config, Parsed::Closed(c), 3);
    assert!(effects.iter().any(|e| matches!(e, Effect::Withdraw { .. })));
    assert_eq!(snapshot.state.agent(agent).map(|a| a.load()), Some(0));
    assert!(snapshot.is_closed(c));
}

#[test]
fn inputs_parse_and_bad_ones_name_their_problem() {
    let agent = AgentId::new();
    let wire = |input| RoutingInput {
        input: Some(input),
        ..Default::default()
    };
    let status = wire(Wire::SetStatus(RouteSetStatus {
        agent: agent.to_string(),
        space: String::new(),
        status: Availability::Available as i32,
    }));
    assert_eq!(parse(&status), Ok(available(agent)));
    let unset = wire(Wire::SetStatus(RouteSetStatus {
        agent: agent.to_string(),
        ..Default::default()
    }));
    assert!(parse(&unset).unwrap_err().0.contains("status"));
    let garbled = wire(Wire::Accept(RouteAccept {
        offer_id: "nope".into(),
        agent: agent.to_string(),
    }));
    assert!(parse(&garbled).unwrap_err().0.contains("offer_id"));
    assert!(parse(&RoutingInput::default()).is_err());
}

#[test]
fn presence_inputs_name_their_agent_and_change_nothing_by_themselves() {
    let agent = AgentId::new();
    let connected = |agent: String| RoutingInput {
        input: Some(Wire::AgentConnected(RouteAgentConnected { agent })),
        ..Default::default()
    };
    assert_eq!(
        parse(&connected(agent.to_string())),
        Ok(Parsed::Connected(agent))
    );
    assert!(
        parse(&connected("x".into()))
            .unwrap_err()
            .0
            .contains("agent")
    );
    let fired = messages::presence_check(TenantId::new(), agent, 5);
    assert_eq!(parse(&fired), Ok(Parsed::PresenceCheck(agent)));

    let space = SpaceId::new();
    let mut snapshot = Snapshot::new(Config::default());
    let config = premium(space, agent);
    apply(&mut snapshot, &config, Parsed::ConfigChanged, 1);
    let before = snapshot.state.clone();
    for input in [Parsed::Connected(agent), Parsed::PresenceCheck(agent)] {
        assert!(apply(&mut snapshot, &config, input, 2).is_empty());
    }
    assert_eq!(snapshot.state, before);
}

#[test]
fn an_expired_offer_is_read_from_its_fields_and_an_older_timer_from_its_id() {
    let offer = OfferId {
        conversation: ConversationId::new(),
        number: 7,
    };
    let expired = |input: RoutingInput| match parse(&input) {
        Ok(Parsed::Core(Input::OfferExpired { offer })) => offer,
        other => panic!("not an expired offer: {other:?}"),
    };
    let mut fired = messages::offer_expired(TenantId::new(), offer, 5);
    let Some(Wire::OfferExpired(fields)) = fired.input.as_mut() else {
        panic!("not an expired offer");
    };
    fields.offer_id = "ignored".into();
    assert_eq!(expired(fired), offer);
    let older = RoutingInput {
        input: Some(Wire::OfferExpired(RouteOfferExpired {
            offer_id: offer.to_string(),
            ..Default::default()
        })),
        ..Default::default()
    };
    assert_eq!(expired(older), offer);
}
